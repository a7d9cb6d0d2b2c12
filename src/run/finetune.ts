// Fine-tuning runs: their config (which run or weights they start from, which labels they use),
// their folder, and opening a fine-tuned classifier.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { light, preset, PRESET_INPUTS, PRESETS, type Augmentation, type PresetName } from '../augment/index.js';
import { inputKind, labelBudget, labelledSubset, type Dataset } from '../data/index.js';
import { OPTIMIZER_NAMES } from '../methods/index.js';
import { Classifier, CLASSIFIER_HEADS, type StateDict } from '../nn/index.js';
import { embedDataset } from '../eval/index.js';
import { noGrad, scope, type Tensor } from '../tensor/index.js';
import { buildEncoder, encoderFor, loadEncoderWeights, loadSplits, readWeights, type Splits } from './build.js';
import { ConfigError, issueLines, TrainConfigSchema } from './config.js';
import { readJsonObject, readRunConfig, readSavedConfig, RunError, runPaths } from './folder.js';
import { embedOptions, restoreTrained, trainedCheckpoint } from './open.js';

/** Single-view augmentations of fine-tuning: 'light' (the default), none, or the first pipeline of a two-view preset. */
export const FINETUNE_AUGMENTS = ['light', 'none', ...Object.keys(PRESETS) as PresetName[]] as const;

/** The settings a fine-tuning run shares with pre-training, with the same meaning and checks. */
const shared = TrainConfigSchema.pick({
  data: true, encoder: true, encoderOptions: true, imageSize: true, epochs: true, batchSize: true, device: true, seed: true, out: true,
  bf16: true, channelsLast: true, trainLimit: true, testLimit: true, warmupEpochs: true, bandStats: true, folderCache: true,
}).shape;

/** Every key of a fine-tuning config (`finetune`'s config.json); unknown keys are errors. */
export const FinetuneConfigSchema = z.object({
  ...shared,
  /** Marks the folder as a fine-tuning run (a classifier), not a pre-training run. */
  kind: z.literal('finetune'),
  /** The pre-training run it starts from (its data, encoder and weights), or null. */
  from: z.string().min(1).nullable(),
  /** Starting weights of the encoder: 'run' (the `from` run's), 'random' (from scratch), or a .safetensors file. */
  init: z.string().min(1),
  /** Labels used: a class-balanced, seeded fraction of each class, or a count per class (null: all). */
  labelsFraction: z.number().gt(0).max(1).nullable(),
  labelsPerClass: z.number().int().positive().nullable(),
  head: z.enum(CLASSIFIER_HEADS),
  /** The MLP head's hidden width (null: the encoder's feature size). */
  hiddenDim: z.number().int().positive().nullable(),
  /** Train the head alone: the backbone keeps its weights and its BatchNorm statistics. */
  freezeBackbone: z.boolean(),
  /** The backbone's learning rate as a multiple of the head's. */
  backboneLrScale: z.number().nonnegative(),
  optimizer: z.enum(OPTIMIZER_NAMES),
  lr: z.number().positive(),
  weightDecay: z.number().nonnegative(),
  /** Cross-entropy label smoothing (Szegedy et al. 2016). */
  labelSmoothing: z.number().min(0).lt(1),
  augment: z.enum(FINETUNE_AUGMENTS),
}).strict().superRefine((c, ctx) => {
  if (c.labelsFraction !== null && c.labelsPerClass !== null) ctx.addIssue({ code: 'custom', path: ['labelsPerClass'], message: 'give labelsFraction or labelsPerClass, not both' });
  if (c.init === 'run' && c.from === null) ctx.addIssue({ code: 'custom', path: ['init'], message: "init 'run' needs a run to start from (--run DIR); use --init random or --init FILE.safetensors without one" });
  if (c.freezeBackbone && c.init === 'random') ctx.addIssue({ code: 'custom', path: ['freezeBackbone'], message: 'a frozen random backbone learns nothing: drop --freeze-backbone or start from weights' });
});

export type FinetuneConfig = z.infer<typeof FinetuneConfigSchema>;

