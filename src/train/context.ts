// What the trainer's callbacks see: the loop's state and the run being trained.
import type { EmbeddedSplits, EmbedOptions, EvaluationResult } from '../eval/index.js';
import type { Optimizer, WarmupCosineSchedule } from '../optim/index.js';
import type { LoadedRun, RunPaths, TrainConfig } from '../run/index.js';
import type { LoopState } from './loop.js';

/** The state of a training run, as every trainer callback gets it. */
export interface TrainContext extends LoopState {
  /** The resolved config (config.json). */
  readonly config: TrainConfig;
  /** The run folder's files. */
  readonly paths: RunPaths;
  /** The live run: its config, data and method (the model being trained). */
  readonly run: LoadedRun;
  readonly optimizer: Optimizer<{ lr: number }>;
  readonly schedule: WarmupCosineSchedule;
  /** How the backbone embeds data (device, bf16, channels-last). */
  readonly embed: EmbedOptions;
  /**
   * Backbone features of both labelled splits after the last epoch (the kNN monitor's of the last
   * epoch, or the final evaluation's): shared by the evaluation and the report, freed by the
   * trainer when the run returns.
   */
  features: EmbeddedSplits | null;
  /** The final evaluation (eval.json), once the evaluation callback has run. */
  evaluation: EvaluationResult | null;
  /** A line on stderr. */
  log(line: string): void;
}
