// MoCo v2: He et al. 2020, "Momentum Contrast for Unsupervised Visual Representation Learning";
// Chen et al. 2020, "Improved Baselines with Momentum Contrastive Learning".
import { InfoNCELoss } from '../losses/index.js';
import { MoCoProjectionHead } from '../nn/index.js';
import { EMA } from '../optim/index.js';
import { cat, keep, noGrad, type Tensor } from '../tensor/index.js';
import { MemoryBank } from './memory-bank.js';
import { checkViews, headDims, Method, type MethodOptions } from './method.js';

/**
 * MoCo v2: a query encoder (backbone + 2-layer MLP head, v2's "MLP head"), a key encoder that is
 * its momentum (EMA) copy, and a queue of past keys as negatives for InfoNCE (temperature 0.2,
 * v2's). The loss is symmetrised over the two views and both views' keys are enqueued after the
 * optimizer step (as in MoCo v3 and lightly's MoCo benchmark). Queue size 65536 in the paper; an option here.
 */
export class MoCo extends Method {
  readonly methodName = 'moco';
  readonly projectionHead: MoCoProjectionHead;
  readonly targetBackbone;
  readonly targetProjectionHead: MoCoProjectionHead;
  readonly queue: MemoryBank;
  readonly criterion: InfoNCELoss;
  readonly #ema: [EMA, EMA];
  /** This step's keys, enqueued after the backward pass (the loss's graph reads the queue). */
  #keys: Tensor | null = null;

  constructor(o: MethodOptions) {
    super(o);
    const d = headDims(this.backbone.featureDim, o, { hidden: 2048, output: 128 });
    const projection = (): MoCoProjectionHead => new MoCoProjectionHead({ inputDim: this.backbone.featureDim, hiddenDim: d.hidden, outputDim: d.output });
    this.projectionHead = this.registerModule('projectionHead', projection());
    this.targetBackbone = this.registerModule('targetBackbone', o.encoder());
    this.targetProjectionHead = this.registerModule('targetProjectionHead', projection());
    this.queue = this.registerModule('queue', new MemoryBank(o.queueSize ?? 65536, d.output));
    this.criterion = new InfoNCELoss({ temperature: o.temperature ?? 0.2 });
    const schedule = { tau: o.tau ?? 0.99, totalSteps: o.totalSteps };
    this.#ema = [new EMA(this.backbone, this.targetBackbone, schedule), new EMA(this.projectionHead, this.targetProjectionHead, schedule)];
  }

  forward(views: Tensor[]): Tensor {
    checkViews('MoCo', views);
    const b = views[0]!.shape[0]!;
    const x = cat(views);
    const q = this.projectionHead.forward(this.backbone.forward(x)); // (2B, D) queries
    const k = noGrad(() => this.targetProjectionHead.forward(this.targetBackbone.forward(x))); // (2B, D) keys
    const negatives = this.queue.forward(); // (K, D)
    const loss = this.criterion.forward(q.narrow(0, 0, b), k.narrow(0, b, b), negatives)
      .add(this.criterion.forward(q.narrow(0, b, b), k.narrow(0, 0, b), negatives)).mul(0.5);
    this.#keys?.dispose();
    this.#keys = keep(k.detach());
    return loss;
  }

  override afterStep(): void {
    if (this.#keys) {
      this.queue.enqueue(this.#keys);
      this.#keys.dispose();
      this.#keys = null;
    }
    for (const e of this.#ema) e.update();
  }

  override extraState(): Record<string, unknown> {
    return { emaStep: this.#ema[0].step };
  }

  override loadExtraState(s: Record<string, unknown>): void {
    for (const e of this.#ema) e.loadStateDict({ step: Number(s.emaStep ?? 0) });
  }
}
