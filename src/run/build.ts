// A config's pieces: its datasets, its encoder and method, its augmentation, its precision.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { preset, type PresetName, type ViewTransform } from '../augment/index.js';
import { evenSubset, fashionMNIST, ImageFolder, mnist, type Dataset } from '../data/index.js';
import { createMethod, type Method, recipeOf } from '../methods/index.js';
import { createEncoder } from '../nn/index.js';
import type { TrainConfig } from './config.js';

/** The train split (what the method learns from) and the test split (what the kNN monitor and the evaluation score). */
export interface Splits {
  train: Dataset;
  test: Dataset | null;
}

/**
 * The datasets of `data`: the built-in Fashion-MNIST and MNIST (docs/architecture.md's split), or
 * an image folder: `PATH/train` and `PATH/test` when both exist, else `PATH` for training and no
 * test set; cut to `trainLimit` / `testLimit` items spread evenly over each split.
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
  return { train: evenSubset(splits.train, c.trainLimit), test: splits.test ? evenSubset(splits.test, c.testLimit) : null };
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

/** The method of `c`, with its backbone built for the dataset's sample shape (C, H, W) and the config's method options. */
export function buildMethod(c: TrainConfig, sampleShape: readonly number[], totalSteps: number): Method {
  const encoder = encoderFor(c, sampleShape);
  const inChannels = sampleShape[0] ?? 1;
  return createMethod(c.method, {
    encoder: () => createEncoder(encoder, { inChannels }),
    temperature: c.temperature, queueSize: c.queueSize, tau: c.tau, hiddenDim: c.hiddenDim, outputDim: c.outputDim, totalSteps,
  });
}

/**
 * The two-view augmentation: the preset the config names, or ('auto') the method recipe's
 * image preset, with its small-image form for images of 32 pixels or less: mnist28 for one
 * channel, cifar32 for colour (SimCLR's CIFAR-10 recipe).
 */
export function buildViews(c: TrainConfig, sampleShape: readonly number[]): ViewTransform {
  const side = sampleShape[sampleShape.length - 1]!;
  let name: PresetName;
  if (c.augment !== 'auto') name = c.augment;
  else if (side <= 32) name = sampleShape[0] === 1 ? 'mnist28' : 'cifar32';
  else name = recipeOf(c.method).augment.image;
  return preset(name, {
    size: inputSide(c, sampleShape),
    cropScale: c.cropScale === 'auto' ? undefined : c.cropScale,
    colorStrength: c.colorStrength === 'auto' ? undefined : c.colorStrength,
  });
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
