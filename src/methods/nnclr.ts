// NNCLR: Dwibedi et al. 2021, "With a Little Help from My Friends: Nearest-Neighbor Contrastive
// Learning of Visual Representations".
import { NTXentLoss } from '../losses/index.js';
import { NNCLRPredictionHead, NNCLRProjectionHead } from '../nn/index.js';
import { cosineTopK } from '../eval/index.js';
import { noGrad, type Tensor } from '../tensor/index.js';
import { MemoryBank } from './memory-bank.js';
import { checkViews, Method, type MethodOptions } from './method.js';
import type { MethodRecipe } from './recipe.js';
import { SimCLR } from './simclr.js';

/**
 * NNCLR: SimCLR's loss with the positive replaced by the nearest neighbour of one view's
 * projection in a support set Q of past projections, NN(z1, Q), contrasted with the other
 * view's prediction p2 (eq. 2), symmetrised. Nearest by cosine similarity; the support set is a
 * FIFO queue updated with each batch's projections.
 */
export class NNCLR extends Method {
  /**
   * Temperature 0.1 and a support set of 98,304 (the paper's); SimCLR's LARS and learning-rate
   * rule; projection and prediction heads 2048 -> 256.
   */
  static readonly recipe = {
    name: 'nnclr',
    paper: 'Dwibedi et al. 2021, With a Little Help from My Friends: Nearest-Neighbor Contrastive Learning of Visual Representations',
    needsLabels: false,
    inputs: ['image', 'sequence'],
    optimizer: SimCLR.recipe.optimizer,
    defaults: { temperature: 0.1, queueSize: 98304 },
    heads: { hidden: 2048, output: 256 },
    augment: { image: 'simclr', sequence: 'ts-simclr' },
    gathers: 'embeddings',
  } as const satisfies MethodRecipe;

  readonly projectionHead: NNCLRProjectionHead;
  readonly predictionHead: NNCLRPredictionHead;
  readonly supportSet: MemoryBank;
  readonly criterion: NTXentLoss;

  constructor(o: MethodOptions) {
    super(NNCLR.recipe, o);
    this.projectionHead = this.registerModule('projectionHead', this.projector(NNCLRProjectionHead));
    this.predictionHead = this.registerModule('predictionHead', this.predictor(NNCLRPredictionHead));
    this.supportSet = this.registerModule('supportSet', new MemoryBank(this.option('queueSize'), this.widths.output));
    this.criterion = new NTXentLoss({ temperature: this.option('temperature') });
  }

  /** The support-set entry nearest to each row of `z` (N, D) by cosine similarity, without gradient. */
  nearestNeighbour(z: Tensor): Tensor {
    return noGrad(() => {
      const q = this.supportSet.forward(); // (K, D), unit rows
      const nearest = cosineTopK(z, q, { k: 1 }).indices.flatten(); // (N)
      return q.indexSelect(0, nearest); // (N, D)
    });
  }

  forward(views: Tensor[], _labels: Tensor | null, lengths?: Tensor | null): Tensor {
    checkViews('NNCLR', views);
    const b = views[0]!.shape[0]!;
    const z = this.throughViews(views, lengths, this.backbone, this.projectionHead); // (2B, D)
    const p = this.predictionHead.forward(z); // (2B, D)
    const [z1, z2] = [this.gather(z.narrow(0, 0, b), false), this.gather(z.narrow(0, b, b), false)]; // (W B, D): the support set's input, no gradient
    const [p1, p2] = [this.gather(p.narrow(0, 0, b)), this.gather(p.narrow(0, b, b))]; // (W B, D)
    const loss = this.criterion.forward(this.nearestNeighbour(z1), p2)
      .add(this.criterion.forward(this.nearestNeighbour(z2), p1)).mul(0.5);
    this.supportSet.enqueue(z1);
    return loss;
  }
}
