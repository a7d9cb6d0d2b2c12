// What a report reads from a run folder: config.json, metrics.jsonl, eval.json, and whether a
// checkpoint exists. Each problem is a ReportError whose message names the file and the fix.
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { EvaluationResult } from '../eval/index.js';
import { type EpochMetrics, readRunConfig, runPaths, type TrainConfig } from '../train/index.js';

/** A run folder cannot be reported on (not a run, unreadable files); the message says why. */
export class ReportError extends Error {
  override name = 'ReportError';
}

/** The files of a run folder, read and checked. */
export interface RunFiles {
  dir: string;
  /** The saved config (config.json). */
  config: TrainConfig;
  /** One entry per finished epoch (metrics.jsonl); empty before the first epoch ends. */
  metrics: EpochMetrics[];
  /** The final evaluation (eval.json), or null when the run has not completed (or has no labels). */
  evaluation: EvaluationResult | null;
  /** Whether checkpoint/last.safetensors exists (the trained weights the embeddings need). */
  hasCheckpoint: boolean;
}

const METRIC_FIELDS = ['epoch', 'loss', 'lr', 'images_per_second', 'seconds'] as const;

/** Parses metrics.jsonl: one JSON object per line, with DESIGN.md's fields; a bad line is an error naming it. */
export function parseMetrics(text: string, file: string): EpochMetrics[] {
  const out: EpochMetrics[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new ReportError(`${file}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (typeof v !== 'object' || v === null) throw new ReportError(`${file}:${i + 1}: expected an object per line`);
    const m = v as Record<string, unknown>;
    for (const k of METRIC_FIELDS) {
      if (typeof m[k] !== 'number') throw new ReportError(`${file}:${i + 1}: field ${k} must be a number, got ${JSON.stringify(m[k])}`);
    }
    if (m.knn_top1 !== null && m.knn_top1 !== undefined && typeof m.knn_top1 !== 'number') {
      throw new ReportError(`${file}:${i + 1}: field knn_top1 must be a number or null, got ${JSON.stringify(m.knn_top1)}`);
    }
    out.push({
      epoch: m.epoch as number, loss: m.loss as number, lr: m.lr as number, images_per_second: m.images_per_second as number,
      seconds: m.seconds as number, knn_top1: (m.knn_top1 as number | null | undefined) ?? null,
    });
  });
  return out;
}

/**
 * Reads and checks the files of the run folder `dir`. Throws a ReportError when `dir` is missing,
 * is not a folder or holds no config.json (not a run), or when a file is malformed; a run that
 * has not finished an epoch, or has no eval.json yet, is not an error (empty metrics, null evaluation).
 */
export function readRunFiles(dir: string): RunFiles {
  if (!existsSync(dir)) throw new ReportError(`report: no such folder: ${dir}`);
  if (!statSync(dir).isDirectory()) throw new ReportError(`report: ${dir} is not a folder (expected a run folder written by contrastive train)`);
  const paths = runPaths(dir);
  if (!existsSync(paths.config)) {
    throw new ReportError(`report: ${dir} is not a run folder: it has no config.json (make one with: contrastive train --out ${dir})`);
  }
  let config: TrainConfig;
  try {
    config = readRunConfig(dir);
  } catch (e) {
    throw new ReportError(`report: ${paths.config} is not a valid run config: ${(e as Error).message}`);
  }
  const metrics = existsSync(paths.metrics) ? parseMetrics(readFileSync(paths.metrics, 'utf8'), paths.metrics) : [];
  let evaluation: EvaluationResult | null = null;
  if (existsSync(paths.evaluation)) {
    try {
      evaluation = JSON.parse(readFileSync(paths.evaluation, 'utf8')) as EvaluationResult;
    } catch (e) {
      throw new ReportError(`report: ${paths.evaluation} is not JSON: ${(e as Error).message}`);
    }
    if (typeof evaluation !== 'object' || evaluation === null || Array.isArray(evaluation)) {
      throw new ReportError(`report: ${paths.evaluation} must hold one JSON object of metrics`);
    }
  }
  return { dir, config, metrics, evaluation, hasCheckpoint: existsSync(paths.checkpoint) };
}

/**
 * `n` indices spread evenly over [0, length) (all of them when n >= length): index i is
 * floor(i * length / n), the same picks as the trainer's `trainLimit`/`testLimit`.
 */
export function evenlySpaced(length: number, n: number): Int32Array {
  if (n >= length) return Int32Array.from({ length }, (_, i) => i);
  return Int32Array.from({ length: n }, (_, i) => Math.floor((i * length) / n));
}
