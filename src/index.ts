/**
 * contrastive: contrastive representation learning for TypeScript, on libtorch.
 * See docs/architecture.md for the layers, the memory model and the contracts.
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
export * as runs from './run/index.js';
export {
  DEFAULT_CONFIG, loadRun, resolveFinetuneConfig, loadFinetuneRun, type TrainConfig, type FinetuneConfig, type EpochMetrics, type LoadedRun, type LoadedFinetuneRun,
} from './run/index.js';
export * as training from './train/index.js';
export * as distributed from './distributed/index.js';
export { train, finetune, type TrainOptions, type TrainResult, type FinetuneResult } from './train/index.js';
export * as report from './report/index.js';
export { writeReport, reportCallback, writeFinetuneReport, finetuneReportCallback, type ReportOptions, type ReportResult } from './report/index.js';
export * as search from './search/index.js';
export * as onnx from './export/index.js';
