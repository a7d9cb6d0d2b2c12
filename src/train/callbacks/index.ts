// The trainer's callbacks, one concern each.
export { progressCallback, log } from './progress.js';
export { nonFiniteGuard, NonFiniteLossError } from './guard.js';
export { interruptCallback } from './interrupt.js';
export { metricsLog } from './metrics-log.js';
export { knnMonitor } from './knn-monitor.js';
export { checkpointCallback, restoreCheckpoint } from './checkpoint.js';
export { evaluationCallback } from './evaluation.js';
export { rankSync } from './rank-sync.js';
