// The training loop: epochs of augmented views through a method, with the kNN monitor, metrics,
// atomic checkpoints, resume, SIGINT and a guard against a non-finite loss.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ViewTransform } from '../augment/index.js';
import { Loader, type Dataset } from '../data/index.js';
import { evaluate, weightedKnn, type EvaluationResult } from '../eval/index.js';
import { loadCheckpoint, saveCheckpoint, saveSafetensors, writeFileAtomic } from '../io/index.js';
import { NonFiniteInputError } from '../losses/index.js';
import type { Method } from '../methods/index.js';
import { type Optimizer, WarmupCosineSchedule, type ScheduleStateDict } from '../optim/index.js';
import {
  autocast, cat, getRngState, keep, manualSeed, noGrad, scope, setRngState, tensor, type Device, type Tensor,
} from '../tensor/index.js';
import { DEFAULT_CONFIG, type TrainConfig, validateConfig } from './config.js';
import { EpochProgress, log } from './progress.js';
import { buildMethod, buildOptimizer, buildViews, encoderFor, loadSplits, optimizerSettings, useBf16 } from './setup.js';

/** One line of `metrics.jsonl` (DESIGN.md's fields). */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  lr: number;
  images_per_second: number;
  seconds: number;
  knn_top1: number | null;
}

export interface TrainOptions {
  /** Continue from `out/checkpoint/last.safetensors` (the run's saved config wins). */
  resume?: boolean;
  /** Show the progress bar on stderr (default true). */
  progress?: boolean;
  /** Aborting finishes the current step, writes a checkpoint and returns (what SIGINT does). */
  signal?: AbortSignal;
  /** Write `out/report.html` when the run completes (default true); see `writeReport`. */
  report?: boolean;
}

export interface TrainResult {
  out: string;
  status: 'completed' | 'interrupted';
  epochs: EpochMetrics[];
  /** The final evaluation (on the test split), when the run completed with labelled data. */
  evaluation: EvaluationResult | null;
}

/** The loss became NaN or infinite: the run stopped and the last good checkpoint is kept. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

/** Paths of a run folder. */
export function runPaths(out: string) {
  return {
    config: join(out, 'config.json'),
    metrics: join(out, 'metrics.jsonl'),
    checkpoint: join(out, 'checkpoint', 'last.safetensors'),
    encoder: join(out, 'checkpoint', 'encoder.safetensors'),
    evaluation: join(out, 'eval.json'),
  };
}

/** Writes `value` as pretty JSON, atomically. */
function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, [Buffer.from(`${JSON.stringify(value, null, 2)}\n`)]);
}

/** The epochs a run's `metrics.jsonl` records (none when it is missing). */
export function readMetrics(path: string): EpochMetrics[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as EpochMetrics);
}

/** Reads a run's saved config. */
export function readRunConfig(out: string): TrainConfig {
  const p = runPaths(out).config;
  if (!existsSync(p)) throw new Error(`run ${out}: no config.json (not a run folder, or the run never started)`);
  // Keys added since the run was written take their defaults (which keep the old behaviour).
  return validateConfig({ ...DEFAULT_CONFIG, ...JSON.parse(readFileSync(p, 'utf8')) as object }, p);
}

/**
 * Trains `config.method` on `config.data` and leaves a run folder (DESIGN.md):
 * `config.json`, `metrics.jsonl`, `checkpoint/` (the full state, and the encoder alone, whose
 * keys load into the same encoder in PyTorch), `eval.json` and `report.html` (unless `o.report` is false).
 */
