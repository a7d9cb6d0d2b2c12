// What a report reads from a run folder: config.json, metrics.jsonl, eval.json, and whether a
// checkpoint exists. Each problem is a ReportError whose message names the file and the fix.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type EpochMetrics, parseMetrics, readRunConfig, RunError, runPaths, type TrainConfig } from '../run/index.js';

/** A run folder cannot be reported on (not a run, unreadable files); the message says why. */
export class ReportError extends Error {
  override name = 'ReportError';
}

/** The files of a run folder, read and checked; `C` is its config (a pre-training run's by default). */
export interface RunFiles<C = TrainConfig> {
  dir: string;
  /** The saved config (config.json). */
  config: C;
  /** One entry per finished epoch (metrics.jsonl); empty before the first epoch ends. */
  metrics: EpochMetrics[];
  /** The final evaluation (eval.json: an object of metrics), or null when the run has not completed (or has no labels). */
  evaluation: Record<string, unknown> | null;
  /** Whether checkpoint/last.safetensors exists (the trained weights the embeddings need). */
  hasCheckpoint: boolean;
}

/**
 * Reads and checks the files of the run folder `dir`, its config with `readConfig` (default
 * `readRunConfig`, a pre-training run's; `readFinetuneConfig` for a fine-tuning run). Throws a
 * ReportError when `dir` is missing, is not a folder or holds no config.json (not a run), or when
 * a file is malformed; a run that has not finished an epoch, or has no eval.json yet, is not an
 * error (empty metrics, null evaluation).
 */
export function readRunFiles(dir: string): RunFiles;
export function readRunFiles<C>(dir: string, readConfig: (dir: string) => C): RunFiles<C>;
export function readRunFiles<C>(dir: string, readConfig: (dir: string) => C | TrainConfig = readRunConfig): RunFiles<C | TrainConfig> {
  if (!existsSync(dir)) throw new ReportError(`report: no such folder: ${dir}`);
  if (!statSync(dir).isDirectory()) throw new ReportError(`report: ${dir} is not a folder (expected a run folder written by contrastive train)`);
  const paths = runPaths(dir);
  if (!existsSync(paths.config)) {
    throw new ReportError(`report: ${dir} is not a run folder: it has no config.json (make one with: contrastive train --out ${dir})`);
  }
  let config: C | TrainConfig;
  try {
    config = readConfig(dir);
  } catch (e) {
    throw new ReportError(`report: ${paths.config} is not a valid run config: ${(e as Error).message}`);
  }
  let metrics: EpochMetrics[] = [];
  try {
    if (existsSync(paths.metrics)) metrics = parseMetrics(readFileSync(paths.metrics, 'utf8'), paths.metrics);
  } catch (e) {
    throw e instanceof RunError ? new ReportError(`report: ${e.message}`) : e;
  }
  let evaluation: Record<string, unknown> | null = null;
  if (existsSync(paths.evaluation)) {
    try {
      evaluation = JSON.parse(readFileSync(paths.evaluation, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ReportError(`report: ${paths.evaluation} is not JSON: ${(e as Error).message}`);
    }
    if (typeof evaluation !== 'object' || evaluation === null || Array.isArray(evaluation)) {
      throw new ReportError(`report: ${paths.evaluation} must hold one JSON object of metrics`);
    }
  }
  return { dir, config, metrics, evaluation, hasCheckpoint: existsSync(paths.checkpoint) };
}
