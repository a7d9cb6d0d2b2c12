// The training configuration: defaults, a JSON/YAML file, command-line flags; validated with zod.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PRESETS, type PresetName } from '../augment/index.js';
import { LOSS_NAMES, MINER_NAMES } from '../losses/index.js';
import { METHOD_NAMES, METHOD_OPTION_NAMES, methodOptionProblem, OPTIMIZER_NAMES, recipeOf, VIEW_BATCH_NORMS } from '../methods/index.js';
import { encoderNames, encoderOptionProblem, POOLINGS } from '../nn/index.js';

const positiveInt = z.number().int().positive();
const PRESET_NAMES = Object.keys(PRESETS) as [PresetName, ...PresetName[]];

/** Every key a config may hold; unknown keys are errors. */
export const TrainConfigSchema = z.object({
  /** 'fashion-mnist', 'mnist', 'fashion-mnist-seq' (its images as 28 steps of 28 features), a file of series, or a folder of images or series (class sub-folders label them). */
  data: z.string().min(1),
  method: z.enum(METHOD_NAMES),
  /** An encoder name, or 'auto': convnet28 for 28x28 images, convnet-small otherwise. */
  encoder: z.string().refine((e) => e === 'auto' || encoderNames().includes(e), { message: `unknown encoder; known: auto, ${encoderNames().join(', ')}` }),
  /** The encoder's own options (`EncoderOptions`: `{ bidirectional: false }` for a GRU); one the encoder does not take is an error. */
  encoderOptions: z.object({
    featureDim: positiveInt, hiddenDims: z.array(positiveInt), hiddenSize: positiveInt, numLayers: positiveInt,
    bidirectional: z.boolean(), dropout: z.number().min(0).lt(1), pooling: z.enum(POOLINGS), outputSize: positiveInt,
    depth: positiveInt, codeSize: positiveInt,
  }).partial().strict(),
  epochs: positiveInt,
  batchSize: positiveInt,
  device: z.string().regex(/^(cpu|cuda(:\d+)?)$/, { message: "expected 'cpu', 'cuda' or 'cuda:N'" }),
  seed: z.number().int().nonnegative(),
  out: z.string().min(1),
  /** Augmentation preset (`augment.PRESETS`: mnist28, cifar32, simclr, byol, multispectral, ts-weak, ts-strong, ts-simclr); 'auto' picks by method and data. */
  augment: z.enum(['auto', ...PRESET_NAMES]),
  /** The crop's area range [min, max] as fractions of the image ('auto': the preset's). */
  cropScale: z.union([z.literal('auto'), z.tuple([z.number().gt(0).max(1), z.number().gt(0).max(1)]).refine(([a, b]) => a <= b, { message: 'expected [min, max] with min <= max' })]),
  /** SimCLR's colour-distortion strength s: jitter 0.8 s (hue 0.2 s); 0 = none ('auto': the preset's). */
  colorStrength: z.union([z.literal('auto'), z.number().min(0).max(2.5)]),
  /** Square side images are cropped/resized to ('auto': the dataset's). */
  imageSize: z.union([z.literal('auto'), positiveInt]),
  optimizer: z.enum(['auto', ...OPTIMIZER_NAMES]),
  /** Base learning rate ('auto': the method's recipe, scaled with the batch size as the recipe says). */
  lr: z.union([z.literal('auto'), z.number().positive()]),
  weightDecay: z.union([z.literal('auto'), z.number().nonnegative()]),
  warmupEpochs: z.number().nonnegative(),
  /**
   * The learning rate after the warm-up: 'cosine' decays it to 0 by the last step (SimCLR's
   * schedule, the default); 'constant' keeps it at the base rate, as a plain optimizer does
   * without a scheduler (lightly's examples: Adam at 1e-3 throughout).
   */
  lrSchedule: z.enum(['cosine', 'constant']).default('cosine'),
  /** Method options (absent: the recipe's); a method that does not take one rejects it. */
  temperature: z.number().positive().optional(),
  queueSize: positiveInt.optional(),
  tau: z.number().min(0).max(1).optional(),
  hiddenDim: positiveInt.optional(),
  outputDim: positiveInt.optional(),
  /** How the views meet BatchNorm (`methods.ViewBatchNorm`): 'joint', 'per-view', or 'auto' (the method's paper's). */
  viewBatchNorm: z.enum(['auto', ...VIEW_BATCH_NORMS]).default('auto'),
  /** The loss of a method that lets it be chosen (metric; `losses.LOSS_NAMES`); 'auto': the recipe's. */
  loss: z.enum(['auto', ...LOSS_NAMES]).default('auto'),
  /** The loss's own options, camelCase as its class takes them (`{ margin: 0.2 }`). */
  lossOptions: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).default({}),
  /** The learning rate of the loss's own parameters (proxies) as a multiple of the model's ('auto': the loss's paper's). */
  lossLrScale: z.union([z.literal('auto'), z.number().positive()]).default('auto'),
  /** A miner for the loss (`losses.MINER_NAMES`), or null: every pair or triplet of the batch. */
  miner: z.enum(MINER_NAMES).nullable().default(null),
  minerOptions: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).default({}),
  /** How batches are drawn: 'random', or 'm-per-class' (`samplesPerClass` items of each of batchSize / samplesPerClass classes; PML's MPerClassSampler). */
  sampler: z.enum(['random', 'm-per-class']).default('random'),
  samplesPerClass: positiveInt.default(4),
  /** bf16 autocast ('auto': on where the CPU has AVX512-BF16 or on CUDA). */
  bf16: z.union([z.literal('auto'), z.boolean()]),
  channelsLast: z.boolean(),
  /** kNN monitor: neighbours and temperature (lightly / solo-learn protocol). */
  knnK: positiveInt,
  knnTemperature: z.number().positive(),
  /** Use only the first N training / test images (quick runs and tests); 0 = all. */
  trainLimit: z.number().int().nonnegative(),
  testLimit: z.number().int().nonnegative(),
  /** Run the linear probe in the final evaluation. */
  linearProbe: z.boolean(),
  /** Start the encoder from the weights in this .safetensors file (`loadEncoderWeights`), or null: PyTorch's initialisation. */
  init: z.string().min(1).nullable(),
  /** Data-parallel runs: every BatchNorm normalises with the global batch's statistics (SyncBatchNorm). */
  syncBatchNorm: z.boolean().default(false),
  /**
   * Multi-band images: the per-band mean and std their values are standardised with, or null.
   * The trainer computes them on a sample of the training split (`data.bandStatistics`) and
   * writes them here, so evaluation, embedding, search and export standardise the same way.
   */
  bandStats: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }).strict()
    .refine((b) => b.mean.length === b.std.length, { message: 'mean and std must have one entry per band' }).nullable().default(null),
  /** The [red, green, blue] bands of multi-band images (the report's composite, colour augmentations); 'auto': `data.rgbBands`. */
  rgbBands: z.union([z.literal('auto'), z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), z.number().int().nonnegative()])]).default('auto'),
  /** Image folders: keep decoded images in memory ('memory'), decode every batch from the files ('none'), or 'auto' (in memory when they fit `ImageFolder`'s budget). */
  folderCache: z.enum(['auto', 'memory', 'none']).default('auto'),
}).strict();

