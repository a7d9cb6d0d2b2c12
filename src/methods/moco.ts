// MoCo v2: He et al. 2020, "Momentum Contrast for Unsupervised Visual Representation Learning";
// Chen et al. 2020, "Improved Baselines with Momentum Contrastive Learning".
import { InfoNCELoss } from '../losses/index.js';
import { MoCoProjectionHead, type Encoder } from '../nn/index.js';
import { cat, keep, noGrad, type Tensor } from '../tensor/index.js';
import { MemoryBank } from './memory-bank.js';
import { checkViews, type MethodOptions } from './method.js';
import { MomentumMethod } from './momentum.js';
import type { MethodRecipe } from './recipe.js';

/**
 * MoCo v2: a query encoder (backbone + 2-layer MLP head, v2's "MLP head"), a key encoder that is
 * its momentum (EMA) copy, and a queue of past keys as negatives for InfoNCE. The loss is
 * symmetrised over the two views and both views' keys are enqueued after the optimizer step (as
 * in MoCo v3 and lightly's MoCo benchmark).
 */
export class MoCo extends MomentumMethod {
  /**
   * Temperature 0.2 (v2's), a queue of 65,536 keys (the paper's), τ_base 0.99 (as lightly's
   * benchmarks for short runs; the paper's m is 0.999), SGD with weight decay 5e-4 at 0.06 per
   * 256 images (v2: 0.03, for 200-800 epochs); head 2048 -> 128.
   */
  static readonly recipe = {
    name: 'moco',
    paper: 'Chen et al. 2020, Improved Baselines with Momentum Contrastive Learning (MoCo v2)',
    needsLabels: false,
    inputs: ['image', 'sequence'],
    optimizer: { name: 'sgd', lr: { base: 0.06, scaling: 'linear' }, weightDecay: 5e-4 },
    defaults: { temperature: 0.2, queueSize: 65536, tau: 0.99 },
    heads: { hidden: 2048, output: 128 },
    augment: { image: 'simclr', sequence: 'ts-simclr' },
    gathers: 'keys',
  } as const satisfies MethodRecipe;

  readonly projectionHead: MoCoProjectionHead;
  readonly targetBackbone: Encoder;
  readonly targetProjectionHead: MoCoProjectionHead;
  readonly queue: MemoryBank;
  readonly criterion: InfoNCELoss;
  /** This step's keys, enqueued after the backward pass (the loss's graph reads the queue). */
  #keys: Tensor | null = null;

  constructor(o: MethodOptions) {
    super(MoCo.recipe, o);
    this.projectionHead = this.registerModule('projectionHead', this.projector(MoCoProjectionHead));
    this.targetBackbone = this.registerModule('targetBackbone', this.newEncoder());
    this.targetProjectionHead = this.registerModule('targetProjectionHead', this.projector(MoCoProjectionHead));
    this.queue = this.registerModule('queue', new MemoryBank(this.option('queueSize'), this.widths.output));
    this.criterion = new InfoNCELoss({ temperature: this.option('temperature') });
    this.follow([[this.backbone, this.targetBackbone], [this.projectionHead, this.targetProjectionHead]]);
  }

  forward(views: Tensor[], _labels: Tensor | null, lengths?: Tensor | null): Tensor {
    checkViews('MoCo', views);
    const b = views[0]!.shape[0]!;
    const q = this.throughViews(views, lengths, this.backbone, this.projectionHead); // (2B, D) queries
    const k = noGrad(() => this.throughViews(views, lengths, this.targetBackbone, this.targetProjectionHead)); // (2B, D) keys
    const negatives = this.queue.forward(); // (K, D)
    const loss = this.criterion.forward(q.narrow(0, 0, b), k.narrow(0, b, b), negatives)
      .add(this.criterion.forward(q.narrow(0, b, b), k.narrow(0, 0, b), negatives)).mul(0.5);
    this.#keys?.dispose();
    this.#keys = keep(cat([this.gather(k.narrow(0, 0, b), false), this.gather(k.narrow(0, b, b), false)])); // (2 W B, D): every rank's, view 1's then view 2's
    return loss;
  }

  /** Enqueues this step's keys (view 1's, then view 2's, of every rank), then moves the key encoder. */
  override afterStep(): void {
    if (this.#keys) {
      this.queue.enqueue(this.#keys);
      this.#keys.dispose();
      this.#keys = null;
    }
    super.afterStep();
  }

  override dispose(): void {
    this.#keys?.dispose();
    this.#keys = null;
    super.dispose();
  }
}
