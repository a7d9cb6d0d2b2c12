// Opening a finished (or interrupted) run folder: its config and its trained method.
import { existsSync } from 'node:fs';
import { loadCheckpoint } from '../io/index.js';
import type { Method } from '../methods/index.js';
import { scope, type Device } from '../tensor/index.js';
import type { TrainConfig } from './config.js';
import { buildMethod, encoderFor, loadSplits, type Splits } from './setup.js';
import { readRunConfig, runPaths } from './trainer.js';

/** A run folder opened for use: the saved config, its datasets and the method with the trained weights. */
export interface LoadedRun {
  config: TrainConfig;
  splits: Splits;
  /** On `config.device`, in evaluation mode; the caller disposes it. */
  method: Method;
}

/**
 * Opens the run folder `dir` written by `train`: reads `config.json`, loads the datasets and the
 * method from `checkpoint/last.safetensors`. `overrides` replace saved settings (e.g. `data`).
 */
export async function loadRun(dir: string, overrides: Partial<TrainConfig> = {}): Promise<LoadedRun> {
  const saved = { ...readRunConfig(dir), ...overrides };
  const ckpt = runPaths(dir).checkpoint;
  if (!existsSync(ckpt)) throw new Error(`run ${dir}: no checkpoint at ${ckpt}`);
  const splits = await loadSplits(saved);
  const config = { ...saved, encoder: encoderFor(saved, splits.train.sampleShape) };
  const method = buildMethod(config, splits.train.sampleShape, 1);
  try {
    scope(() => method.loadStateDict(loadCheckpoint(ckpt).model));
  } catch (e) {
    method.dispose();
    throw new Error(`run ${dir}: the checkpoint does not fit the ${config.method}/${config.encoder} model: ${(e as Error).message}`);
  }
  method.to({ device: config.device as Device, memoryFormat: config.channelsLast ? 'channelsLast' : 'contiguous' });
  method.eval();
  return { config, splits, method };
}
