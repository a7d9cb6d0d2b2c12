import type { Tensor } from '../tensor/index.js';
import { CosineSimilarity } from './distances/cosine-similarity.js';
import { gather2d, type IndicesTuple, tooFewPairs, toPairs } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import { clampedAngles, maskedLogSumExp } from './numerics.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';
import { checkNumber, checkPositive } from './validate.js';

export interface TupletMarginLossOptions extends MetricLossOptions {
  /** The angular margin beta, in degrees (default 5.73, i.e. 0.1 rad). */
  margin?: number;
  /** The scale s (default 64). */
  scale?: number;
}

/**
 * The tuplet margin loss (Yu & Tao 2019, "Deep Metric Learning with Tuplet Margin Loss",
 * eq. 3-5, without the intra-pair variance term, which PML has as `IntraPairVarianceLoss`), as
 * pytorch-metric-learning's `TupletMarginLoss`: for each positive pair (a, p) of the index tuple
 * with angle theta_ap = acos(s_ap), over the negative pairs (a, n) of the tuple with the same anchor,
 *   l_ap = log(1 + sum_n exp(scale (s_an - cos(theta_ap - margin)))),
 * and 0 when the anchor has no negative pair. `margin` is in degrees, as PML (converted to
 * radians). Requires `CosineSimilarity` (the default). Deviation from PML: cosines are clamped to
 * [-1 + 1e-7, 1 - 1e-7] before `acos`, so identical embeddings give finite gradients.
 * Defaults: margin 5.73, scale 64, reducer `MeanReducer` (over positive pairs). Sub-loss `loss`,
 * reduction 'pos_pair', indices [a1, p].
 */
export class TupletMarginLoss extends MetricLoss {
  /** The margin in degrees, as given. */
  readonly margin: number;
  readonly scale: number;

  constructor(o: TupletMarginLossOptions = {}) {
    super(o, ['margin', 'scale'], { distance: () => new CosineSimilarity(), reducer: () => new MeanReducer() });
    this.margin = checkNumber(this.name, 'margin', o.margin ?? 5.73);
    this.scale = checkPositive(this.name, 'scale', o.scale ?? 64);
    if (!(this.distance instanceof CosineSimilarity)) throw new TypeError(`${this.name}: distance must be a CosineSimilarity, got ${this.distance.name}`);
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const pairs = toPairs(tuple, labels);
    const [a1, p, a2, n] = pairs;
    if (tooFewPairs(pairs) || a1.shape[0] === 0 || a2.shape[0] === 0) return { loss: { losses: null, reductionType: 'pos_pair' } };
    const mat = this.distance.forward(embeddings); // (N, N)
    const posAngles = clampedAngles(gather2d(mat, a1, p)); // (P)
    const posCos = posAngles.sub((this.margin * Math.PI) / 180).cos().unsqueeze(1); // (P, 1)
    const negPairs = gather2d(mat, a2, n).unsqueeze(0); // (1, Q)
    const insideExp = negPairs.sub(posCos).mul(this.scale); // (P, Q)
    const keep = a2.unsqueeze(0).eq(a1.unsqueeze(1)); // (P, Q)
    return { loss: { losses: maskedLogSumExp(insideExp, keep, { addOne: true }), reductionType: 'pos_pair', indices: [a1, p] } };
  }
}
