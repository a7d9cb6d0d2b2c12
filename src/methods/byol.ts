// BYOL: Grill et al. 2020, "Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning".
import { NegativeCosineSimilarity } from '../losses/index.js';
import { BYOLPredictionHead, BYOLProjectionHead, type Encoder } from '../nn/index.js';
import { noGrad, type Tensor } from '../tensor/index.js';
import { checkViews, type MethodOptions } from './method.js';
import { MomentumMethod } from './momentum.js';
import type { MethodRecipe } from './recipe.js';

/**
 * BYOL: an online network (backbone, projector, predictor: "MLPs ... hidden layer of size 4096
 * followed by batch normalization, ReLU, and a final linear layer with output dimension 256",
 * Sec. 3.3) predicts a target network's projection of the other view; the target is an EMA of
 * the online weights, τ from 0.996 raised to 1 by a cosine schedule (Sec. 3.2). The loss is
 * symmetric: 2 - 2 cos(q1, z'2) + 2 - 2 cos(q2, z'1), here as the mean negative cosine
 * similarity of both pairs (the same up to an affine map).
 */
export class BYOL extends MomentumMethod {
  /** τ_base 0.996 and heads 4096 -> 256 (the paper's); LARS 0.3 per 256 images, weight decay 1e-6; BYOL's asymmetric views. */
  static readonly recipe = {
    name: 'byol',
    paper: 'Grill et al. 2020, Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning',
    needsLabels: false,
    inputs: ['image', 'sequence'],
    optimizer: { name: 'lars', lr: { base: 0.3, scaling: 'linear' }, weightDecay: 1e-6 },
    defaults: { tau: 0.996 },
    heads: { hidden: 4096, output: 256 },
    augment: { image: 'byol', sequence: 'ts-simclr' },
    gathers: 'nothing',
  } as const satisfies MethodRecipe;

  readonly projectionHead: BYOLProjectionHead;
  readonly predictionHead: BYOLPredictionHead;
  readonly targetBackbone: Encoder;
  readonly targetProjectionHead: BYOLProjectionHead;
  readonly criterion = new NegativeCosineSimilarity();

  constructor(o: MethodOptions) {
    super(BYOL.recipe, o);
    this.projectionHead = this.registerModule('projectionHead', this.projector(BYOLProjectionHead));
    this.predictionHead = this.registerModule('predictionHead', this.predictor(BYOLPredictionHead));
    this.targetBackbone = this.registerModule('targetBackbone', this.newEncoder());
    this.targetProjectionHead = this.registerModule('targetProjectionHead', this.projector(BYOLProjectionHead));
    this.follow([[this.backbone, this.targetBackbone], [this.projectionHead, this.targetProjectionHead]]);
  }

  forward(views: Tensor[], _labels: Tensor | null, lengths?: Tensor | null): Tensor {
    checkViews('BYOL', views);
    const b = views[0]!.shape[0]!;
    const q = this.throughViews(views, lengths, this.backbone, this.projectionHead, this.predictionHead); // (2B, D)
    const z = noGrad(() => this.throughViews(views, lengths, this.targetBackbone, this.targetProjectionHead)); // (2B, D)
    const [q1, q2] = [q.narrow(0, 0, b), q.narrow(0, b, b)];
    const [z1, z2] = [z.narrow(0, 0, b), z.narrow(0, b, b)];
    return this.criterion.forward(q1, z2).add(this.criterion.forward(q2, z1)).mul(0.5);
  }
}
