import type { Tensor } from '../../tensor/index.js';
import { BaseReducer } from './base.js';

/** The mean of all losses, as pytorch-metric-learning's `MeanReducer`. */
export class MeanReducer extends BaseReducer {
  protected reduceLosses(losses: Tensor): Tensor {
    return losses.mean();
  }
}
