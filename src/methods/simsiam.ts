// SimSiam: Chen & He 2021, "Exploring Simple Siamese Representation Learning".
import { NegativeCosineSimilarity } from '../losses/index.js';
import { SimSiamPredictionHead, SimSiamProjectionHead } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import { checkViews, Method, type MethodOptions } from './method.js';
import { MoCo } from './moco.js';
import type { MethodRecipe } from './recipe.js';

/**
 * SimSiam: encoder f (backbone + 3-layer projection MLP) and predictor h (2-layer bottleneck
 * MLP, hidden a quarter of the output: "the output of h's hidden layer is 512-d", Sec. 4.1);
 * the loss D(p1, stopgrad(z2))/2 + D(p2, stopgrad(z1))/2 with D the negative cosine similarity
 * (Algorithm 1). No negatives, no momentum encoder: the stop-gradient prevents collapse.
 */
export class SimSiam extends Method {
  /** Projector 2048 -> 2048 (the paper's); MoCo's SGD rule (the paper's optimizer is SGD, 0.05 per 256). */
  static readonly recipe = {
    name: 'simsiam',
    paper: 'Chen & He 2021, Exploring Simple Siamese Representation Learning',
    needsLabels: false,
    inputs: ['image', 'sequence'],
    optimizer: MoCo.recipe.optimizer,
    defaults: {},
    heads: { hidden: 2048, output: 2048 },
    augment: { image: 'simclr', sequence: 'ts-simclr' },
    gathers: 'nothing',
  } as const satisfies MethodRecipe;

  readonly projectionHead: SimSiamProjectionHead;
  readonly predictionHead: SimSiamPredictionHead;
  readonly criterion = new NegativeCosineSimilarity();

  constructor(o: MethodOptions) {
    super(SimSiam.recipe, o);
    this.projectionHead = this.registerModule('projectionHead', this.projector(SimSiamProjectionHead));
    this.predictionHead = this.registerModule('predictionHead', this.predictor(SimSiamPredictionHead, Math.max(Math.floor(this.widths.output / 4), 32)));
  }

  forward(views: Tensor[], _labels: Tensor | null, lengths?: Tensor | null): Tensor {
    checkViews('SimSiam', views);
    const b = views[0]!.shape[0]!;
    const z = this.throughViews(views, lengths, this.backbone, this.projectionHead); // (2B, D)
    const p = this.predictionHead.forward(z); // (2B, D)
    const [z1, z2] = [z.narrow(0, 0, b).detach(), z.narrow(0, b, b).detach()];
    const [p1, p2] = [p.narrow(0, 0, b), p.narrow(0, b, b)];
    return this.criterion.forward(p1, z2).add(this.criterion.forward(p2, z1)).mul(0.5);
  }
}
