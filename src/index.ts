/**
 * contrastive: contrastive representation learning for TypeScript, on libtorch.
 * See DESIGN.md for the architecture and the memory model.
 */
export * from './tensor/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as io from './io/index.js';
export * as losses from './losses/index.js';
export * as miners from './losses/miners/index.js';
export * as distances from './losses/distances/index.js';
export * as reducers from './losses/reducers/index.js';
export * as data from './data/index.js';
export * as augment from './augment/index.js';
export * as methods from './methods/index.js';
export * as evaluation from './eval/index.js';
export { train, type TrainConfig, type TrainResult, type EpochMetrics, DEFAULT_CONFIG } from './train/index.js';
export * as report from './report/index.js';
export { writeReport, type ReportOptions, type ReportResult } from './report/index.js';
export * as search from './search/index.js';
export * as onnx from './export/index.js';
