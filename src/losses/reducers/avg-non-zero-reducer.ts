import { ThresholdReducer } from './threshold-reducer.js';

/**
 * The mean of the losses > 0 (zero when none is): "batch all, non-zero" averaging (Hermans et
 * al. 2017). As pytorch-metric-learning's `AvgNonZeroReducer` (a ThresholdReducer with low 0).
 */
export class AvgNonZeroReducer extends ThresholdReducer {
  constructor() {
    super({ low: 0 });
  }
}
