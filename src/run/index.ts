// Runs: a run folder's layout and files, the config that defines a run, and opening a trained one.
export {
  TrainConfigSchema, DEFAULT_CONFIG, validateConfig, readConfigFile, resolveConfig, ConfigError, type TrainConfig,
} from './config.js';
export { runPaths, readRunConfig, writeJson, parseMetrics, readMetrics, RunError, type RunPaths, type EpochMetrics } from './folder.js';
export { loadSplits, encoderFor, buildMethod, buildViews, useBf16, cpuHasBf16, type Splits } from './build.js';
export { loadRun, embedOptions, evaluationOptions, embedRun, evaluateRun, type LoadedRun } from './open.js';
