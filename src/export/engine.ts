// Running exported stages on our engine, fed exactly as evaluation feeds the backbone.
import type { BandStats, Dataset } from '../data/index.js';
import { noGrad, scope, Tensor, tensor } from '../tensor/index.js';
import type { OnnxStage } from './export.js';

/** Which items of a dataset a batch read holds, and their labels. */
export interface ReadItems {
  /** Dataset indices of the items, in order. */
  indices: Int32Array;
  /** Labels of the items, or null for an unlabelled dataset. */
  labels: Int32Array | null;
  sampleShape: readonly number[];
}

/** Images read from a dataset: (n, ...sampleShape) pixel bytes and which items they are. */
export interface ImageBatch extends ReadItems {
  /** Row-major (n, C, H, W) bytes 0-255. */
  pixels: Uint8Array;
}

/** Reads `indices` of `ds` as pixel bytes; float datasets (not images) are an error. */
export async function readImages(ds: Dataset, indices: Int32Array): Promise<ImageBatch> {
  const { data, ...rest } = await readAs(ds, indices, Uint8Array, 'the dataset holds float values, not image bytes (0-255)');
  return { pixels: data, ...rest };
}

/** `indices` of `ds` whose data must be of `type` (else the Error `wrong`), with their labels. */
async function readAs<D extends Uint8Array | Float32Array>(ds: Dataset, indices: Int32Array, type: new (n: number) => D, wrong: string): Promise<ReadItems & { data: D }> {
  const raw = await ds.read(indices);
  if (!(raw.data instanceof type)) throw new Error(wrong);
  const labels = ds.labels ? Int32Array.from(raw.indices, (i) => ds.labels![i]!) : null;
  return { data: raw.data as D, indices: raw.indices, labels, sampleShape: ds.sampleShape };
}

/**
 * Float32 inputs as evaluation feeds them to the backbone: the loader's uint8 -> float32, / 255
 * (images in [0, 1]; no per-channel mean/std: `embedDataset` gives the backbone the loader's batch).
 */
export function pixelsToInput(pixels: Uint8Array, shape: readonly number[]): Tensor {
  return scope(() => tensor(pixels, { shape }).to('float32').div_(255)); // (n, C, H, W)
}

