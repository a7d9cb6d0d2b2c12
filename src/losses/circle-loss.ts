import { F, type Tensor } from '../tensor/index.js';
import { CosineSimilarity } from './distances/cosine-similarity.js';
import { type IndicesTuple, pairMasks, rowIndices, tooFewPairs, toPairs } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import { maskedLogSumExp } from './numerics.js';
import { AvgNonZeroReducer } from './reducers/avg-non-zero-reducer.js';
import type { LossDict } from './reducers/base.js';
import { checkNumber, checkPositive } from './validate.js';

export interface CircleLossOptions extends MetricLossOptions {
  /** The relaxation margin m (default 0.4, the paper's fine-grained retrieval setting). */
  m?: number;
  /** The scale gamma (default 80). */
  gamma?: number;
}

/**
 * The circle loss (Sun et al. 2020, "Circle Loss: A Unified Perspective of Pair Similarity
 * Optimization", eq. 4 with the margins and optima of eq. 5-6), as pytorch-metric-learning's
 * `CircleLoss`, per anchor i with positive pairs P(i) and negative pairs N(i):
 *   alpha_p = [1 + m - s_ip]_+,  alpha_n = [s_in + m]_+   (both detached: no gradient flows
 *   through the weights, as in the paper and PML),
 *   l_i = softplus( log sum_{p in P(i)} exp(-gamma alpha_p (s_ip - (1 - m)))
 *                 + log sum_{n in N(i)} exp( gamma alpha_n (s_in - m)) ),
 * and 0 for an anchor without a positive or without a negative. Requires `CosineSimilarity`
 * (the default). Defaults: m 0.4, gamma 80, reducer `AvgNonZeroReducer`. Sub-loss `loss`,
 * reduction 'element', indices 0..N-1.
 */
export class CircleLoss extends MetricLoss {
  readonly m: number;
  readonly gamma: number;

  constructor(o: CircleLossOptions = {}) {
    super(o, ['m', 'gamma'], { distance: () => new CosineSimilarity(), reducer: () => new AvgNonZeroReducer() });
    this.m = checkNumber(this.name, 'm', o.m ?? 0.4);
    this.gamma = checkPositive(this.name, 'gamma', o.gamma ?? 80);
    if (!(this.distance instanceof CosineSimilarity)) throw new TypeError(`${this.name}: distance must be a CosineSimilarity, got ${this.distance.name}`);
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const pairs = toPairs(tuple, labels);
    if (tooFewPairs(pairs)) return { loss: { losses: null, reductionType: 'element' } };
    const mat = this.distance.forward(embeddings); // (N, N)
    const [posMask, negMask] = pairMasks(mat, pairs); // (N, N) bool each
    const s = mat.detach();
    const posLogits = s.neg().add(1 + this.m).relu().mul(mat.sub(1 - this.m)).mul(-this.gamma); // (N, N)
    const negLogits = s.add(this.m).relu().mul(mat.sub(this.m)).mul(this.gamma); // (N, N)
    const logits = posLogits.where(posMask, negLogits.where(negMask, 0)); // (N, N)
    const lse = maskedLogSumExp(logits, posMask).add(maskedLogSumExp(logits, negMask)); // (N)
    const valid = posMask.any(1).logicalAnd(negMask.any(1)).to(mat.dtype); // (N)
    return { loss: { losses: F.softplus(lse).mul(valid), reductionType: 'element', indices: rowIndices(mat) } };
  }
}
