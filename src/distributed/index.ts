// Data-parallel training on c10d: the job's ranks and process group, DDP for a module, the launcher.
export { Distributed, distributedFromEnv, DEFAULT_TIMEOUT_SECONDS, DEFAULT_MASTER, type DistributedOptions } from './process-group.js';
export { DataParallel, type DataParallelOptions } from './data-parallel.js';
export { launch, freePort, type LaunchOptions, type LaunchResult } from './launch.js';
export { DistributedLoss, type LabelledLoss } from './loss.js';
