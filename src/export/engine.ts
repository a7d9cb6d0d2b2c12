// Running exported stages on our engine, fed exactly as evaluation feeds the backbone.
import type { Dataset } from '../data/index.js';
import { noGrad, scope, Tensor, tensor } from '../tensor/index.js';
import type { OnnxStage } from './export.js';

/** Images read from a dataset: (n, ...sampleShape) pixel bytes and which items they are. */
export interface ImageBatch {
  /** Row-major (n, C, H, W) bytes 0-255. */
  pixels: Uint8Array;
  /** Dataset indices of the images, in order. */
  indices: Int32Array;
  /** Labels of the images, or null for an unlabelled dataset. */
  labels: Int32Array | null;
  sampleShape: readonly number[];
}

/** `n` indices spread evenly over `length` items (i -> floor(i length / n)): a class-ordered split keeps every class. */
export function spreadIndices(n: number, length: number): Int32Array {
  const k = Math.min(n, length);
  return Int32Array.from({ length: k }, (_, i) => Math.floor((i * length) / k));
}

/** Reads `indices` of `ds` as pixel bytes; float datasets (not images) are an error. */
export async function readImages(ds: Dataset, indices: Int32Array): Promise<ImageBatch> {
  const raw = await ds.read(indices);
  if (!(raw.data instanceof Uint8Array)) throw new Error('the dataset holds float values, not image bytes (0-255)');
  const labels = ds.labels ? Int32Array.from(raw.indices, (i) => ds.labels![i]!) : null;
  return { pixels: raw.data, indices: raw.indices, labels, sampleShape: ds.sampleShape };
}

/**
 * Float32 inputs as evaluation feeds them to the backbone: the loader's uint8 -> float32, / 255
 * (images in [0, 1]; no per-channel mean/std: `embedDataset` gives the backbone the loader's batch).
 */
export function pixelsToInput(pixels: Uint8Array, shape: readonly number[]): Tensor {
  return scope(() => tensor(pixels, { shape }).to('float32').div_(255)); // (n, C, H, W)
}

/** The output of `stages` applied in order, in evaluation mode, float32 (no autocast), for inputs `x`. */
export function forwardStages(stages: readonly OnnxStage[], x: Tensor): Tensor {
  return noGrad(() => scope(() => {
    let h = x;
    for (const [path, m] of stages) {
      const y = m.forward(h);
      if (!(y instanceof Tensor)) throw new TypeError(`${path || m.name}: forward did not return a Tensor`);
      h = y;
    }
    return h.to('float32').contiguous();
  }));
}

/**
 * Embeds `images` with `stages` in batches of `batchSize` (default 256) on our engine; returns
 * the inputs fed (float32, [0, 1]) and the outputs, row-major.
 */
export function embedImages(stages: readonly OnnxStage[], images: ImageBatch, batchSize = 256): { inputs: Float32Array; outputs: Float32Array; dim: number } {
  const n = images.indices.length;
  const per = images.sampleShape.reduce((a, d) => a * d, 1);
  const inputs = new Float32Array(n * per);
  const parts: Float32Array[] = [];
  for (let s = 0; s < n; s += batchSize) {
    const b = Math.min(batchSize, n - s);
    scope(() => {
      const x = pixelsToInput(images.pixels.subarray(s * per, (s + b) * per), [b, ...images.sampleShape]);
      inputs.set(x.data() as Float32Array, s * per);
      parts.push(forwardStages(stages, x).data() as Float32Array);
    });
  }
  const dim = n ? parts[0]!.length / Math.min(batchSize, n) : 0;
  const outputs = new Float32Array(n * dim);
  parts.forEach((p, i) => outputs.set(p, i * batchSize * dim));
  return { inputs, outputs, dim };
}
