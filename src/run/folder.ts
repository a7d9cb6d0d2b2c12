// A run folder's layout and its plain files: config.json, metrics.jsonl, eval.json.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/index.js';
import { DEFAULT_CONFIG, type TrainConfig, validateConfig } from './config.js';

/** A run folder or one of its files is missing or malformed; the message names the file. */
export class RunError extends Error {
  override name = 'RunError';
}

/**
 * The files of a run folder (docs/architecture.md): `config.json` (the resolved config),
 * `metrics.jsonl` (one line per epoch), `checkpoint/last.safetensors` (everything, to resume),
 * `checkpoint/encoder.safetensors` (the encoder alone, loadable in PyTorch), `eval.json`.
 */
export function runPaths(dir: string) {
  return {
    config: join(dir, 'config.json'),
    metrics: join(dir, 'metrics.jsonl'),
    checkpoint: join(dir, 'checkpoint', 'last.safetensors'),
    encoder: join(dir, 'checkpoint', 'encoder.safetensors'),
    evaluation: join(dir, 'eval.json'),
  };
}
export type RunPaths = ReturnType<typeof runPaths>;

/** Writes `value` as pretty JSON, atomically. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, [Buffer.from(`${JSON.stringify(value, null, 2)}\n`)]);
}

/** Reads the JSON object in `path`; anything else is a RunError naming the file. */
export function readJsonObject(path: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new RunError(`${path}: not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RunError(`${path}: expected an object of settings`);
  return v as Record<string, unknown>;
}

/** A run folder's config.json as saved, and its path; a folder without one is a RunError naming it. */
export function readSavedConfig(dir: string): { path: string; saved: Record<string, unknown> } {
  const path = runPaths(dir).config;
  if (!existsSync(path)) throw new RunError(`run ${dir}: no config.json (not a run folder, or the run never started)`);
  return { path, saved: readJsonObject(path) };
}

/** Reads a pre-training run's saved config; keys added since the run was written take their defaults (which keep the old behaviour). */
export function readRunConfig(dir: string): TrainConfig {
  const { path: p, saved } = readSavedConfig(dir);
  if (saved.kind === 'finetune') throw new RunError(`run ${dir} is a fine-tuning run (a classifier), not a pre-training run`);
  return validateConfig({ ...DEFAULT_CONFIG, ...saved }, p);
}

/** One line of `metrics.jsonl`: an epoch's mean loss, last learning rate, throughput, seconds and kNN monitor. */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  lr: number;
  images_per_second: number;
  seconds: number;
  /** The kNN monitor's top-1 (null without a labelled test split). */
  knn_top1: number | null;
  /** Methods that learn from labels: the test split's retrieval precision@1 and MAP@R after the epoch. */
  precision_at_1?: number;
  map_at_r?: number;
  /** Fine-tuning: the classifier's top-1 on the test split after the epoch. */
  test_top1?: number;
}

const METRIC_FIELDS = ['epoch', 'loss', 'lr', 'images_per_second', 'seconds'] as const;
/** The fields an epoch may have (knn_top1 is null where it has none; the others are left out). */
const OPTIONAL_FIELDS = ['knn_top1', 'test_top1', 'precision_at_1', 'map_at_r'] as const;

/** Parses metrics.jsonl: one JSON object per line, with EpochMetrics' fields; a bad line is a RunError naming it. */
export function parseMetrics(text: string, file: string): EpochMetrics[] {
  const out: EpochMetrics[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new RunError(`${file}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (typeof v !== 'object' || v === null) throw new RunError(`${file}:${i + 1}: expected an object per line`);
    const m = v as Record<string, unknown>;
    for (const k of METRIC_FIELDS) {
      if (typeof m[k] !== 'number') throw new RunError(`${file}:${i + 1}: field ${k} must be a number, got ${JSON.stringify(m[k])}`);
    }
    for (const k of OPTIONAL_FIELDS) {
      if (m[k] !== null && m[k] !== undefined && typeof m[k] !== 'number') throw new RunError(`${file}:${i + 1}: field ${k} must be a number or null, got ${JSON.stringify(m[k])}`);
    }
    out.push({
      epoch: m.epoch as number, loss: m.loss as number, lr: m.lr as number, images_per_second: m.images_per_second as number,
      seconds: m.seconds as number, knn_top1: (m.knn_top1 as number | null | undefined) ?? null,
      ...Object.fromEntries(OPTIONAL_FIELDS.slice(1).filter((k) => typeof m[k] === 'number').map((k) => [k, m[k]])),
    });
  });
  return out;
}

/** The epochs a run's `metrics.jsonl` records (none when it is missing). */
export function readMetrics(path: string): EpochMetrics[] {
  return existsSync(path) ? parseMetrics(readFileSync(path, 'utf8'), path) : [];
}
