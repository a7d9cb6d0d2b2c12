// Runs: a run folder's layout and files, the config that defines a run, and opening a trained one.
export {
  TrainConfigSchema, DEFAULT_CONFIG, validateConfig, readConfigFile, resolveConfig, ConfigError, type TrainConfig,
} from './config.js';
export { runPaths, readRunConfig, readJsonObject, writeJson, parseMetrics, readMetrics, RunError, type RunPaths, type EpochMetrics } from './folder.js';
export { loadSplits, encoderFor, buildEncoder, readWeights, loadEncoderWeights, buildMethod, buildViews, useBf16, cpuHasBf16, type Splits, type DataSettings, type EncoderSettings } from './build.js';
export { loadRun, trainedCheckpoint, restoreTrained, embedOptions, evaluationOptions, embedRun, evaluateRun, type LoadedRun } from './open.js';
export {
  FinetuneConfigSchema, FINETUNE_DEFAULTS, FINETUNE_AUGMENTS, validateFinetuneConfig, resolveFinetuneConfig, finetunePaths, isFinetuneRun, readFinetuneConfig,
  loadFinetuneSplits, buildFinetuneAugmentation, classCount, buildClassifier, classifierLogits, loadFinetuneRun, type FinetuneConfig, type FinetunePaths, type LoadedFinetuneRun,
} from './finetune.js';