/**
 * The fine-tuning defaults: AdamW at 1e-3 (weight decay 1e-4) for head and backbone alike, one
 * warm-up epoch then cosine decay, batch 128, light augmentation, all labels, a linear head.
 * The SimCLR paper fine-tunes with Nesterov momentum (appendix B.5); on the small CPU encoders
 * AdamW measured better (README "Fine-tuning").
 */
export const FINETUNE_DEFAULTS: Omit<FinetuneConfig, 'data' | 'from'> = {
  kind: 'finetune',
  init: 'run',
  encoder: 'auto',
  encoderOptions: {},
  imageSize: 'auto',
  labelsFraction: null,
  labelsPerClass: null,
  head: 'linear',
  hiddenDim: null,
  freezeBackbone: false,
  backboneLrScale: 1,
  epochs: 10,
  batchSize: 128,
  optimizer: 'adamw',
  lr: 1e-3,
  weightDecay: 1e-4,
  warmupEpochs: 1,
  labelSmoothing: 0,
  augment: 'light',
  device: 'cpu',
  seed: 0,
  out: 'runs/finetune',
  bf16: 'auto',
  channelsLast: true,
  trainLimit: 0,
  testLimit: 0,
  bandStats: null,
  folderCache: 'auto',
};

/** What a fine-tuning run takes from the run it starts from, unless given: its data and its encoder, and how it ran (a multi-band run's band statistics: its encoder learnt on data standardised with them). */
const FROM_RUN = ['data', 'encoder', 'encoderOptions', 'imageSize', 'device', 'bf16', 'channelsLast', 'trainLimit', 'testLimit', 'bandStats', 'folderCache'] as const;

/** Validates a fine-tuning config; errors name each bad key. */
export function validateFinetuneConfig(raw: unknown, source = 'options'): FinetuneConfig {
  const r = FinetuneConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new ConfigError(`${source}: ${issueLines(r.error).join('; ')}`);
}

/**
 * A fine-tuning config from flags: the defaults, then (with `from`, a pre-training run folder)
 * that run's data, encoder (the one it built), image size, device and precision, then the flags
 * (undefined ones are ignored). Without `from`, `data` must be given and `init` must be
 * 'random' or a file.
 */
export function resolveFinetuneConfig(flags: Partial<Record<keyof FinetuneConfig, unknown>>): FinetuneConfig {
  const from = typeof flags.from === 'string' ? flags.from : null;
  const merged: Record<string, unknown> = { ...FINETUNE_DEFAULTS, from };
  if (from) {
    const run = readRunConfig(from);
    for (const k of FROM_RUN) merged[k] = run[k];
  } else if (flags.init === undefined) {
    merged.init = 'random';
  }
  for (const [k, v] of Object.entries(flags)) if (v !== undefined && k !== 'from') merged[k] = v;
  if (!from && merged.data === undefined) throw new ConfigError("options: 'data': give --data, or --run DIR to fine-tune a run on its own data");
  return validateFinetuneConfig(merged);
}

/** A fine-tuning run's files: a run folder's, and the classifier alone under its PyTorch names. */
export function finetunePaths(dir: string) {
  const p = runPaths(dir);
  return { ...p, classifier: join(dir, 'checkpoint', 'classifier.safetensors') };
}
export type FinetunePaths = ReturnType<typeof finetunePaths>;

/** Whether `dir` holds a fine-tuning run (its config.json says `kind: 'finetune'`). */
export function isFinetuneRun(dir: string): boolean {
  const p = runPaths(dir).config;
  return existsSync(p) && readJsonObject(p).kind === 'finetune';
}

/** Reads a fine-tuning run's saved config. */
export function readFinetuneConfig(dir: string): FinetuneConfig {
  const { path: p, saved } = readSavedConfig(dir);
  if (saved.kind !== 'finetune') throw new RunError(`run ${dir} is a pre-training run, not a fine-tuning run (make one with: contrastive finetune --run ${dir})`);
  return validateFinetuneConfig(saved, p);
}