export async function train(config: TrainConfig, o: TrainOptions = {}): Promise<TrainResult> {
  const paths = runPaths(config.out);
  const asked = o.resume ? { ...readRunConfig(config.out), epochs: config.epochs } : config;
  if (o.resume && !existsSync(paths.checkpoint)) throw new Error(`--resume: no checkpoint at ${paths.checkpoint}`);
  const splits = await loadSplits(asked);
  const c: TrainConfig = { ...asked, encoder: encoderFor(asked, splits.train.sampleShape) }; // config.json names the encoder built
  mkdirSync(join(c.out, 'checkpoint'), { recursive: true });
  writeJson(paths.config, c);
  manualSeed(c.seed);

  const device = c.device as Device;
  const loader = new Loader(splits.train, { batchSize: c.batchSize, shuffle: true, seed: c.seed, dropLast: true, device });
  if (loader.length === 0) throw new Error(`batchSize ${c.batchSize} is larger than the ${splits.train.length} training images`);
  const stepsPerEpoch = loader.length;
  const totalSteps = stepsPerEpoch * c.epochs;
  const views = buildViews(c, splits.train.sampleShape);
  const method = buildMethod(c, splits.train.sampleShape, totalSteps);
  if (method.needsLabels && !splits.train.labels) throw new Error(`method ${c.method} needs labels: use a dataset with class folders`);
  method.to({ device, memoryFormat: c.channelsLast ? 'channelsLast' : 'contiguous' });
  const optimizer = buildOptimizer(c, method);
  const schedule = new WarmupCosineSchedule(optimizer, { warmupSteps: Math.round(c.warmupEpochs * stepsPerEpoch), totalSteps });
  const bf16 = useBf16(c);

  try {
    let startEpoch = 0;
    let startStep = 0;
    const history: EpochMetrics[] = [];
    if (o.resume) {
      ({ startEpoch, startStep } = scope(() => {
        const ck = loadCheckpoint(paths.checkpoint);
        method.loadStateDict(ck.model);
        if (ck.optimizer) optimizer.loadStateDict(ck.optimizer);
        if (ck.schedule) schedule.loadStateDict(ck.schedule as ScheduleStateDict);
        if (ck.tensors?.rng) setRngState(ck.tensors.rng);
        const extra = ck.extra ?? {};
        method.loadExtraState((extra.method ?? {}) as Record<string, unknown>);
        return { startEpoch: Number(extra.epoch ?? 0), startStep: Number(extra.step ?? 0) };
      }));
      history.push(...readMetrics(paths.metrics).filter((m) => m.epoch <= startEpoch));
      log(`resuming ${c.out} at epoch ${startEpoch + 1}, step ${startStep}`);
    }
    writeFileSync(paths.metrics, history.map((m) => `${JSON.stringify(m)}\n`).join(''));

    const save = (epoch: number, step: number): void => scope(() => {
      saveCheckpoint(paths.checkpoint, {
        model: method.stateDict(),
        optimizer: optimizer.stateDict(),
        schedule: schedule.stateDict(),
        tensors: { rng: getRngState() },
        extra: { epoch, step, method: method.extraState(), config: c },
      });
    });

    const settings = optimizerSettings(c);
    log(`training ${c.method} (${c.encoder}) on ${c.data}: ${splits.train.length} images, ${c.epochs} epochs of ${stepsPerEpoch} steps, `
      + `${settings.name} lr ${settings.lr}, ${views.name}${bf16 ? ', bf16 autocast' : ''}${c.channelsLast ? ', channels-last' : ''}`);
    for (let epoch = startEpoch; epoch < c.epochs; epoch++) {
      method.train();
      const bar = new EpochProgress(epoch + 1, c.epochs, stepsPerEpoch, o.progress ?? true);
      const t0 = performance.now();
      let lossSum = 0;
      let steps = 0;
      let images = 0;
      for await (const batch of loader.epoch(epoch)) {
        if (epoch === startEpoch && batch.step < startStep) continue;
        const loss = scope(() => trainStep(method, views, batch.x, batch.y, optimizer, schedule, { bf16, channelsLast: c.channelsLast, device }));
        if (!Number.isFinite(loss)) {
          bar.stop();
          throw new NonFiniteLossError(`the loss became ${loss} at epoch ${epoch + 1}, step ${batch.step + 1}; training stopped. `
            + `The last good checkpoint is kept at ${paths.checkpoint}. Lower the learning rate, or try --bf16 false.`);
        }
        lossSum += loss;
        steps += 1;
        images += batch.x.shape[0]!;
        bar.update(batch.step + 1, { loss: lossSum / steps, lr: optimizer.paramGroups[0]!.lr, ips: images / ((performance.now() - t0) / 1000) });
        // Let the event loop turn (SIGINT's handler, finalizers): in-memory data never waits on I/O.
        await new Promise((r) => setImmediate(r));
        if (o.signal?.aborted) {
          bar.stop();
          save(epoch, batch.step + 1);
          log(`interrupted: checkpoint at epoch ${epoch + 1}, step ${batch.step + 1} written to ${paths.checkpoint}; continue with --resume`);
          return { out: c.out, status: 'interrupted', epochs: history, evaluation: null };
        }
      }
      bar.stop();
      const seconds = (performance.now() - t0) / 1000;
      const tk = performance.now();
      const knn = splits.test?.labels && splits.train.labels ? await monitorKnn(method, splits.train, splits.test, c, { device, bf16 }) : null;
      const knnSeconds = (performance.now() - tk) / 1000;
      const m: EpochMetrics = {
        epoch: epoch + 1,
        loss: lossSum / Math.max(steps, 1),
        lr: optimizer.paramGroups[0]!.lr,
        images_per_second: images / seconds,
        seconds,
        knn_top1: knn,
      };
      history.push(m);
      appendFileSync(paths.metrics, `${JSON.stringify(m)}\n`);
      save(epoch + 1, 0);
      log(`epoch ${m.epoch}/${c.epochs}: loss ${m.loss.toFixed(4)}, ${Math.round(m.images_per_second)} img/s, ${seconds.toFixed(1)} s`
        + `${knn === null ? '' : `, kNN top-1 ${knn.toFixed(4)} (${knnSeconds.toFixed(1)} s)`}`);
    }

    scope(() => saveSafetensors(paths.encoder, method.backbone.stateDict(), { format: 'contrastive-encoder', encoder: c.encoder }));
    let evaluation: EvaluationResult | null = null;
    // The final features serve the evaluation and the report alike (embedded once).
    const features = splits.test?.labels && splits.train.labels ? await embedSplits(method, splits.train, splits.test, { device, bf16, channelsLast: c.channelsLast }) : null;
    try {
      if (features) {
        evaluation = evaluateFeatures(features, c);
        writeJson(paths.evaluation, evaluation);
      }
      if (o.report ?? true) {
        try { // imported here: the report builds on this module; a failed report leaves the finished run intact
          const { writeReport } = await import('../report/index.js');
          await writeReport(c.out, { run: { config: c, splits, method }, log, features: features && { train: features.train.embeddings, test: features.test.embeddings } });
        } catch (e) {
          log(`report.html not written: ${(e as Error).message} (retry with: contrastive report --run ${c.out})`);
        }
      }
    } finally {
      if (features) disposeSplits(features);
    }
    return { out: c.out, status: 'completed', epochs: history, evaluation };
  } finally {
    method.dispose();
    optimizer.dispose();
  }
}

