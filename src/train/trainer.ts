// `train`: a config becomes a run folder. It builds the run's pieces, then hands the loop its
// batches, its step and its callbacks.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inputKind, Loader } from '../data/index.js';
import { disposeSplits, type EvaluationResult } from '../eval/index.js';
import { createOptimizer, optimizerSettings, recipeOf } from '../methods/index.js';
import { saveSafetensors } from '../io/index.js';
import { WarmupCosineSchedule } from '../optim/index.js';
import {
  buildMethod, buildViews, embedOptions, encoderFor, loadEncoderWeights, loadSplits, readRunConfig, runPaths, writeJson,
  type EpochMetrics, type TrainConfig,
} from '../run/index.js';
import { manualSeed, type Device } from '../tensor/index.js';
import {
  checkpointCallback, evaluationCallback, interruptCallback, knnMonitor, log, metricsLog, nonFiniteGuard, progressCallback, restoreCheckpoint,
} from './callbacks/index.js';
import type { TrainContext } from './context.js';
import { type Callback, type LoopState, loopState, type LoopStatus, runLoop } from './loop.js';
import { trainStep } from './step.js';

/** Options of `train` (and of `finetune`, whose callbacks see its own context `C`). */
export interface TrainOptions<C extends LoopState = TrainContext> {
  /** Continue from `out/checkpoint/last.safetensors` (the run's saved config wins, but for `epochs`). */
  resume?: boolean;
  /** Show the progress bar on stderr (default true; only drawn on a terminal). */
  progress?: boolean;
  /** Aborting finishes the current step, writes a checkpoint and returns (what SIGINT does). */
  signal?: AbortSignal;
  /**
   * More callbacks, after the built-in ones (non-finite guard, interrupt, kNN monitor, metrics
   * log, checkpoint, progress, evaluation): they see each epoch's metrics complete and, at the
   * end, the evaluation and the final features (`report.reportCallback()` writes report.html).
   */
  callbacks?: readonly Callback<C>[];
}

export interface TrainResult {
  out: string;
  status: Exclude<LoopStatus, 'running' | 'failed'>;
  epochs: EpochMetrics[];
  /** The final evaluation (on the test split), when the run completed with labelled data. */
  evaluation: EvaluationResult | null;
}

/** Steps between reads of the loss on CUDA (each read waits for the device); every step on the CPU. */
export const CUDA_LOSS_EVERY = 25;

/**
 * Trains `config.method` on `config.data` and leaves a run folder (docs/architecture.md):
 * `config.json`, `metrics.jsonl`, `checkpoint/` (the full state, and the encoder alone, whose
 * keys load into the same encoder in PyTorch) and `eval.json`; a report callback adds
 * `report.html`. A NaN loss throws a NonFiniteLossError and keeps the last good checkpoint.
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
  const totalSteps = loader.length * c.epochs;
  const views = buildViews(c, splits.train.sampleShape);
  const method = buildMethod(c, splits.train.sampleShape, totalSteps);
  if (method.needsLabels && !splits.train.labels) {
    method.dispose();
    throw new Error(`method ${c.method} needs labels: use a dataset with class folders`);
  }
  let ignored: string[] = [];
  try {
    if (c.init && !o.resume) ignored = loadEncoderWeights(method.backbone, c.init); // a resume restores its own weights
  } catch (e) {
    method.dispose();
    throw e;
  }
  method.to({ device, memoryFormat: c.channelsLast ? 'channelsLast' : 'contiguous' });
  const settings = optimizerSettings(recipeOf(c.method), { batchSize: c.batchSize, optimizer: c.optimizer, lr: c.lr, weightDecay: c.weightDecay });
  const optimizer = createOptimizer(method, settings);
  const schedule = new WarmupCosineSchedule(optimizer, { warmupSteps: Math.round(c.warmupEpochs * loader.length), totalSteps });
  const embed = embedOptions(c);
  const s: TrainContext = loopState(c.epochs, loader.length, {
    config: c, paths, run: { config: c, splits, method }, optimizer, schedule, embed, features: null, evaluation: null, log,
  });

  try {
    const start = o.resume ? restoreCheckpoint(s, method) : { epoch: 0, step: 0 };
    if (o.resume) log(`resuming ${c.out} at epoch ${start.epoch + 1}, step ${start.step}`);
    if (c.init && !o.resume) log(`init: the encoder starts from ${c.init}${ignored.length ? ` (${ignored.length} tensors it does not have left out)` : ''}`);
    const kind = inputKind(splits.train.sampleShape);
    log(`training ${c.method} (${c.encoder}) on ${c.data}: ${splits.train.length} ${kind}s, ${c.epochs} epochs of ${loader.length} steps, `
      + `${settings.name} lr ${settings.lr}, ${views.name}${embed.bf16 ? ', bf16 autocast' : ''}${c.channelsLast && kind === 'image' ? ', channels-last' : ''}`);
    const callbacks: Callback<TrainContext>[] = [
      nonFiniteGuard(),
      ...(o.signal ? [interruptCallback(o.signal)] : []),
      knnMonitor(),
      metricsLog(),
      checkpointCallback<TrainContext>({
        model: () => method,
        final: () => saveSafetensors(paths.encoder, method.backbone.stateDict(), { format: 'contrastive-encoder', encoder: c.encoder }),
      }),
      progressCallback({ bar: o.progress ?? true }),
      evaluationCallback(),
      ...(o.callbacks ?? []),
    ];
    const status = await runLoop(s, {
      batches: (epoch) => loader.epoch(epoch),
      step: (b) => {
        let v = views.views(b.x, b.lengths); // 2 x (B, C, H, W) images or (B, T, C) sequences
        if (c.channelsLast && b.x.ndim === 4) v = v.map((t) => t.contiguous('channelsLast'));
        const loss = trainStep(method, v, b.y, optimizer, { autocast: embed.bf16 ? (device.startsWith('cuda') ? 'cuda' : 'cpu') : null, lengths: b.lengths });
        schedule.step();
        return loss;
      },
      items: (b) => b.x.shape[0]!,
      lr: () => optimizer.paramGroups[0]!.lr,
      start,
      lossEvery: device.startsWith('cuda') ? CUDA_LOSS_EVERY : 1,
    }, callbacks);
    return { out: c.out, status: status === 'interrupted' ? 'interrupted' : 'completed', epochs: s.history, evaluation: s.evaluation };
  } finally {
    if (s.features) disposeSplits(s.features);
    method.dispose();
    optimizer.dispose();
  }
}
