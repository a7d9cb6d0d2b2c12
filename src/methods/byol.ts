// BYOL: Grill et al. 2020, "Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning".
import { NegativeCosineSimilarity } from '../losses/index.js';
import { BYOLPredictionHead, BYOLProjectionHead } from '../nn/index.js';
import { EMA } from '../optim/index.js';
import { cat, noGrad, type Tensor } from '../tensor/index.js';
import { checkViews, headDims, Method, type MethodOptions } from './method.js';

/**
 * BYOL: an online network (backbone, projector, predictor: "MLPs ... hidden layer of size 4096
 * followed by batch normalization, ReLU, and a final linear layer with output dimension 256",
 * Sec. 3.3) predicts a target network's projection of the other view; the target is an EMA of
 * the online weights, τ from 0.996 raised to 1 by a cosine schedule (Sec. 3.2). The loss is
 * symmetric: 2 - 2 cos(q1, z'2) + 2 - 2 cos(q2, z'1), here as the mean negative cosine
 * similarity of both pairs (the same up to an affine map).
 */
export class BYOL extends Method {
  readonly methodName = 'byol';
  readonly projectionHead: BYOLProjectionHead;
  readonly predictionHead: BYOLPredictionHead;
  readonly targetBackbone;
  readonly targetProjectionHead: BYOLProjectionHead;
  readonly criterion = new NegativeCosineSimilarity();
  readonly #ema: [EMA, EMA];

  constructor(o: MethodOptions) {
    super(o);
    const d = headDims(this.backbone.featureDim, o, { hidden: 4096, output: 256 });
    const projection = (): BYOLProjectionHead => new BYOLProjectionHead({ inputDim: this.backbone.featureDim, hiddenDim: d.hidden, outputDim: d.output });
    this.projectionHead = this.registerModule('projectionHead', projection());
    this.predictionHead = this.registerModule('predictionHead', new BYOLPredictionHead({ inputDim: d.output, hiddenDim: d.hidden, outputDim: d.output }));
    this.targetBackbone = this.registerModule('targetBackbone', o.encoder());
    this.targetProjectionHead = this.registerModule('targetProjectionHead', projection());
    const schedule = { tau: o.tau ?? 0.996, totalSteps: o.totalSteps };
    this.#ema = [new EMA(this.backbone, this.targetBackbone, schedule), new EMA(this.projectionHead, this.targetProjectionHead, schedule)];
  }

  forward(views: Tensor[]): Tensor {
    checkViews('BYOL', views);
    const b = views[0]!.shape[0]!;
    const x = cat(views);
    const q = this.predictionHead.forward(this.projectionHead.forward(this.backbone.forward(x))); // (2B, D)
    const z = noGrad(() => this.targetProjectionHead.forward(this.targetBackbone.forward(x))); // (2B, D)
    const [q1, q2] = [q.narrow(0, 0, b), q.narrow(0, b, b)];
    const [z1, z2] = [z.narrow(0, 0, b), z.narrow(0, b, b)];
    return this.criterion.forward(q1, z2).add(this.criterion.forward(q2, z1)).mul(0.5);
  }

  override afterStep(): void {
    for (const e of this.#ema) e.update();
  }

  override extraState(): Record<string, unknown> {
    return { emaStep: this.#ema[0].step };
  }

  override loadExtraState(s: Record<string, unknown>): void {
    for (const e of this.#ema) e.loadStateDict({ step: Number(s.emaStep ?? 0) });
  }
}
