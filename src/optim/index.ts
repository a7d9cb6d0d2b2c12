// Optimizers (`torch.optim`), learning-rate schedules, gradient clipping and weight EMA.
export { Optimizer, type ParamGroup, type ParamsInput, type ParamState, type OptimizerStateDict } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { LARS, splitBiasAndNorm, type LARSOptions } from './lars.js';
export { WarmupCosineSchedule, warmupCosineFactor, type WarmupCosineOptions, type ScheduleStateDict } from './schedule.js';
export { clipGradNorm } from './clip.js';
export { EMA, byolTau, type EMAPair } from './ema.js';