/** The datasets of a fine-tuning run: the labelled subset of its training split (`labelsFraction` / `labelsPerClass`) and its test split, both labelled. */
export async function loadFinetuneSplits(c: FinetuneConfig): Promise<Splits & { test: Dataset; all: Dataset }> {
  const s = await loadSplits(c);
  if (!s.train.labels) throw new RunError(`fine-tuning needs labels: ${c.data} has none (use a folder of class folders, with train/ and test/)`);
  if (!s.test?.labels) throw new RunError(`fine-tuning needs a labelled test split: ${c.data} has none (use a folder with train/ and test/ class folders)`);
  const budget = labelBudget({ fraction: c.labelsFraction, perClass: c.labelsPerClass });
  return { all: s.train, train: budget ? labelledSubset(s.train, budget, c.seed) : s.train, test: s.test, bandStats: s.bandStats };
}

/** The number of classes of labelled splits: one more than the largest label (so every label is a class), at least the names given. */
export function classCount(splits: { train: Dataset; test: Dataset | null }): number {
  let max = splits.train.classes.length - 1;
  for (const ds of [splits.train, splits.test]) for (const y of ds?.labels ?? []) if (y > max) max = y;
  return max + 1;
}

/** Where a pre-training run's checkpoint keeps the first block of its projection head: Linear(d, h, bias=False), then BatchNorm1d(h). */
const PROJECTION_BLOCK = { linear: 'model.projectionHead.layers.0.', norm: 'model.projectionHead.layers.1.' } as const;
const NORM_KEYS = ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'] as const;

/**
 * The first block of the projection head in the run checkpoint's tensors `t` (SimCLR's, and every head
 * built as Linear(d, h, bias=False) -> BatchNorm1d(h) -> ReLU), as the weights of an MLP head's
 * `head.0` and `head.1`, for an encoder of `featureDim` features; null when the checkpoint has no
 * such block.
 */
function projectionBlock(t: Record<string, Tensor>, featureDim: number): StateDict | null {
  const w = t[`${PROJECTION_BLOCK.linear}weight`];
  if (!w || w.ndim !== 2 || w.shape[1] !== featureDim || `${PROJECTION_BLOCK.linear}bias` in t) return null;
  const h = w.shape[0]!;
  const norm = NORM_KEYS.map((k) => t[`${PROJECTION_BLOCK.norm}${k}`]);
  if (norm.some((v, i) => !v || (NORM_KEYS[i] !== 'num_batches_tracked' && (v.ndim !== 1 || v.shape[0] !== h)))) return null;
  return { 'head.0.weight': w, ...Object.fromEntries(NORM_KEYS.map((k, i) => [`head.1.${k}`, norm[i]!])) };
}

/**
 * The classifier of a fine-tuning config for data of `sampleShape` with `numClasses` classes:
 * its encoder (`encoderFor`: 'auto' as in pre-training) and head. An MLP head's hidden width is
 * `hiddenDim` when given; else, fine-tuning a run, the width of its projection head's first
 * block, which the head then starts from (SimCLR v2 fine-tunes "from the first layer of the
 * projection head": Chen, Kornblith, Swersky, Norouzi & Hinton 2020, "Big Self-Supervised Models
 * are Strong Semi-Supervised Learners", Sec. 2; https://arxiv.org/abs/2006.10029), also from
 * scratch so that both train the same model; else the encoder's feature size. With
 * `initWeights`, the encoder starts from `init`'s weights ('random' keeps PyTorch's
 * initialisation). Each weights file is read once. Returns the classifier with the keys of the
 * weights file left out, and whether the head was loaded.
 */
