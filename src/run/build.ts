// A config's pieces: its datasets, its encoder and method, its augmentation, its precision.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { preset, PRESET_INPUTS, type PresetName, type ViewTransform } from '../augment/index.js';
import {
  bandStatistics, rgbBands, evenSubset, fashionMNIST, fashionMNISTSeq, ImageFolder, inputKind, mnist, openSeries, parseNpyHeader, SERIES_EXTENSIONS, SERIES_FILE_EXTENSIONS, type BandStats, type Dataset,
} from '../data/index.js';
import { createMethod, type Method, recipeOf } from '../methods/index.js';
import { loadSafetensors } from '../io/index.js';
import { createEncoder, type Encoder } from '../nn/index.js';
import { scope, type Tensor } from '../tensor/index.js';
import { RunError } from './folder.js';
import type { TrainConfig } from './config.js';

/** What the datasets of a config depend on (a pre-training or a fine-tuning config). */
export type DataSettings = Pick<TrainConfig, 'data' | 'imageSize' | 'trainLimit' | 'testLimit'> & Partial<Pick<TrainConfig, 'bandStats' | 'folderCache'>>;

/** What the encoder of a config depends on; `method` (pre-training) may name the encoder its recipe needs. */
export type EncoderSettings = Pick<TrainConfig, 'encoder' | 'encoderOptions' | 'imageSize'> & { method?: TrainConfig['method'] };

/** The train split (what the method learns from) and the test split (what the kNN monitor and the evaluation score). */
export interface Splits {
  train: Dataset;
  test: Dataset | null;
  /** Multi-band images: the per-band statistics both splits are standardised with (the config's, or computed on the train split); else null. */
  bandStats?: BandStats | null;
}

/** Items of the train split that per-band statistics are computed on (evenly spaced). */
const BAND_STATS_SAMPLE = 512;

/** The built-in datasets by `data` name: the images of Fashion-MNIST and MNIST, and Fashion-MNIST read as 28 steps of 28 features. */
const BUILTIN: Record<string, (split: 'train' | 'test') => Dataset> = {
  'fashion-mnist': (split) => fashionMNIST({ split }),
  mnist: (split) => mnist({ split }),
  'fashion-mnist-seq': (split) => fashionMNISTSeq({ split }),
};

/** The `data` names of the built-in datasets. */
export const BUILTIN_DATA = Object.keys(BUILTIN);

/**
 * Whether `path` (a file, or the first data file found in a folder of one series per file) holds
 * series rather than images: a .npy of 3 dims (C, H, W) is a multi-band raster, not a series.
 */
function holdsSeries(path: string): boolean {
  if (!statSync(path).isDirectory()) return (SERIES_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase()) && !isRasterNpy(path);
  for (const e of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(path, e.name);
    if (e.isDirectory()) return holdsSeries(p);
    if ((SERIES_FILE_EXTENSIONS as readonly string[]).includes(extname(e.name).toLowerCase())) return !isRasterNpy(p);
  }
  return false;
}

