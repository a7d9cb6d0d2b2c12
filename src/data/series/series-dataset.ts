// SeriesDataset: time series (T, C) of unequal length in memory, zero-padded to the longest.
import { TensorDataset } from '../tensor-dataset.js';
import type { RawBatch } from '../dataset.js';

export interface SeriesDatasetOptions {
  /** (N, T, C): N series, padded to T steps, C channels (features per step). */
  shape: readonly number[];
  /** The steps of each series, in [1, T]; null or absent: every series has all T steps. */
  lengths?: Int32Array | null;
  /** One integer class per series. */
  labels?: Int32Array | readonly number[] | null;
  /** Class names (label i is classes[i]); default '0', '1', ... up to the largest label. */
  classes?: readonly string[];
  /** A name per series (an id column, a file's relative path); null when the source has none. */
  ids?: readonly string[] | null;
  /** A name per channel (a header's column names); null when the source has none. */
  channelNames?: readonly string[] | null;
  /** The file or folder read, for messages and reports. */
  source?: string | null;
}

/**
 * Time series in memory, batch-first as PyTorch's `batch_first=True` RNNs take them: `data` is
 * (N, T, C) float32, each series zero past its length, T the longest series (or a `padTo`).
 * `read` hands the loader each item's `lengths` (when they differ from T), which the loader
 * turns into `Batch.lengths`; labels and class names as `TensorDataset`'s (torchvision
 * ImageFolder's `classes`). The readers (`openSeries`) build it; so can code, from padded data.
 */
export class SeriesDataset extends TensorDataset {
  declare readonly data: Float32Array;
  declare readonly sampleShape: readonly [number, number];
  /** The steps of each series; null when every series has all T steps. */
  readonly lengths: Int32Array | null;
  readonly ids: readonly string[] | null;
  readonly channelNames: readonly string[] | null;
  readonly source: string | null;

  constructor(data: Float32Array, o: SeriesDatasetOptions) {
    if (!(data instanceof Float32Array)) throw new TypeError('SeriesDataset: data must be a Float32Array (N, T, C)');
    if (typeof o !== 'object' || o === null || !Array.isArray(o.shape) || o.shape.length !== 3) {
      throw new TypeError(`SeriesDataset: options.shape must be (N, T, C), got ${JSON.stringify(o?.shape)}`);
    }
    super(data, { shape: o.shape, labels: o.labels, classes: o.classes });
    const [n, t, c] = o.shape as [number, number, number];
    if (n > 0 && (t < 1 || c < 1)) throw new RangeError(`SeriesDataset: T and C must be at least 1, got shape [${o.shape.join(', ')}]`);
    this.lengths = o.lengths ? checkedLengths(data, o.lengths, n, t, c) : null;
    for (const [name, names, count] of [['ids', o.ids, n], ['channelNames', o.channelNames, c]] as const) {
      if (names && names.length !== count) throw new RangeError(`SeriesDataset: ${names.length} ${name} for ${count} ${name === 'ids' ? 'series' : 'channels'}`);
    }
    this.ids = o.ids ?? null;
    this.channelNames = o.channelNames ?? null;
    this.source = o.source ?? null;
  }

  /** The steps of series i. */
  lengthOf(i: number): number {
    return this.lengths ? this.lengths[i]! : this.sampleShape[0];
  }

  /** Series i without its padding, (length, C) row-major: a view of `data`, not a copy. */
  series(i: number): Float32Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`SeriesDataset.series: index ${i} is out of range for ${this.length} series`);
    const [t, c] = this.sampleShape;
    return this.data.subarray(i * t * c, (i * t + this.lengthOf(i)) * c);
  }

  /** Copies the series at `indices` (order kept), (n, T, C), with their lengths. */
  override read(indices: Int32Array): RawBatch {
    const raw = super.read(indices);
    return this.lengths ? { ...raw, lengths: Int32Array.from(indices, (i) => this.lengths![i]!) } : raw;
  }

  /** A dataset of the series at `indices` (copied), with their lengths, labels and ids. */
  override subset(indices: Int32Array | readonly number[]): SeriesDataset {
    const idx = indices instanceof Int32Array ? indices : Int32Array.from(indices);
    const raw = this.read(idx);
    return new SeriesDataset(raw.data as Float32Array, {
      shape: [idx.length, ...this.sampleShape], lengths: raw.lengths, labels: raw.labels, classes: this.classes,
      ids: this.ids ? Array.from(idx, (i) => this.ids![i]!) : null, channelNames: this.channelNames, source: this.source,
    });
  }
}

/** `lengths` checked (one per series, in [1, T], zeros past each), or null when all are T. */
function checkedLengths(data: Float32Array, lengths: Int32Array, n: number, t: number, c: number): Int32Array | null {
  if (!(lengths instanceof Int32Array)) throw new TypeError('SeriesDataset: lengths must be an Int32Array');
  if (lengths.length !== n) throw new RangeError(`SeriesDataset: ${lengths.length} lengths for ${n} series`);
  let full = true;
  for (let i = 0; i < n; i++) {
    const len = lengths[i]!;
    if (!(len >= 1 && len <= t)) throw new RangeError(`SeriesDataset: length ${len} of series ${i} is outside [1, ${t}]`);
    full &&= len === t;
    for (let k = (i * t + len) * c; k < (i + 1) * t * c; k++) {
      if (data[k] !== 0) throw new RangeError(`SeriesDataset: series ${i} is not zero past its length ${len} (step ${Math.floor(k / c) - i * t})`);
    }
  }
  return full ? null : lengths;
}
