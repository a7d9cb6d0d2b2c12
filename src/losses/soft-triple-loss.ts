import { arange, F, type Tensor } from '../tensor/index.js';
import { CosineSimilarity } from './distances/cosine-similarity.js';
import { type IndicesTuple, rowIndices, tupleWeights } from './indices.js';
import { ProxyLoss, type ProxyLossOptions } from './proxy-loss.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';
import { checkInteger, checkNumber, checkPositive } from './validate.js';

export interface SoftTripleLossOptions extends ProxyLossOptions {
  /** K, the centres per class (default 10). */
  centersPerClass?: number;
  /** lambda, the logit scale (default 20). */
  la?: number;
  /** gamma, the temperature of the soft assignment to a class's centres (default 0.1). */
  gamma?: number;
  /** delta, the margin subtracted from the target class's similarity (default 0.01). */
  margin?: number;
}

/**
 * The SoftTriple loss (Qian et al. 2019, "SoftTriple Loss: Deep Metric Learning Without Triplet
 * Sampling", eq. 8-9), as PML's `SoftTripleLoss`: with K centres w_c^k per class (the columns
 * c K .. c K + K - 1 of `fc` (embeddingSize, numClasses * K), PML's name, initialised with
 * `kaiming_uniform_(a = sqrt 5)`: U(-1/sqrt(C K), 1/sqrt(C K))) and cosines s = cos(x_i, w_c^k),
 *   S_{i,c} = sum_k softmax_k(s_{i,c,k} / gamma) s_{i,c,k},
 *   L_i = -log( exp(lambda (S_{i,y} - delta)) / (exp(lambda (S_{i,y} - delta)) + sum_{j != y} exp(lambda S_{i,j})) ).
 * Per-sample losses times miner weights ('element'), averaged by the default `MeanReducer`. The
 * paper's centre regularizer (and PML's weight regularizer) is not included. Defaults:
 * centersPerClass 10, la 20, gamma 0.1, margin 0.01, distance `CosineSimilarity()` (required).
 */
export class SoftTripleLoss extends ProxyLoss {
  readonly centersPerClass: number;
  readonly la: number;
  readonly gamma: number;
  readonly margin: number;
  /** The centres (embeddingSize, numClasses * centersPerClass), a registered parameter. */
  readonly fc: Tensor;

  constructor(o: SoftTripleLossOptions) {
    super(o, ['centersPerClass', 'la', 'gamma', 'margin'], { distance: () => new CosineSimilarity(), reducer: () => new MeanReducer() });
    if (!(this.distance instanceof CosineSimilarity)) throw new TypeError(`${this.name}: distance must be a CosineSimilarity (as in PML)`);
    this.centersPerClass = checkInteger(this.name, 'centersPerClass', o.centersPerClass ?? 10);
    this.la = checkNumber(this.name, 'la', o.la ?? 20);
    this.gamma = checkPositive(this.name, 'gamma', o.gamma ?? 0.1);
    this.margin = checkNumber(this.name, 'margin', o.margin ?? 0.01);
    this.fc = this.registerWeight(o, 'fc', [this.embeddingSize, this.numClasses * this.centersPerClass], 'kaimingUniform');
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const y = this.classLabels(embeddings, labels);
    const n = embeddings.shape[0]!;
    const sim = this.distance.forward(embeddings, this.castTo(this.fc, embeddings, 'fc').t()) // (N, C * K)
      .view([n, this.numClasses, this.centersPerClass]); // (N, C, K)
    const toClasses = sim.div(this.gamma).softmax(2).mul(sim).sum(2); // (N, C)
    const mask = y.unsqueeze(1).eq(arange(this.numClasses, undefined, undefined, { device: y.device }).unsqueeze(0)).to(sim.dtype); // (N, C)
    const logits = toClasses.sub(mask.mul(this.margin)).mul(this.la); // (N, C)
    const losses = F.crossEntropy(logits, y, { reduction: 'none' }).mul(tupleWeights(tuple, embeddings)); // (N)
    return { loss: { losses, reductionType: 'element', indices: rowIndices(embeddings) } };
  }
}