/** Whether `file` is a .npy array of 3 dims (C, H, W); one whose header cannot be read is left to the series reader, which names the problem. */
function isRasterNpy(file: string): boolean {
  if (extname(file).toLowerCase() !== '.npy') return false;
  const head = Buffer.alloc(4096);
  const fd = openSync(file, 'r');
  try {
    return parseNpyHeader(file, head.subarray(0, readSync(fd, head, 0, head.length, 0))).shape.length === 3;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** `dir`'s entry named `name` (a folder, or a file `name.<ext>`), if any. */
function splitEntry(dir: string, name: string): string | null {
  if (existsSync(join(dir, name))) return join(dir, name);
  const file = readdirSync(dir).find((f) => f.slice(0, f.length - extname(f).length) === name && extname(f) !== '');
  return file ? join(dir, file) : null;
}

/**
 * The datasets of `data`: a built-in one (`BUILTIN_DATA`, docs/architecture.md's split), a file of
 * series (.csv, .tsv, .jsonl, .npy: `openSeries`), or a folder of images or multi-band rasters
 * (`ImageFolder`) or of series: `PATH/train` and `PATH/test` (folders, or files `train.<ext>` and
 * `test.<ext>`) when both exist, else `PATH` for training and no test set; cut to `trainLimit` /
 * `testLimit` items spread evenly over each split. Rasters (float32 band values) are standardised
 * per band with `bandStats`, or with statistics computed on the train split (returned in `bandStats`).
 */
export async function loadSplits(c: DataSettings): Promise<Splits> {
  const builtin = BUILTIN[c.data];
  if (builtin) return cut({ train: builtin('train'), test: builtin('test') }, c);
  if (!existsSync(c.data)) throw new Error(`data: no such file or folder: ${c.data} (expected ${BUILTIN_DATA.join(', ')}, a file of series or a folder of images or series)`);
  const size = c.imageSize === 'auto' ? 32 : c.imageSize;
  // The test split takes the train split's class names, so that label i is the same class in both.
  const open = (path: string, classes?: readonly string[], normalize?: BandStats): Promise<Dataset> => (holdsSeries(path) ? openSeries(path, { classes })
    : ImageFolder.open(path, { size, cache: c.folderCache ?? 'auto', ...(normalize ? { normalize } : {}) }));
  const isDir = statSync(c.data).isDirectory();
  const [tr, te] = isDir ? [splitEntry(c.data, 'train'), splitEntry(c.data, 'test')] : [null, null];
  const trainPath = tr && te ? tr : c.data;
  let train = await open(trainPath);
  let bandStats: BandStats | null = null;
  if (train instanceof ImageFolder && train.output === 'float32') {
    bandStats = c.bandStats ?? await bandStatistics(evenSubset(train, c.trainLimit), { sample: BAND_STATS_SAMPLE });
    train = train.withNormalize(bandStats);
  }
  const test = tr && te ? await open(te, train.classes.length ? train.classes : undefined, bandStats ?? undefined) : null;
  return { ...cut({ train, test }, c), bandStats };
}

/** The splits cut to the config's `trainLimit` / `testLimit`. */
function cut(s: Splits, c: DataSettings): Splits {
  return { train: evenSubset(s.train, c.trainLimit), test: s.test ? evenSubset(s.test, c.testLimit) : null };
}

/** The input side the network sees: the configured image size, or the dataset's. */
function inputSide(c: Pick<TrainConfig, 'imageSize'>, sampleShape: readonly number[]): number {
  return c.imageSize === 'auto' ? sampleShape[sampleShape.length - 1]! : c.imageSize;
}

/**
 * The encoder a config names; 'auto' picks the one the method's recipe needs (CPC's), else by
 * the data: for images convnet28 at 28x28 (Fashion-MNIST, MNIST: it keeps the spatial layout
 * those centred images carry, and measured better there than convnet-small's global pooling) and
 * convnet-small, which takes any size, otherwise; a GRU for sequences; an MLP for vectors.
 */
export function encoderFor(c: EncoderSettings, sampleShape: readonly number[]): string {
  if (c.encoder !== 'auto') return c.encoder;
  const kind = inputKind(sampleShape);
  const needs = c.method ? recipeOf(c.method).encoder?.[kind] : undefined;
  if (needs) return needs;
  if (kind === 'sequence') return 'gru';
  if (kind === 'vector') return 'mlp';
  return inputSide(c, sampleShape) === 28 ? 'convnet28' : 'convnet-small';
}

/** What an encoder is built for: image channels (C, H, W), features per step (T, C), or a vector's size (D). */
function encoderInput(sampleShape: readonly number[]): { inChannels?: number; inputSize?: number; inputDim: number } {
  const inputDim = sampleShape.reduce((a, b) => a * b, 1);
  switch (inputKind(sampleShape)) {
    case 'image': return { inChannels: sampleShape[0]!, inputDim };
    case 'sequence': return { inputSize: sampleShape[1]!, inputDim };
    case 'vector': return { inputDim };
  }
}

/** The encoder of `c` (`encoderFor`), built for the dataset's sample shape with the config's encoder options. */
export function buildEncoder(c: EncoderSettings, sampleShape: readonly number[]): Encoder {
  return createEncoder(encoderFor(c, sampleShape), { ...encoderInput(sampleShape), ...c.encoderOptions });
}

/** Where a file of weights keeps an encoder's: at the top (encoder.safetensors), in a classifier or method (`backbone.`), in a run's checkpoint (`model.backbone.`). */
const ENCODER_PREFIXES = ['', 'backbone.', 'model.backbone.'] as const;

/** The tensors of the safetensors file `file` of weights, in the caller's scope; a missing or malformed file is a RunError naming it. */
export function readWeights(file: string): Record<string, Tensor> {
  if (!existsSync(file)) throw new RunError(`init: no such file: ${file} (expected a .safetensors file of encoder weights)`);
  try {
    return loadSafetensors(file).tensors;
  } catch (e) {
    throw new RunError(`init: ${file} is not a safetensors file: ${(e as Error).message}`);
  }
}

/**
 * Loads encoder weights from the safetensors file `file` into `encoder` (`tensors`: the file's,
 * when the caller has read it already): a state dict under the encoder's own (PyTorch) names
 * (`checkpoint/encoder.safetensors`, or torchvision's ResNet weights converted from a .pth:
 * README "Fine-tuning"), or the backbone of a fine-tuned classifier (`backbone.*`) or of a run's
 * `last.safetensors` (`model.backbone.*`). Every encoder weight must be there with its shape; the
 * file's other keys (torchvision's `fc.*`, a method's heads) are left out, and returned.
 */
export function loadEncoderWeights(encoder: Encoder, file: string, tensors?: Record<string, Tensor>): string[] {
  return scope(() => {
    const t = tensors ?? readWeights(file);
    const own = Object.keys(encoder.stateDict());
    const covered = (p: string): number => own.filter((k) => `${p}${k}` in t).length;
    const prefix = ENCODER_PREFIXES.reduce((best, p) => (covered(p) > covered(best) ? p : best));
    const missing = own.filter((k) => !(`${prefix}${k}` in t));
    if (missing.length) {
      throw new RunError(`init: ${file} does not hold this encoder's weights: ${missing.length} of its ${own.length} tensors are missing (${
        missing.slice(0, 4).map((k) => `'${k}'`).join(', ')}${missing.length > 4 ? ', ...' : ''})`);
    }
    try {
      encoder.loadStateDict(Object.fromEntries(own.map((k) => [k, t[`${prefix}${k}`]!])));
    } catch (e) {
      throw new RunError(`init: ${file} does not fit the encoder: ${(e as Error).message}`);
    }
    const used = new Set(own.map((k) => `${prefix}${k}`));
    return Object.keys(t).filter((k) => !used.has(k));
  });
}

/**
 * The method of `c`, with its backbone built for the training split's sample shape and the
 * config's method options (a loss with a proxy per class gets the split's class count).
 */
export function buildMethod(c: TrainConfig, train: Pick<Dataset, 'sampleShape' | 'classes'>, totalSteps: number): Method {
  const { sampleShape } = train;
  const numClasses = train.classes.length;
  const kind = inputKind(sampleShape);
  const { inputs } = recipeOf(c.method);
  if (!inputs.includes(kind)) {
    throw new Error(`method ${c.method} learns from ${inputs.map((k) => `${k}s`).join(' and ')}, but ${c.data} holds ${kind}s (shape [${sampleShape.join(', ')}])`);
  }
  return createMethod(c.method, {
    encoder: () => buildEncoder(c, sampleShape),
    temperature: c.temperature, queueSize: c.queueSize, tau: c.tau, hiddenDim: c.hiddenDim, outputDim: c.outputDim, totalSteps,
    viewBatchNorm: c.viewBatchNorm === 'auto' ? undefined : c.viewBatchNorm,
    ...(recipeOf(c.method).loss === undefined ? {} : {
      loss: c.loss === 'auto' ? undefined : c.loss, lossOptions: c.lossOptions, lossLrScale: c.lossLrScale === 'auto' ? undefined : c.lossLrScale,
      miner: c.miner, minerOptions: c.minerOptions, numClasses,
    }),
  });
}

/**
 * The two-view augmentation: the preset the config names, or ('auto') the method recipe's preset
 * for the data: for sequences its sequence preset; for multi-band rasters (standardised with
 * `bandStats`) multispectral; for images its image preset, in its small-image form for images of
 * 32 pixels or less: mnist28 for one channel, cifar32 for colour (SimCLR's CIFAR-10 recipe). A
 * configured `rgbBands` triple is where the colour ops (saturation, hue, grayscale) apply.
 */
export function buildViews(c: TrainConfig, sampleShape: readonly number[]): ViewTransform {
  const recipe = recipeOf(c.method);
  const kind = inputKind(sampleShape);
  if (c.augment !== 'auto' && PRESET_INPUTS[c.augment] !== kind) {
    throw new Error(`augment: ${c.augment} augments ${PRESET_INPUTS[c.augment]}s, but ${c.data} holds ${kind}s (presets for ${kind}s: ${Object.keys(PRESET_INPUTS).filter((p) => PRESET_INPUTS[p as PresetName] === kind).join(', ')})`);
  }
  const cropScale = c.cropScale === 'auto' ? undefined : c.cropScale;
  // The recipe's names are checked by `preset` (and a test): an unknown one is an error naming the known ones.
  if (kind === 'sequence') return preset(c.augment === 'auto' ? recipe.augment.sequence as PresetName : c.augment, { cropScale });
  const side = sampleShape[sampleShape.length - 1]!;
  let name: PresetName;
  if (c.augment !== 'auto') name = c.augment;
  else if (c.bandStats) name = 'multispectral';
  else if (side <= 32) name = sampleShape[0] === 1 ? 'mnist28' : 'cifar32';
  else name = recipe.augment.image as PresetName;
  return preset(name, {
    size: inputSide(c, sampleShape),
    cropScale,
    colorStrength: c.colorStrength === 'auto' ? undefined : c.colorStrength,
    ...(c.rgbBands === 'auto' ? {} : { rgb: rgbBands(sampleShape[0]!, null, c.rgbBands)! }),
  });
}

/** Whether a run uses bf16 autocast: as configured, or ('auto') on CUDA and on CPUs with AVX512-BF16. */
export function useBf16(c: Pick<TrainConfig, 'bf16' | 'device'>): boolean {
  return c.bf16 === 'auto' ? (c.device.startsWith('cuda') || cpuHasBf16()) : c.bf16;
}

/** Whether this CPU has AVX512-BF16 (where bf16 autocast runs the step about twice as fast). */
export function cpuHasBf16(): boolean {
  try {
    return /\bavx512_bf16\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}
