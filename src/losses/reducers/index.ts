// Reducers (pytorch-metric-learning's `reducers` module).
export { BaseReducer, zeroLoss, type LossDict, type ReductionType, type SubLoss } from './base.js';
export { MeanReducer } from './mean-reducer.js';
export { SumReducer } from './sum-reducer.js';
export { ThresholdReducer, type ThresholdReducerOptions } from './threshold-reducer.js';
export { AvgNonZeroReducer } from './avg-non-zero-reducer.js';
