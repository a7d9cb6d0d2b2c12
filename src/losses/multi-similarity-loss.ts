import type { Tensor } from '../tensor/index.js';
import { CosineSimilarity } from './distances/cosine-similarity.js';
import { type IndicesTuple, pairMasks, rowIndices, toPairs, tooFewPairs } from './indices.js';
import { maskedLogSumExp } from './numerics.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';
import { checkNumber, checkPositive } from './validate.js';

export interface MultiSimilarityLossOptions extends MetricLossOptions {
  /** The exponential weight of positive pairs (default 2). */
  alpha?: number;
  /** The exponential weight of negative pairs (default 50). */
  beta?: number;
  /** The similarity offset lambda of both terms (default 0.5). */
  base?: number;
}

/**
 * The multi-similarity loss (Wang et al. 2019, "Multi-Similarity Loss with General Pair
 * Weighting for Deep Metric Learning", eq. 9-10 without the mining step, which is
 * `MultiSimilarityMiner`), as pytorch-metric-learning's `MultiSimilarityLoss`: for each anchor i
 * with positive pairs P(i) and negative pairs N(i) of the index tuple,
 *   l_i = 1/alpha * log(1 + sum_{p in P(i)} exp(-alpha (s_ip - base)))
 *       + 1/beta  * log(1 + sum_{n in N(i)} exp( beta (s_in - base))),
 * written for distances with `distance.margin` (s - base becomes base - d). An anchor without
 * pairs of a kind gets 0 for that term. Defaults: alpha 2, beta 50, base 0.5, distance
 * `CosineSimilarity()`, reducer `MeanReducer` (the mean over all N anchors). Sub-loss `loss`,
 * reduction 'element', indices 0..N-1.
 */
export class MultiSimilarityLoss extends MetricLoss {
  readonly alpha: number;
  readonly beta: number;
  readonly base: number;

  constructor(o: MultiSimilarityLossOptions = {}) {
    super(o, ['alpha', 'beta', 'base'], { distance: () => new CosineSimilarity(), reducer: () => new MeanReducer() });
    this.alpha = checkPositive(this.name, 'alpha', o.alpha ?? 2);
    this.beta = checkPositive(this.name, 'beta', o.beta ?? 50);
    this.base = checkNumber(this.name, 'base', o.base ?? 0.5);
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const pairs = toPairs(tuple, labels);
    if (tooFewPairs(pairs)) return { loss: { losses: null, reductionType: 'element' } };
    const mat = this.distance.forward(embeddings); // (N, N)
    const [posMask, negMask] = pairMasks(mat, pairs); // (N, N) bool each
    const posExp = this.distance.margin(mat, this.base).mul(this.alpha); // alpha (base - s)
    const negExp = this.distance.margin(this.base, mat).mul(this.beta); // beta (s - base)
    const posLoss = maskedLogSumExp(posExp, posMask, { addOne: true }).div(this.alpha); // (N)
    const negLoss = maskedLogSumExp(negExp, negMask, { addOne: true }).div(this.beta); // (N)
    const indices = rowIndices(mat);
    return { loss: { losses: posLoss.add(negLoss), reductionType: 'element', indices } };
  }
}
