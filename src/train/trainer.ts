// `train`: a config becomes a run folder. It builds the run's pieces, then hands the loop its
// batches, its step and its callbacks.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BatchSampler, type Dataset, inputKind, Loader, MPerClassSampler, RandomBatches, ShardedBatches } from '../data/index.js';
import { DataParallel, Distributed, type DistributedOptions } from '../distributed/index.js';
import { disposeSplits, type EvaluationResult } from '../eval/index.js';
import { createOptimizer, optimizerSettings, recipeOf } from '../methods/index.js';
import { saveSafetensors } from '../io/index.js';
import { WarmupCosineSchedule } from '../optim/index.js';
import {
  buildMethod, buildViews, ConfigError, embedOptions, encoderFor, loadEncoderWeights, loadSplits, readRunConfig, runPaths, writeJson,
  type EpochMetrics, type TrainConfig,
} from '../run/index.js';
import { c10dBackends, cat, manualSeed, tensor, type Device, type Tensor } from '../tensor/index.js';
import {
  checkpointCallback, evaluationCallback, interruptCallback, knnMonitor, log, metricsLog, nonFiniteGuard, progressCallback, rankSync, restoreCheckpoint,
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
  /**
   * Train data-parallel as one rank of a job (`distributed.distributedFromEnv()` reads torchrun's
   * variables): `batchSize` is the global batch, shared equally by the ranks; rank 0 alone writes
   * the run folder and runs the callbacks; SIGINT on any rank stops every rank after the same step.
   * The backend is NCCL on CUDA where the addon has it (each rank on `cuda:LOCAL_RANK`), else Gloo.
   */
  distributed?: DistributedOptions | Distributed;
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
  const cuda = config.device.startsWith('cuda');
  const dist = o.distributed === undefined ? null : o.distributed instanceof Distributed ? o.distributed
    : new Distributed({ backend: cuda && c10dBackends().includes('nccl') ? 'nccl' : 'gloo', ...o.distributed });
  try {
    return await trainRank(config, o, dist);
  } finally {
    if (dist && !(o.distributed instanceof Distributed)) dist.close();
  }
}

