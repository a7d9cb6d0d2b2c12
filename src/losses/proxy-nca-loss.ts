import type { Tensor } from '../tensor/index.js';
import { LpDistance } from './distances/lp-distance.js';
import { type IndicesTuple, rowIndices, tupleWeights } from './indices.js';
import { ProxyLoss, type ProxyLossOptions } from './proxy-loss.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';
import { checkNumber } from './validate.js';

export interface ProxyNCALossOptions extends ProxyLossOptions {
  /** s, multiplies the exponents (default 1). */
  softmaxScale?: number;
}

/**
 * The proxy NCA loss (Movshovitz-Attias et al. 2017, "No Fuss Distance Metric Learning using
 * Proxies", eq. 5-6 / sec. 4), as PML's `ProxyNCALoss` (NCA over proxies):
 *   L_i = -log( exp(-s d(x_i, p_{y_i})) / sum_z exp(-s d(x_i, p_z)) ),
 * p_z the proxies (numClasses, embeddingSize) (PML's layout and `normal_` init), d the distance
 * (default `LpDistance({ power: 2 })`: squared Euclidean between L2-normalised embeddings and
 * proxies; a similarity enters un-negated). As in PML, the denominator includes the target proxy
 * (the paper's sums over z != y). Per-sample losses times miner weights ('element'), averaged by
 * the default `MeanReducer`. Computed as a log-softmax: where PML's softmax underflows to 0 and
 * PML drops the sample, the loss here stays finite and keeps it. PML's weight regularizer is not
 * supported. Defaults: softmaxScale 1.
 */
export class ProxyNCALoss extends ProxyLoss {
  readonly softmaxScale: number;
  /** The proxies (numClasses, embeddingSize), a registered parameter. */
  readonly proxies: Tensor;

  constructor(o: ProxyNCALossOptions) {
    super(o, ['softmaxScale'], { distance: () => new LpDistance({ power: 2 }), reducer: () => new MeanReducer() });
    this.softmaxScale = checkNumber(this.name, 'softmaxScale', o.softmaxScale ?? 1);
    this.proxies = this.registerWeight(o, 'proxies', [this.numClasses, this.embeddingSize], 'normal');
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const y = this.classLabels(embeddings, labels);
    const mat = this.distance.forward(embeddings, this.castTo(this.proxies, embeddings, 'proxies')); // (N, C)
    const logits = (this.distance.isInverted ? mat : mat.neg()).mul(this.softmaxScale);
    const logProb = logits.logSoftmax(1).gather(1, y.unsqueeze(1)).squeeze(1); // (N)
    const losses = logProb.neg().mul(tupleWeights(tuple, embeddings));
    return { loss: { losses, reductionType: 'element', indices: rowIndices(embeddings) } };
  }
}
