import { F, type Tensor } from '../tensor/index.js';
import { LpDistance } from './distances/lp-distance.js';
import { gather2d, type IndicesTuple, toTriplets } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import { AvgNonZeroReducer } from './reducers/avg-non-zero-reducer.js';
import type { LossDict } from './reducers/base.js';
import { checkBoolean, checkNumber } from './validate.js';

export interface TripletMarginLossOptions extends MetricLossOptions {
  /** Default 0.05. */
  margin?: number;
  /** Use d(p, n) instead of d(a, n) when it is smaller (Balntas et al. 2016). Default false. */
  swap?: boolean;
  /** The soft-margin form softplus(v) instead of [v]_+ (Hermans et al. 2017). Default false. */
  smoothLoss?: boolean;
}

/**
 * The triplet margin loss (Weinberger & Saul 2009; Schroff et al. 2015, FaceNet), as
 * pytorch-metric-learning's `TripletMarginLoss`: for each triplet (a, p, n),
 *   v = d(a, p) - d(a, n) + margin  (s(a, n) - s(a, p) + margin for similarities),
 *   l = [v]_+, or softplus(v) = log(1 + e^v) with `smoothLoss`,
 * where with `swap` d(a, n) becomes min(d(a, n), d(p, n)). Without an index tuple every valid
 * triplet of the batch counts. Defaults: margin 0.05, distance `LpDistance()` (normalised L2),
 * reducer `AvgNonZeroReducer` (the mean over triplets with a non-zero loss).
 */
export class TripletMarginLoss extends MetricLoss {
  readonly margin: number;
  readonly swap: boolean;
  readonly smoothLoss: boolean;

  constructor(o: TripletMarginLossOptions = {}) {
    super(o, ['margin', 'swap', 'smoothLoss'], { distance: () => new LpDistance(), reducer: () => new AvgNonZeroReducer() });
    this.margin = checkNumber(this.name, 'margin', o.margin ?? 0.05);
    this.swap = checkBoolean(this.name, 'swap', o.swap ?? false);
    this.smoothLoss = checkBoolean(this.name, 'smoothLoss', o.smoothLoss ?? false);
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const [a, p, n] = toTriplets(tuple, labels);
    if (a.shape[0] === 0) return { loss: { losses: null, reductionType: 'triplet' } };
    const mat = this.distance.forward(embeddings); // (N, N)
    const ap = gather2d(mat, a, p); // (T)
    let an = gather2d(mat, a, n); // (T)
    if (this.swap) an = this.distance.smallestDist(an, gather2d(mat, p, n));
    const violation = this.distance.margin(ap, an).add(this.margin); // (T)
    const losses = this.smoothLoss ? F.softplus(violation) : violation.relu();
    return { loss: { losses, reductionType: 'triplet', indices: [a, p, n] } };
  }
}
