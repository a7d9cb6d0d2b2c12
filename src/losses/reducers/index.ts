// Reducers (pytorch-metric-learning's `reducers` module).
export { anchorIndices, BaseReducer, zeroLoss, type LossDict, type ReduceContext, type ReductionType, type SubLoss } from './base.js';
export { MeanReducer } from './mean-reducer.js';
export { SumReducer } from './sum-reducer.js';
export { ThresholdReducer, type ThresholdReducerOptions } from './threshold-reducer.js';
export { AvgNonZeroReducer } from './avg-non-zero-reducer.js';
export { ClassWeightedReducer, type ClassWeightedReducerOptions } from './class-weighted-reducer.js';
export { PerAnchorReducer, meanPerRow, type AggregationFunc, type PerAnchorReducerOptions } from './per-anchor-reducer.js';
export { DivisorReducer } from './divisor-reducer.js';
export { DoNothingReducer, asLossDict } from './do-nothing-reducer.js';
export { MultipleReducers, type MultipleReducersOptions } from './multiple-reducers.js';
