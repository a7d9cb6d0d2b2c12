import type { Tensor } from '../tensor/index.js';
import { LpDistance } from './distances/lp-distance.js';
import { gather2d, type IndicesTuple, toPairs } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import { AvgNonZeroReducer } from './reducers/avg-non-zero-reducer.js';
import type { LossDict } from './reducers/base.js';
import { checkNumber } from './validate.js';

export interface ContrastiveLossOptions extends MetricLossOptions {
  /** Positive pairs closer than this cost nothing (default 0). */
  posMargin?: number;
  /** Negative pairs farther than this cost nothing (default 1). */
  negMargin?: number;
}

/**
 * The margin contrastive loss (Hadsell, Chopra & LeCun 2006, "Dimensionality Reduction by
 * Learning an Invariant Mapping"), with positive and negative margins as
 * pytorch-metric-learning's `ContrastiveLoss`:
 *   L_pos = [d(a, p) - posMargin]_+ over positive pairs,  L_neg = [negMargin - d(a, n)]_+ over
 *   negative pairs  (for similarities: [posMargin - s]_+ and [s - negMargin]_+),
 * each reduced on its own (default `AvgNonZeroReducer`) and summed. Defaults: posMargin 0,
 * negMargin 1, distance `LpDistance()` (normalised L2). As PML, a tuple with at most one pair of
 * each kind gives a zero loss.
 */
export class ContrastiveLoss extends MetricLoss {
  readonly posMargin: number;
  readonly negMargin: number;

  constructor(o: ContrastiveLossOptions = {}) {
    super(o, ['posMargin', 'negMargin'], { distance: () => new LpDistance(), reducer: () => new AvgNonZeroReducer() });
    this.posMargin = checkNumber(this.name, 'posMargin', o.posMargin ?? 0);
    this.negMargin = checkNumber(this.name, 'negMargin', o.negMargin ?? 1);
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const [a1, p, a2, n] = toPairs(tuple, labels);
    if ([a1, p, a2, n].every((t) => t.shape[0]! <= 1)) {
      return { pos_loss: { losses: null, reductionType: 'pos_pair' }, neg_loss: { losses: null, reductionType: 'neg_pair' } };
    }
    const mat = this.distance.forward(embeddings); // (N, N)
    const posLoss = a1.shape[0]! > 0 ? this.distance.margin(gather2d(mat, a1, p), this.posMargin).relu() : null;
    const negLoss = a2.shape[0]! > 0 ? this.distance.margin(this.negMargin, gather2d(mat, a2, n)).relu() : null;
    return {
      pos_loss: { losses: posLoss, reductionType: 'pos_pair', indices: [a1, p] },
      neg_loss: { losses: negLoss, reductionType: 'neg_pair', indices: [a2, n] },
    };
  }
}