/** The output of `stages` applied in order, in evaluation mode, float32 (no autocast), for inputs `x` (and the first stage's sequence `lengths`). */
export function forwardStages(stages: readonly OnnxStage[], x: Tensor, lengths: Tensor | null = null): Tensor {
  return noGrad(() => scope(() => {
    let h = x;
    for (const [i, [path, m]] of stages.entries()) {
      const y = i === 0 && lengths ? m.forward(h, lengths) : m.forward(h);
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
  const per = images.sampleShape.reduce((a, d) => a * d, 1);
  const inputs = new Float32Array(images.indices.length * per);
  const out = inBatches(images.indices.length, batchSize, (s, b) => scope(() => {
    const x = pixelsToInput(images.pixels.subarray(s * per, (s + b) * per), [b, ...images.sampleShape]);
    inputs.set(x.data() as Float32Array, s * per);
    return forwardStages(stages, x).data() as Float32Array;
  }));
  return { inputs, ...out };
}

/** The row-major outputs of `forward(start, count)` over `n` items taken `batchSize` at a time, concatenated, and their width. */
function inBatches(n: number, batchSize: number, forward: (start: number, count: number) => Float32Array): { outputs: Float32Array; dim: number } {
  const parts: Float32Array[] = [];
  for (let s = 0; s < n; s += batchSize) parts.push(forward(s, Math.min(batchSize, n - s)));
  const dim = n ? parts[0]!.length / Math.min(batchSize, n) : 0;
  const outputs = new Float32Array(n * dim);
  parts.forEach((p, i) => outputs.set(p, i * batchSize * dim));
  return { outputs, dim };
}

/** Sequences read from a dataset as the loader feeds them: (n, T, C) float32 values, zero-padded, and their lengths. */
export interface SequenceBatch {
  /** Row-major (n, T, C); uint8 data are divided by 255, as the loader does. */
  values: Float32Array;
  /** (n) int64: each sequence's valid steps (T where the dataset has no lengths). */
  lengths: BigInt64Array;
  /** Dataset indices of the sequences, in order. */
  indices: Int32Array;
  labels: Int32Array | null;
  sampleShape: readonly number[];
}

/** Reads `indices` of a dataset of sequences (sampleShape [T, C]). */
export async function readSequences(ds: Dataset, indices: Int32Array): Promise<SequenceBatch> {
  const raw = await ds.read(indices);
  const values = raw.data instanceof Uint8Array ? Float32Array.from(raw.data, (v) => v / 255) : Float32Array.from(raw.data);
  const t = ds.sampleShape[0]!;
  const lengths = BigInt64Array.from(raw.indices, (_, j) => BigInt(raw.lengths?.[j] ?? t));
  const labels = ds.labels ? Int32Array.from(raw.indices, (i) => ds.labels![i]!) : null;
  return { values, lengths, indices: raw.indices, labels, sampleShape: ds.sampleShape };
}

/** The engine's outputs of `stages` for `batch` (the backbone given the lengths), in batches of `batchSize` (default 256), row-major. */
export function embedSequences(stages: readonly OnnxStage[], batch: SequenceBatch, batchSize = 256): { outputs: Float32Array; dim: number } {
  const per = batch.sampleShape.reduce((a, d) => a * d, 1);
  return inBatches(batch.indices.length, batchSize, (s, b) => scope(() => forwardStages(
    stages,
    tensor(batch.values.subarray(s * per, (s + b) * per), { shape: [b, ...batch.sampleShape] }), // (b, T, C)
    tensor(batch.lengths.subarray(s, s + b)), // (b) int64
  ).data() as Float32Array));
}

/** Per-band statistics of a multi-band run (the data's `BandStats`, read-only): items are standardised as (x - mean[c]) / std[c]. */
export type BandStatistics = Readonly<Record<keyof BandStats, readonly number[]>>;

/** Multi-band images read from a run's dataset: (n, C, H, W) float32, standardised per band, as the loader feeds them. */
export interface BandBatch extends ReadItems {
  /** Row-major (n, C, H, W) standardised values, as the engine's encoder sees them. */
  values: Float32Array;
}

/** Reads `indices` of a dataset of multi-band images (float32 items (C, H, W), already standardised). */
export async function readBands(ds: Dataset, indices: Int32Array): Promise<BandBatch> {
  const { data, ...rest } = await readAs(ds, indices, Float32Array, 'the dataset holds pixel bytes (an image run), not float32 band values');
  return { values: data, ...rest };
}

/**
 * The raw band values behind standardised ones: x * std[c] + mean[c] for each item (C, ...),
 * what a user feeds an exported multi-band model (the file's values as float32).
 */
export function unstandardize(values: Float32Array, sampleShape: readonly number[], stats: BandStatistics): Float32Array {
  const c = sampleShape[0]!;
  if (stats.mean.length !== c || stats.std.length !== c) throw new RangeError(`unstandardize: ${stats.mean.length} means and ${stats.std.length} stds for ${c} bands`);
  const plane = sampleShape.slice(1).reduce((a, d) => a * d, 1);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = Math.floor(i / plane) % c;
    out[i] = values[i]! * stats.std[b]! + stats.mean[b]!;
  }
  return out;
}

/** The engine's outputs of `stages` for `batch` (standardised values), in batches of `batchSize` (default 256), row-major. */
export function embedBands(stages: readonly OnnxStage[], batch: BandBatch, batchSize = 256): { outputs: Float32Array; dim: number } {
  const per = batch.sampleShape.reduce((a, d) => a * d, 1);
  return inBatches(batch.indices.length, batchSize, (s, b) => scope(() => forwardStages(
    stages, tensor(batch.values.subarray(s * per, (s + b) * per), { shape: [b, ...batch.sampleShape] }),
  ).data() as Float32Array));
}
