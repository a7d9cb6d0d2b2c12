import type { Tensor } from '../tensor/index.js';
import { LpDistance } from './distances/lp-distance.js';
import { gather2d, type IndicesTuple, pairMasks, rowIndices, tooFewPairs, toPairs } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import { maskedLogSumExp } from './numerics.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';
import { checkNumber } from './validate.js';

export interface LiftedStructureLossOptions extends MetricLossOptions {
  /** The margin alpha negatives should be beyond (default 1). */
  negMargin?: number;
  /** Subtracted from the positive distance (default 0). */
  posMargin?: number;
}

/** The margins both lifted structure losses take, with their defaults (negMargin 1, posMargin 0; `LpDistance`, `MeanReducer`). */
abstract class LiftedMargins extends MetricLoss {
  readonly negMargin: number;
  readonly posMargin: number;

  constructor(o: LiftedStructureLossOptions = {}) {
    super(o, ['negMargin', 'posMargin'], { distance: () => new LpDistance(), reducer: () => new MeanReducer() });
    this.negMargin = checkNumber(this.name, 'negMargin', o.negMargin ?? 1);
    this.posMargin = checkNumber(this.name, 'posMargin', o.posMargin ?? 0);
  }
}

/**
 * The lifted structured loss (Oh Song et al. 2016, "Deep Metric Learning via Lifted Structured
 * Feature Embedding", eq. 4), as pytorch-metric-learning's `LiftedStructureLoss`: for each
 * positive pair (i, j) of the index tuple, with the negative pairs (a, n) of the tuple whose
 * anchor a is i or j,
 *   J_ij = log sum_{(a, n): a in {i, j}} exp(negMargin - d_an) + d_ij - posMargin,
 *   l_ij = [J_ij]_+^2 / 2
 * (for similarities: s_an - negMargin and posMargin - s_ij). A positive pair with no such
 * negative gets 0 for the log-sum-exp term, as PML. As the paper's 1/(2|P|) sum, with the default
 * `MeanReducer` over the positive pairs (each unordered pair appears twice, as (i, j) and (j, i)).
 * Defaults: negMargin 1, posMargin 0, distance `LpDistance()` (normalised L2). Sub-loss `loss`,
 * reduction 'pos_pair', indices [a1, p].
 */
export class LiftedStructureLoss extends LiftedMargins {
  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const pairs = toPairs(tuple, labels);
    const [a1, p, a2, n] = pairs;
    if (tooFewPairs(pairs) || a1.shape[0] === 0 || a2.shape[0] === 0) return { loss: { losses: null, reductionType: 'pos_pair' } };
    const mat = this.distance.forward(embeddings); // (N, N)
    const posPairs = gather2d(mat, a1, p); // (P)
    const negPairs = gather2d(mat, a2, n); // (Q)
    const keep = a2.unsqueeze(0).eq(a1.unsqueeze(1)).logicalOr(a2.unsqueeze(0).eq(p.unsqueeze(1))); // (P, Q)
    const negTerms = this.distance.margin(this.negMargin, negPairs).unsqueeze(0).expand([a1.shape[0]!, -1]); // (P, Q)
    const negLoss = maskedLogSumExp(negTerms, keep); // (P)
    const losses = negLoss.add(this.distance.margin(posPairs, this.posMargin)).relu().square().div(2); // (P)
    return { loss: { losses, reductionType: 'pos_pair', indices: [a1, p] } };
  }
}

/**
 * The generalised lifted structure loss (Hermans, Beyer & Leibe 2017, "In Defense of the
 * Triplet Loss for Person Re-Identification", section 2, the smooth per-anchor form of Oh Song
 * et al.'s loss), as pytorch-metric-learning's `GeneralizedLiftedStructureLoss`: per anchor i
 * with positive pairs P(i) and negative pairs N(i) of the index tuple,
 *   l_i = [ log sum_{p in P(i)} exp(d_ip - posMargin) + log sum_{n in N(i)} exp(negMargin - d_in) ]_+
 * (each log-sum-exp 0 when its set is empty; for similarities posMargin - s_ip and
 * s_in - negMargin). Defaults: negMargin 1, posMargin 0, distance `LpDistance()`, reducer
 * `MeanReducer` (over all N anchors). Sub-loss `loss`, reduction 'element', indices 0..N-1.
 */
export class GeneralizedLiftedStructureLoss extends LiftedMargins {
  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const pairs = toPairs(tuple, labels);
    if (tooFewPairs(pairs)) return { loss: { losses: null, reductionType: 'element' } };
    const mat = this.distance.forward(embeddings); // (N, N)
    const [posMask, negMask] = pairMasks(mat, pairs); // (N, N) bool each
    const posLoss = maskedLogSumExp(this.distance.margin(mat, this.posMargin), posMask); // (N)
    const negLoss = maskedLogSumExp(this.distance.margin(this.negMargin, mat), negMask); // (N)
    return { loss: { losses: posLoss.add(negLoss).relu(), reductionType: 'element', indices: rowIndices(mat) } };
  }
}
