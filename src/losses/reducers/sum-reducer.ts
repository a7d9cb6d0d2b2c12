import type { Tensor } from '../../tensor/index.js';
import { BaseReducer } from './base.js';

/** The sum of all losses, as pytorch-metric-learning's `SumReducer`. */
export class SumReducer extends BaseReducer {
  protected reduceLosses(losses: Tensor): Tensor {
    return losses.sum();
  }
}
