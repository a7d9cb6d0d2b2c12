// Training: configuration, the loop, checkpoints and resume.
export { TrainConfigSchema, DEFAULT_CONFIG, validateConfig, readConfigFile, resolveConfig, ConfigError, type TrainConfig } from './config.js';
export {
  train, embedDataset, evaluateRun, readRunConfig, readMetrics, runPaths, NonFiniteLossError,
  type EpochMetrics, type TrainOptions, type TrainResult,
} from './trainer.js';
export { loadRun, type LoadedRun } from './run.js';
export { loadSplits, encoderFor, buildMethod, buildViews, buildOptimizer, optimizerSettings, cpuHasBf16, useBf16, type Splits } from './setup.js';
