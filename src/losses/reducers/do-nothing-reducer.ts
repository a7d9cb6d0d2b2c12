import type { Tensor } from '../../tensor/index.js';
import { BaseReducer, type LossDict } from './base.js';

/**
 * Returns the loss dict unreduced, as pytorch-metric-learning's `DoNothingReducer`: a loss built
 * with it returns its `LossDict` (per-element / per-pair / per-triplet losses with their
 * `indices`) instead of a scalar. `forward`'s static type still says Tensor (MetricLoss always
 * returns what its reducer returns); read the result with `asLossDict`.
 */
export class DoNothingReducer extends BaseReducer {
  override reduce(dict: LossDict): Tensor {
    if (typeof dict !== 'object' || dict === null) throw new TypeError('DoNothingReducer: expected a loss dict');
    return dict as unknown as Tensor;
  }

  protected reduceLosses(losses: Tensor): Tensor {
    return losses; // not reached: reduce returns the dict
  }
}

/** The loss dict that a loss with a `DoNothingReducer` returned (throws when given a reduced Tensor). */
export function asLossDict(x: Tensor | LossDict): LossDict {
  if (typeof x !== 'object' || x === null || 'dtype' in x) throw new TypeError('asLossDict: expected the result of a loss with a DoNothingReducer, got a Tensor');
  return x as LossDict;
}
