import type { Tensor } from '../tensor/index.js';
import { LpDistance } from './distances/lp-distance.js';
import { type IndicesTuple, toPairs } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import { maskedLogSumExp } from './numerics.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';
import { checkNumber } from './validate.js';

export interface AngularLossOptions extends MetricLossOptions {
  /** The angle alpha bounding the angle at the negative, in degrees (default 40). */
  alpha?: number;
}

/**
 * The angular loss (Wang et al. 2017, "Deep Metric Learning with Angular Loss", eq. 8, the
 * N-pair-style log-sum-exp form), as pytorch-metric-learning's `AngularLoss`: for each positive
 * pair (a, p) of the index tuple, with x_a, x_p L2-normalised and every batch row n whose label
 * differs from a's,
 *   f_apn = 4 tan^2(alpha) (x_a + x_p) . x_n - 2 (1 + tan^2(alpha)) x_a . x_p,
 *   l_ap  = log(1 + sum_n exp(f_apn)).
 * As PML: the negatives come from the labels (every other-label row), not from the tuple's
 * negative pairs (which only need to be non-empty), and x_n is the embedding as given (PML
 * normalises anchors and positives only; the paper normalises all features, so pass normalised
 * embeddings to match it). `alpha` is in degrees. Requires an `LpDistance` with p 2, power 1 and
 * normalizeEmbeddings (the default `LpDistance()`), used to normalise. Defaults: alpha 40,
 * reducer `MeanReducer` (over positive pairs). Sub-loss `loss`, reduction 'pos_pair',
 * indices [a1, p].
 */
export class AngularLoss extends MetricLoss {
  /** The angle in degrees, as given. */
  readonly alpha: number;

  constructor(o: AngularLossOptions = {}) {
    super(o, ['alpha'], { distance: () => new LpDistance(), reducer: () => new MeanReducer() });
    this.alpha = checkNumber(this.name, 'alpha', o.alpha ?? 40);
    if (this.alpha <= 0 || this.alpha >= 90) throw new RangeError(`${this.name}: alpha must be in (0, 90) degrees, got ${this.alpha}`);
    const d = this.distance;
    if (!(d instanceof LpDistance) || d.p !== 2 || d.power !== 1 || !d.normalizeEmbeddings) {
      throw new TypeError(`${this.name}: distance must be an LpDistance with p 2, power 1 and normalizeEmbeddings true, got ${d.name}`);
    }
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const [a1, p, a2] = toPairs(tuple, labels);
    if (a1.shape[0] === 0 || a2.shape[0] === 0) return { loss: { losses: null, reductionType: 'pos_pair' } };
    const anchors = this.distance.normalize(embeddings.indexSelect(0, a1)); // (P, D)
    const positives = this.distance.normalize(embeddings.indexSelect(0, p)); // (P, D)
    const keep = labels.indexSelect(0, a1).unsqueeze(1).ne(labels.unsqueeze(0)); // (P, N)
    const sqTan = Math.tan((this.alpha * Math.PI) / 180) ** 2;
    const apDot = anchors.mul(positives).sum(1, true); // (P, 1)
    const apDotNeg = anchors.add(positives).mm(embeddings.t()); // (P, N)
    const f = apDotNeg.mul(4 * sqTan).sub(apDot.mul(2 * (1 + sqTan))); // (P, N)
    return { loss: { losses: maskedLogSumExp(f, keep, { addOne: true }), reductionType: 'pos_pair', indices: [a1, p] } };
  }
}
