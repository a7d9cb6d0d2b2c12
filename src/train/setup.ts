// Turning a config into the pieces of a run: datasets, the method, the optimizer, the views.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { preset, type PresetName, type ViewTransform } from '../augment/index.js';
import { fashionMNIST, ImageFolder, mnist, type Dataset } from '../data/index.js';
import { createMethod, type Method } from '../methods/index.js';
import { createEncoder } from '../nn/index.js';
import { Adam, AdamW, LARS, SGD, splitBiasAndNorm, type Optimizer } from '../optim/index.js';
import type { TrainConfig } from './config.js';

/** The train split (what the method learns from) and the test split (what the kNN monitor scores). */
export interface Splits {
  train: Dataset;
  test: Dataset | null;
}

/**
 * `n` items of a dataset spread evenly over it (all when n is 0): item i is item
 * floor(i * length / n), so a dataset stored class by class keeps every class.
 */
export function limit(ds: Dataset, n: number): Dataset {
  if (n === 0 || n >= ds.length) return ds;
  const pick = Int32Array.from({ length: n }, (_, i) => Math.floor((i * ds.length) / n));
  const position = new Map(Array.from(pick, (v, i) => [v, i] as const));
  return {
    length: n,
    sampleShape: ds.sampleShape,
    labels: ds.labels ? Int32Array.from(pick, (i) => ds.labels![i]!) : null,
    classes: ds.classes,
    read: async (indices) => {
      const raw = await ds.read(Int32Array.from(indices, (i) => pick[i]!));
      // Report positions in the subset, as the loader asked for them.
      return { ...raw, indices: Int32Array.from(raw.indices, (i) => position.get(i)!) };
    },
  };
}

/**
 * The datasets of `data`: the built-in Fashion-MNIST and MNIST (DESIGN.md's split), or an image
 * folder: `PATH/train` and `PATH/test` when both exist, else `PATH` for training and no test set.
 */
export async function loadSplits(c: TrainConfig): Promise<Splits> {
  let splits: Splits;
  if (c.data === 'fashion-mnist' || c.data === 'mnist') {
    const make = c.data === 'mnist' ? mnist : fashionMNIST;
    splits = { train: make({ split: 'train' }), test: make({ split: 'test' }) };
  } else {
    if (!existsSync(c.data)) throw new Error(`data: no such file or folder: ${c.data} (expected fashion-mnist, mnist or a folder of images)`);
    if (!statSync(c.data).isDirectory()) throw new Error(`data: ${c.data} is not a folder`);
    const size = c.imageSize === 'auto' ? 32 : c.imageSize;
    const open = (dir: string): Promise<Dataset> => ImageFolder.open(dir, { size });
    const [tr, te] = [join(c.data, 'train'), join(c.data, 'test')];
    splits = existsSync(tr) && existsSync(te)
      ? { train: await open(tr), test: await open(te) }
      : { train: await open(c.data), test: null };
  }
  return { train: limit(splits.train, c.trainLimit), test: splits.test ? limit(splits.test, c.testLimit) : null };
}

/** The input side the network sees: the configured image size, or the dataset's. */
function inputSide(c: TrainConfig, sampleShape: readonly number[]): number {
  return c.imageSize === 'auto' ? sampleShape[sampleShape.length - 1]! : c.imageSize;
}

/**
 * The encoder a config names; 'auto' picks convnet28 for 28x28 inputs (Fashion-MNIST, MNIST:
 * it keeps the spatial layout those centred images carry, and measured better there than
 * convnet-small's global pooling) and convnet-small, which takes any size, otherwise.
 */
export function encoderFor(c: TrainConfig, sampleShape: readonly number[]): string {
  if (c.encoder !== 'auto') return c.encoder;
  return inputSide(c, sampleShape) === 28 ? 'convnet28' : 'convnet-small';
}

/** The method, with its backbone built for the dataset's sample shape (C, H, W). */
export function buildMethod(c: TrainConfig, sampleShape: readonly number[], totalSteps: number): Method {
  const encoder = encoderFor(c, sampleShape);
  const inChannels = sampleShape[0] ?? 1;
  return createMethod(c.method, {
    encoder: () => createEncoder(encoder, { inChannels }),
    temperature: c.temperature, queueSize: c.queueSize, tau: c.tau, hiddenDim: c.hiddenDim, outputDim: c.outputDim, totalSteps,
  });
}