async function trainRank(config: TrainConfig, o: TrainOptions, dist: Distributed | null): Promise<TrainResult> {
  const paths = runPaths(config.out);
  const main = !dist || dist.isMain;
  const world = dist?.worldSize ?? 1;
  const asked = o.resume ? { ...readRunConfig(config.out), epochs: config.epochs } : config;
  if (o.resume && !existsSync(paths.checkpoint)) throw new Error(`--resume: no checkpoint at ${paths.checkpoint}`);
  if (asked.batchSize % world) throw new ConfigError(`batchSize ${asked.batchSize} must divide by the ${world} ranks (it is the global batch)`);
  const splits = await loadSplits(asked);
  // config.json names the encoder built, and the band statistics multi-band data are standardised with
  const c: TrainConfig = { ...asked, encoder: encoderFor(asked, splits.train.sampleShape), bandStats: splits.bandStats ?? null };
  if (main) {
    mkdirSync(join(c.out, 'checkpoint'), { recursive: true });
    writeJson(paths.config, c);
  }
  manualSeed(c.seed);

  // One GPU per worker: LOCAL_RANK's, as torchrun's convention.
  const device = (dist && c.device === 'cuda' ? `cuda:${dist.localRank}` : c.device) as Device;
  const batches = batchSampler(c, splits.train);
  const loader = new Loader(splits.train, { sampler: dist ? new ShardedBatches(batches, dist) : batches, device });
  if (loader.length === 0) throw new Error(`batchSize ${c.batchSize} is larger than the ${splits.train.length} training images`);
  const totalSteps = loader.length * c.epochs;
  const views = buildViews(c, splits.train.sampleShape);
  const method = buildMethod(c, splits.train, totalSteps);
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
  const optimizer = createOptimizer(method.optimizerParts(), settings);
  const schedule = new WarmupCosineSchedule(optimizer, {
    warmupSteps: Math.round(c.warmupEpochs * loader.length), totalSteps, minFactor: c.lrSchedule === 'constant' ? 1 : 0,
  });
  const embed = embedOptions(c);
  const s: TrainContext = loopState(c.epochs, loader.length, {
    config: c, paths, run: { config: c, splits, method }, optimizer, schedule, embed, features: null, evaluation: null, log,
  });
  let parallel: DataParallel | null = null;

  try {
    const start = o.resume ? restoreCheckpoint(s, method) : { epoch: 0, step: 0 };
    if (dist) {
      parallel = new DataParallel(dist, method, method.trainableParameters(), { syncBatchNorm: c.syncBatchNorm });
      method.distribute((t, differentiable) => dist.gather(t, differentiable));
      if (!main) manualSeed(c.seed + 7919 * dist.rank + 104729 * start.epoch + start.step); // each rank its own augmentations
    }
    if (main && o.resume) log(`resuming ${c.out} at epoch ${start.epoch + 1}, step ${start.step}`);
    if (main && c.init && !o.resume) log(`init: the encoder starts from ${c.init}${ignored.length ? ` (${ignored.length} tensors it does not have left out)` : ''}`);
    const kind = inputKind(splits.train.sampleShape);
    if (main) {
      log(`training ${c.method} (${c.encoder}) on ${c.data}: ${splits.train.length} ${kind}s, ${c.epochs} epochs of ${loader.length} steps, `
        + `${settings.name} lr ${settings.lr}, ${views.name}${embed.bf16 ? ', bf16 autocast' : ''}${c.channelsLast && kind === 'image' ? ', channels-last' : ''}`
        + `${dist ? `, ${world} ranks (${dist.backend}) of ${c.batchSize / world} per step, gathering ${method.recipe.gathers}${c.syncBatchNorm ? ', SyncBatchNorm' : ''}` : ''}`);
    }
    const sync = dist ? rankSync(dist) : null;
    const callbacks: Callback<TrainContext>[] = [
      ...(sync ? [sync.first] : []),
      nonFiniteGuard(),
      ...(o.signal && !dist ? [interruptCallback(o.signal)] : []),
      ...(main ? [
        knnMonitor(),
        metricsLog(),
        checkpointCallback<TrainContext>({
          model: () => method,
          final: () => saveSafetensors(paths.encoder, method.backbone.stateDict(), { format: 'contrastive-encoder', encoder: c.encoder }),
        }),
        progressCallback({ bar: o.progress ?? true }),
        evaluationCallback(),
        ...(o.callbacks ?? []),
      ] : []),
      ...(sync ? [sync.last] : []),
    ];
    const status = await runLoop(s, {
      batches: (epoch) => loader.epoch(epoch),
      step: (b) => {
        let v = views.views(b.x, b.lengths); // 2 x (B, C, H, W) images or (B, T, C) sequences
        if (c.channelsLast && b.x.ndim === 4) v = v.map((t) => t.contiguous('channelsLast'));
        const loss = trainStep(method, v, b.y, optimizer, {
          autocast: embed.bf16 ? (device.startsWith('cuda') ? 'cuda' : 'cpu') : null, lengths: b.lengths,
          beforeBackward: parallel ? (l) => parallel!.beforeBackward(l) : undefined,
        });
        schedule.step();
        return dist ? agree(dist, s, loss, o.signal, dist.backend === 'nccl' ? device : 'cpu') : loss;
      },
      items: (b) => b.x.shape[0]! * world,
      lr: () => optimizer.paramGroups[0]!.lr,
      start,
      lossEvery: device.startsWith('cuda') ? CUDA_LOSS_EVERY : 1,
    }, callbacks);
    return { out: c.out, status: status === 'interrupted' ? 'interrupted' : 'completed', epochs: s.history, evaluation: s.evaluation };
  } finally {
    parallel?.close();
    method.distribute(null);
    if (s.features) disposeSplits(s.features);
    method.dispose();
    optimizer.dispose();
  }
}

/**
 * What every rank must decide alike, in one all-reduce per step: the loss (the mean over the
 * ranks, so the non-finite guard and the logs agree) and whether any rank was interrupted (then
 * every rank stops after this step).
 */
function agree(dist: Distributed, s: TrainContext, loss: Tensor, signal: AbortSignal | undefined, device: Device): Tensor {
  const both = dist.allReduceMean_(cat([loss.detach().to({ device, dtype: 'float32' }).reshape([1]), tensor([signal?.aborted ? 1 : 0], { device })]));
  if (both.select(0, 1).item() > 0) s.requestStop();
  return both.select(0, 0);
}

/**
 * The run's batches: shuffled without replacement ('random', the last partial batch dropped), or
 * `samplesPerClass` items of each of batchSize / samplesPerClass classes ('m-per-class').
 */
function batchSampler(c: TrainConfig, train: Dataset): BatchSampler {
  if (c.sampler === 'random') return new RandomBatches({ n: train.length, batchSize: c.batchSize, shuffle: true, seed: c.seed, dropLast: true });
  if (!train.labels) throw new ConfigError(`sampler m-per-class needs labels: ${c.data} has none`);
  try {
    return new MPerClassSampler({ labels: train.labels, m: c.samplesPerClass, batchSize: c.batchSize, seed: c.seed });
  } catch (e) {
    throw new ConfigError(`sampler m-per-class (samplesPerClass ${c.samplesPerClass}): ${(e as Error).message.replace(/^MPerClassSampler: /, '')}`);
  }
}