export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/**
 * The embedded default: SimCLR on Fashion-MNIST (convnet28 by 'auto', LARS with SimCLR's
 * square-root learning-rate scaling, T 0.1, the mnist28 views), 10 epochs: sized to finish
 * within 15 minutes on a 2-core CPU.
 */
export const DEFAULT_CONFIG: TrainConfig = {
  data: 'fashion-mnist',
  method: 'simclr',
  encoder: 'auto',
  encoderOptions: {},
  epochs: 10,
  batchSize: 256,
  device: 'cpu',
  seed: 0,
  out: 'runs/default',
  augment: 'auto',
  cropScale: 'auto',
  colorStrength: 'auto',
  imageSize: 'auto',
  optimizer: 'auto',
  lr: 'auto',
  weightDecay: 'auto',
  warmupEpochs: 1,
  lrSchedule: 'cosine',
  viewBatchNorm: 'auto',
  loss: 'auto',
  lossOptions: {},
  lossLrScale: 'auto',
  miner: null,
  minerOptions: {},
  sampler: 'random',
  samplesPerClass: 4,
  bf16: 'auto',
  channelsLast: true,
  knnK: 200,
  knnTemperature: 0.1,
  trainLimit: 0,
  testLimit: 0,
  linearProbe: false,
  init: null,
  syncBatchNorm: false,
  bandStats: null,
  rgbBands: 'auto',
  folderCache: 'auto',
};

/**
 * Validates `raw` (a parsed file merged with flags); errors name each bad key, including a
 * method option the chosen method's recipe does not take (`queueSize` with simclr).
 */
export function validateConfig(raw: unknown, source = 'config'): TrainConfig {
  const r = TrainConfigSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(`${source}: ${issueLines(r.error).join('; ')}`);
  const recipe = recipeOf(r.data.method);
  const problems = [...METHOD_OPTION_NAMES, 'hiddenDim', 'outputDim'].flatMap((k) => {
    const p = methodOptionProblem(recipe, k, r.data[k as keyof TrainConfig]);
    return p ? [`'${k}': ${p}`] : [];
  });
  if (recipe.loss === undefined) {
    const chosen = { loss: r.data.loss !== 'auto', lossOptions: Object.keys(r.data.lossOptions).length > 0, lossLrScale: r.data.lossLrScale !== 'auto', miner: r.data.miner !== null, minerOptions: Object.keys(r.data.minerOptions).length > 0 };
    for (const [k, v] of Object.entries(chosen)) if (v) problems.push(`'${k}': ${recipe.name} trains with its paper's loss; choose a loss with method metric`);
  }
  const encoderProblem = r.data.encoder === 'auto' ? null : encoderOptionProblem(r.data.encoder, r.data.encoderOptions);
  if (encoderProblem) problems.push(`'encoderOptions': ${encoderProblem}`);
  if (problems.length) throw new ConfigError(`${source}: ${problems.join('; ')}`);
  return r.data;
}

/** One line per problem zod found in a config, each naming its key ('unknown key ...' for a key the schema does not have). */
export function issueLines(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return `${i.path.length ? `'${i.path.join('.')}': ` : ''}unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}`;
    return `'${i.path.join('.')}': ${i.message}`;
  });
}

/** A configuration problem: the message names the key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads a JSON or YAML config file (by extension; YAML also parses JSON). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`config file ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`config file ${path}: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`config file ${path}: expected an object of settings`);
  return value as Record<string, unknown>;
}

/** Defaults, then the file, then flags (undefined flags are ignored); validated. */
export function resolveConfig(file: Record<string, unknown> | undefined, flags: Partial<Record<keyof TrainConfig, unknown>>): TrainConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_CONFIG, ...(file ?? {}) };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) merged[k] = v;
  return validateConfig(merged, file ? 'config' : 'options');
}