/** The two-view augmentation: the preset named, or by method and image size. */
export function buildViews(c: TrainConfig, sampleShape: readonly number[]): ViewTransform {
  const side = sampleShape[sampleShape.length - 1]!;
  const size = inputSide(c, sampleShape);
  let name: PresetName;
  if (c.augment !== 'auto') name = c.augment;
  else if (sampleShape[0] === 1 && side <= 32) name = 'mnist28';
  else if (side <= 32) name = 'cifar32';
  else name = c.method === 'byol' ? 'byol' : 'simclr';
  return preset(name, {
    size,
    cropScale: c.cropScale === 'auto' ? undefined : c.cropScale,
    colorStrength: c.colorStrength === 'auto' ? undefined : c.colorStrength,
  });
}

/** Each method's optimizer as its paper uses it, unless the config names one. */
const DEFAULT_OPTIMIZER: Record<TrainConfig['method'], 'lars' | 'sgd' | 'adam'> = {
  simclr: 'lars', byol: 'lars', nnclr: 'lars', barlowtwins: 'lars', vicreg: 'lars', supcon: 'lars', moco: 'sgd', simsiam: 'sgd',
};

/**
 * Base learning rates per 256 images and weight decays (SimCLR: LARS 0.3, 1e-6; MoCo/SimSiam:
 * SGD 0.06, 5e-4). The SimCLR family (simclr, nnclr, supcon) on LARS uses SimCLR's square-root
 * scaling instead, 0.075 x sqrt(batch) (Chen et al. 2020, appendix B.1: better for small batches
 * and short runs; 1.2 at batch 256).
 */
const DEFAULT_LR = { lars: 0.3, sgd: 0.06, adam: 1e-3, adamw: 1e-3 } as const;
const DEFAULT_WD = { lars: 1e-6, sgd: 5e-4, adam: 0, adamw: 1e-4 } as const;

/** The resolved optimizer name, learning rate and weight decay of a config. */
export function optimizerSettings(c: TrainConfig): { name: keyof typeof DEFAULT_LR; lr: number; weightDecay: number } {
  const name = c.optimizer === 'auto' ? DEFAULT_OPTIMIZER[c.method] : c.optimizer;
  const sqrtScaling = name === 'lars' && (c.method === 'simclr' || c.method === 'nnclr' || c.method === 'supcon');
  const lr = c.lr !== 'auto' ? c.lr
    : sqrtScaling ? 0.075 * Math.sqrt(c.batchSize)
      : DEFAULT_LR[name] * (name === 'adam' || name === 'adamw' ? 1 : c.batchSize / 256);
  const weightDecay = c.weightDecay === 'auto' ? DEFAULT_WD[name] : c.weightDecay;
  return { name, lr, weightDecay };
}

/** The optimizer over the method's trainable parameters; LARS excludes biases and norm layers from adaptation and decay. */
export function buildOptimizer(c: TrainConfig, method: Method): Optimizer<{ lr: number }> {
  const { name, lr, weightDecay } = optimizerSettings(c);
  const trainable = new Set(method.trainableParameters());
  const { decay, noDecay } = splitBiasAndNorm(method);
  const groups = (d: object, nd: object) => [
    { params: decay.filter((p) => trainable.has(p)), ...d },
    { params: noDecay.filter((p) => trainable.has(p)), ...nd },
  ].filter((g) => g.params.length > 0);
  switch (name) {
    case 'lars':
      return new LARS(groups({ weightDecay }, { weightDecay: 0, adaptation: false }), { lr, momentum: 0.9, weightDecay });
    case 'sgd':
      return new SGD(groups({ weightDecay }, { weightDecay: 0 }), { lr, momentum: 0.9, weightDecay });
    case 'adam':
      return new Adam([...trainable], { lr, weightDecay });
    case 'adamw':
      return new AdamW(groups({ weightDecay }, { weightDecay: 0 }), { lr, weightDecay });
  }
}

/** Whether a run uses bf16 autocast: as configured, or ('auto') on CUDA and on CPUs with AVX512-BF16. */
export function useBf16(c: TrainConfig): boolean {
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
