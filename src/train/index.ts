// Training: the loop and its callbacks, the library's step, and `train` (a config to a run folder).
export { train, type TrainOptions, type TrainResult } from './trainer.js';
export { finetune, type FinetuneContext, type FinetuneResult } from './finetune.js';
export { runLoop, loopState, type Callback, type LoopSpec, type LoopState, type LoopStatus } from './loop.js';
export type { TrainContext } from './context.js';
export { trainStep } from './step.js';
export {
  progressCallback, nonFiniteGuard, NonFiniteLossError, interruptCallback, metricsLog, knnMonitor, checkpointCallback, restoreCheckpoint,
  evaluationCallback, log,
} from './callbacks/index.js';
