// Opening a finished (or interrupted) run folder: its config, its data and its trained method.
import { existsSync } from 'node:fs';
import { disposeSplits, embedSplits, evaluate, type EmbeddedSplits, type EmbedOptions, type EvaluateOptions, type EvaluationResult } from '../eval/index.js';
import { loadCheckpoint } from '../io/index.js';
import type { Method } from '../methods/index.js';
import type { AnyModule } from '../nn/index.js';
import { scope, type Device } from '../tensor/index.js';
import { buildMethod, encoderFor, loadSplits, type Splits, useBf16 } from './build.js';
import type { TrainConfig } from './config.js';
import { readRunConfig, RunError, runPaths } from './folder.js';

/** A run opened for use: its config, its datasets and its method (a live one while training, or the trained weights). */
export interface LoadedRun {
  config: TrainConfig;
  splits: Splits;
  /** On `config.device`; the caller disposes it. */
  method: Method;
}

/**
 * Opens the run folder `dir` written by `train`: reads `config.json`, loads the datasets and the
 * method from `checkpoint/last.safetensors`, in evaluation mode on the run's device.
 * `overrides` replace saved settings (e.g. `data`).
 */
export async function loadRun(dir: string, overrides: Partial<TrainConfig> = {}): Promise<LoadedRun> {
  const saved = { ...readRunConfig(dir), ...overrides };
  const ckpt = trainedCheckpoint(dir);
  const splits = await loadSplits(saved);
  const config = { ...saved, encoder: encoderFor(saved, splits.train.sampleShape) };
  const method = restoreTrained(dir, ckpt, buildMethod(config, splits.train, 1), config, `${config.method}/${config.encoder} model`);
  return { config, splits, method };
}

/** The checkpoint of the run folder `dir` (checkpoint/last.safetensors); a RunError when the run has none. */
export function trainedCheckpoint(dir: string): string {
  const ckpt = runPaths(dir).checkpoint;
  if (!existsSync(ckpt)) throw new RunError(`run ${dir}: no checkpoint at ${ckpt}`);
  return ckpt;
}

/**
 * Loads the checkpoint `ckpt` of the run `dir` into `model` and returns it on the config's device
 * and memory layout, in evaluation mode. A checkpoint that does not fit disposes the model and is
 * a RunError naming `what` the model is.
 */
export function restoreTrained<M extends AnyModule>(dir: string, ckpt: string, model: M, c: Pick<TrainConfig, 'device' | 'channelsLast'>, what: string): M {
  try {
    scope(() => model.loadStateDict(loadCheckpoint(ckpt).model));
  } catch (e) {
    model.dispose();
    throw new RunError(`run ${dir}: the checkpoint does not fit the ${what}: ${(e as Error).message}`);
  }
  model.to({ device: c.device as Device, memoryFormat: c.channelsLast ? 'channelsLast' : 'contiguous' });
  model.eval();
  return model;
}

/** How a run's encoder (a pre-training or a fine-tuning run's) embeds data: its device, its precision and its memory layout. */
export function embedOptions(c: Pick<TrainConfig, 'device' | 'bf16' | 'channelsLast'>): EmbedOptions {
  return { device: c.device as Device, bf16: useBf16(c), channelsLast: c.channelsLast };
}

/** The run's evaluation protocol: its kNN k and temperature, whether to probe, its seed. */
export function evaluationOptions(c: TrainConfig): EvaluateOptions {
  return { k: c.knnK, temperature: c.knnTemperature, linearProbe: c.linearProbe, seed: c.seed };
}

/** Both labelled splits of a run, embedded by its backbone; an error when either split is missing or unlabelled. */
export async function embedRun(run: LoadedRun): Promise<EmbeddedSplits> {
  const { train, test } = run.splits;
  if (!test?.labels || !train.labels) {
    throw new RunError(`evaluation needs labelled train and test splits; ${run.config.data} has none (use a folder with train/ and test/ class folders)`);
  }
  return embedSplits(run.method.backbone, train, test, embedOptions(run.config));
}

/** The full evaluation of a run (`contrastive eval`): kNN, linear probe (when configured), retrieval metrics and NMI on the test split. */
export async function evaluateRun(run: LoadedRun, features?: EmbeddedSplits): Promise<EvaluationResult> {
  const e = features ?? await embedRun(run);
  try {
    return evaluate(e.train, e.test, evaluationOptions(run.config));
  } finally {
    if (!features) disposeSplits(e);
  }
}
