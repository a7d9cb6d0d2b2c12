// NNCLR: Dwibedi et al. 2021, "With a Little Help from My Friends: Nearest-Neighbor Contrastive
// Learning of Visual Representations".
import { NTXentLoss } from '../losses/index.js';
import { NNCLRPredictionHead, NNCLRProjectionHead } from '../nn/index.js';
import { cat, F, noGrad, type Tensor } from '../tensor/index.js';
import { MemoryBank } from './memory-bank.js';
import { checkViews, headDims, Method, type MethodOptions } from './method.js';

/**
 * NNCLR: SimCLR's loss with the positive replaced by the nearest neighbour of one view's
 * projection in a support set Q of past projections, NN(z1, Q), contrasted with the other
 * view's prediction p2 (eq. 2), symmetrised. Nearest by cosine similarity; the support set is a
 * FIFO queue (98,304 in the paper; an option here) updated with each batch's projections.
 * Temperature 0.1 (the paper's).
 */
export class NNCLR extends Method {
  readonly methodName = 'nnclr';
  readonly projectionHead: NNCLRProjectionHead;
  readonly predictionHead: NNCLRPredictionHead;
  readonly supportSet: MemoryBank;
  readonly criterion: NTXentLoss;

  constructor(o: MethodOptions) {
    super(o);
    const d = headDims(this.backbone.featureDim, o, { hidden: 2048, output: 256 });
    this.projectionHead = this.registerModule('projectionHead', new NNCLRProjectionHead({ inputDim: this.backbone.featureDim, hiddenDim: d.hidden, outputDim: d.output }));
    this.predictionHead = this.registerModule('predictionHead', new NNCLRPredictionHead({ inputDim: d.output, hiddenDim: d.hidden, outputDim: d.output }));
    this.supportSet = this.registerModule('supportSet', new MemoryBank(o.queueSize ?? 98304, d.output));
    this.criterion = new NTXentLoss({ temperature: o.temperature ?? 0.1 });
  }

  /** The support-set entry nearest to each row of `z` (N, D) by cosine similarity, without gradient. */
  nearestNeighbour(z: Tensor): Tensor {
    return noGrad(() => {
      const q = this.supportSet.forward(); // (K, D), unit rows
      const nearest = F.normalize(z).mm(q.t()).argmax(1); // (N)
      return q.indexSelect(0, nearest); // (N, D)
    });
  }

  forward(views: Tensor[]): Tensor {
    checkViews('NNCLR', views);
    const b = views[0]!.shape[0]!;
    const z = this.projectionHead.forward(this.backbone.forward(cat(views))); // (2B, D)
    const p = this.predictionHead.forward(z); // (2B, D)
    const [z1, z2] = [z.narrow(0, 0, b), z.narrow(0, b, b)];
    const loss = this.criterion.forward(this.nearestNeighbour(z1), p.narrow(0, b, b))
      .add(this.criterion.forward(this.nearestNeighbour(z2), p.narrow(0, 0, b))).mul(0.5);
    this.supportSet.enqueue(z1);
    return loss;
  }
}