export function buildClassifier(c: FinetuneConfig, sampleShape: readonly number[], numClasses: number, o: { initWeights?: boolean } = {}): { classifier: Classifier; ignored: string[]; headLoaded: boolean } {
  const encoder = buildEncoder(c, sampleShape);
  let classifier: Classifier | null = null;
  try {
    return scope(() => {
      const files = new Map<string, Record<string, Tensor>>(); // freed with the scope
      const weights = (file: string) => files.get(file) ?? files.set(file, readWeights(file)).get(file)!;
      const init = o.initWeights && c.init !== 'random' ? (c.init === 'run' ? runPaths(c.from!).checkpoint : c.init) : null;
      const wantsBlock = c.head === 'mlp' && c.from !== null && (c.hiddenDim === null || (init !== null && c.init === 'run')); // to size the head, or to start it
      const block = wantsBlock ? projectionBlock(weights(runPaths(c.from!).checkpoint), encoder.featureDim) : null;
      const hidden = c.head === 'mlp' ? c.hiddenDim ?? block?.['head.0.weight']!.shape[0] ?? encoder.featureDim : undefined;
      const model = new Classifier(encoder, { numClasses, head: c.head, hiddenDim: hidden });
      classifier = model;
      if (!init) return { classifier: model, ignored: [], headLoaded: false };
      const ignored = loadEncoderWeights(encoder, init, weights(init));
      const headLoaded = c.init === 'run' && block !== null && block['head.0.weight']!.shape[0] === hidden;
      if (headLoaded) model.loadStateDict(block, false);
      return { classifier: model, ignored, headLoaded };
    });
  } catch (e) {
    if (classifier) (classifier as Classifier).dispose();
    else encoder.dispose();
    throw e;
  }
}

/** A fine-tuning run opened for use: its config, its labelled splits and its classifier (evaluation mode, on the run's device; the caller disposes it). */
export interface LoadedFinetuneRun {
  config: FinetuneConfig;
  splits: Splits & { test: Dataset };
  classifier: Classifier;
}

/** Opens the fine-tuning run `dir`: config, data, and the classifier from `checkpoint/last.safetensors`. */
export async function loadFinetuneRun(dir: string, overrides: Partial<FinetuneConfig> = {}): Promise<LoadedFinetuneRun> {
  const saved = { ...readFinetuneConfig(dir), ...overrides };
  const ckpt = trainedCheckpoint(dir);
  const splits = await loadFinetuneSplits(saved);
  const config = { ...saved, encoder: encoderFor(saved, splits.train.sampleShape) };
  const classifier = restoreTrained(dir, ckpt, buildClassifier(config, splits.train.sampleShape, classCount(splits)).classifier, config, `${config.encoder} classifier`);
  return { config, splits, classifier };
}

/**
 * The single-view augmentation of fine-tuning for data of `sampleShape`: 'light' (`augment.light`;
 * none for vectors), 'none', or the first pipeline of a two-view preset that fits the data; at the
 * config's image size.
 */
export function buildFinetuneAugmentation(c: FinetuneConfig, sampleShape: readonly number[]): Augmentation | null {
  const kind = inputKind(sampleShape);
  const size = c.imageSize === 'auto' ? sampleShape[sampleShape.length - 1]! : c.imageSize;
  if (c.augment === 'none' || (c.augment === 'light' && kind === 'vector')) return null;
  if (c.augment === 'light') return light(kind as 'image' | 'sequence', kind === 'image' ? { size } : {});
  if (PRESET_INPUTS[c.augment] !== kind) throw new ConfigError(`augment: ${c.augment} augments ${PRESET_INPUTS[c.augment]}s, but ${c.data} holds ${kind}s`);
  return preset(c.augment, kind === 'image' ? { size } : {}).first;
}

/**
 * The classifier's logits (N, K) float32 for the items of `ds`: the backbone's features as the run
 * embeds data (`embedDataset`, bf16 autocast where the run trains in bf16: about 10x faster than
 * float32 on a CPU with AVX512-BF16), then the head in float32 (bf16 logits would tie), both in
 * evaluation mode. Owned by the caller's scope.
 */
export async function classifierLogits(run: Pick<LoadedFinetuneRun, 'config' | 'classifier'>, ds: Dataset): Promise<Tensor> {
  const { backbone, head } = run.classifier;
  const h = await embedDataset(backbone, ds, embedOptions(run.config)); // (N, D)
  const wasTraining = head.training;
  head.eval();
  try {
    return noGrad(() => head.forward(h)); // (N, K)
  } finally {
    head.train(wasTraining);
    h.dispose();
  }
}