/** One optimisation step; returns the loss (not stepping when it is not finite). */
function trainStep(
  method: Method, views: ViewTransform, x: Tensor, y: Tensor | null, optimizer: Optimizer<{ lr: number }>, schedule: WarmupCosineSchedule,
  o: { bf16: boolean; channelsLast: boolean; device: Device },
): number {
  let v = views.views(x); // 2 x (B, C, H, W)
  if (o.channelsLast) v = v.map((t) => t.contiguous('channelsLast'));
  const forward = (): Tensor => method.forward(v, y);
  let loss: Tensor;
  try {
    loss = o.bf16 ? autocast(o.device.startsWith('cuda') ? 'cuda' : 'cpu', forward) : forward();
  } catch (e) {
    if (e instanceof NonFiniteInputError) return Number.NaN; // the embeddings diverged before the loss did
    throw e;
  }
  const value = loss.item();
  if (!Number.isFinite(value)) return value;
  loss.backward();
  optimizer.step();
  optimizer.zeroGrad();
  schedule.step();
  method.afterStep();
  return value;
}

/** Backbone features (N, D) float32 of a whole dataset, in evaluation mode, batch by batch. */
export async function embedDataset(method: Method, ds: Dataset, o: { device: Device; bf16: boolean; channelsLast: boolean; batchSize?: number }): Promise<Tensor> {
  const loader = new Loader(ds, { batchSize: o.batchSize ?? 1024, shuffle: false, device: o.device });
  const parts: Tensor[] = [];
  const wasTraining = method.training;
  method.eval();
  try {
    for await (const b of loader.epoch(0)) {
      parts.push(keep(noGrad(() => scope(() => {
        const x = o.channelsLast ? b.x.contiguous('channelsLast') : b.x;
        const h = o.bf16 ? autocast(o.device.startsWith('cuda') ? 'cuda' : 'cpu', () => method.backbone.forward(x)) : method.backbone.forward(x);
        return h.to('float32');
      }))));
    }
    return scope(() => cat(parts));
  } finally {
    parts.forEach((p) => p.dispose());
    method.train(wasTraining);
  }
}

/** Backbone features and int64 labels of both splits, owned by the caller's scope. */
async function embedSplits(method: Method, train: Dataset, test: Dataset, o: { device: Device; bf16: boolean; channelsLast: boolean }) {
  const trainX = await embedDataset(method, train, o);
  const testX = await embedDataset(method, test, o);
  return {
    train: { embeddings: trainX, labels: tensor(train.labels!).to('int64') },
    test: { embeddings: testX, labels: tensor(test.labels!).to('int64') },
  };
}

/** The kNN monitor: weighted kNN top-1 of the test split against the train split (k 200, T 0.1). */
async function monitorKnn(method: Method, train: Dataset, test: Dataset, c: TrainConfig, o: { device: Device; bf16: boolean }): Promise<number> {
  const e = await embedSplits(method, train, test, { ...o, channelsLast: c.channelsLast });
  try {
    return weightedKnn(e.train, e.test, { k: c.knnK, temperature: c.knnTemperature }).top1;
  } finally {
    disposeSplits(e);
  }
}

/** The final evaluation of a run (DESIGN.md's `contrastive eval` fields). */
export async function evaluateRun(method: Method, train: Dataset, test: Dataset, c: TrainConfig, o: { device: Device; bf16: boolean }): Promise<EvaluationResult> {
  const e = await embedSplits(method, train, test, { ...o, channelsLast: c.channelsLast });
  try {
    return evaluateFeatures(e, c);
  } finally {
    disposeSplits(e);
  }
}

/** The run's evaluation protocol (kNN k/T, linear probe, seed) on embedded splits. */
function evaluateFeatures(e: Awaited<ReturnType<typeof embedSplits>>, c: TrainConfig): EvaluationResult {
  return evaluate(e.train, e.test, { k: c.knnK, temperature: c.knnTemperature, linearProbe: c.linearProbe, seed: c.seed });
}

function disposeSplits(e: Awaited<ReturnType<typeof embedSplits>>): void {
  for (const s of [e.train, e.test]) {
    s.embeddings.dispose();
    s.labels.dispose();
  }
}
