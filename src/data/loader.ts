// The loader: batches of a dataset as tensors on the training device, the next batches read
// (decoded) while the current one trains, optionally augmented into views.
import { isViewTransform, type Augmentation, type ViewTransform } from '../augment/types.js';
import { keep, scope, tensor, type Device, type Tensor } from '../tensor/index.js';
import type { Dataset, RawBatch } from './dataset.js';
import { RandomBatches, type BatchSampler } from './samplers.js';

export interface LoaderOptions {
  /** Items per batch (ignored when `sampler` is given). */
  batchSize?: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Seed of the order: epoch e's order depends on (seed, e) only. Default 0. */
  seed?: number;
  /** Drop the last, smaller batch (default false). */
  dropLast?: boolean;
  /** Batches from a sampler (e.g. `MPerClassSampler`) instead of shuffled batches. */
  sampler?: BatchSampler;
  /** Where the batch tensors live; default 'cpu'. */
  device?: Device;
  /** Augments each batch on `device` into `views` (one Augmentation gives one view). */
  transform?: Augmentation | ViewTransform;
  /** Batches read ahead of the one being trained on; default 2; 0 reads on demand. */
  prefetch?: number;
}

/**
 * One batch. The loader owns its tensors: they stay valid until the next batch is requested
 * (the loop's next iteration) or the loop ends (also by `break` or a throw), then the loader
 * disposes them. To keep one longer, `keep(batch.x.clone())` (and dispose it yourself).
 */
export interface Batch {
  /** The items (B, ...sampleShape), float32 on the device; uint8 data are divided by 255 (images in [0, 1]). */
  x: Tensor;
  /** Labels (B) int64, or null for unlabelled data. */
  y: Tensor | null;
  /**
   * Sequences (x (B, T, C)): the steps of each item, (B) int64 on the device, x zero past each
   * item's end; null when the dataset gives no lengths (every item has all T steps).
   */
  lengths: Tensor | null;
  /** The dataset index of each item. */
  indices: Int32Array;
  /** The augmented views of `x` (empty without a `transform`). */
  views: Tensor[];
  epoch: number;
  /** The batch's position in its epoch. */
  step: number;
}

/**
 * Iterates a dataset in batches, as tensors on the training device (PyTorch's `DataLoader`,
 * without worker processes: decoding is asynchronous in the dataset, and augmentation runs on
 * whole batches on the device). `for await (const b of loader)` runs one epoch (the next one
 * each time); `loader.epoch(e)` runs epoch e. Deterministic: the order depends only on
 * (seed, epoch); augmentations draw from the engine's generator, so `manualSeed(s)` before the
 * loop repeats them exactly.
 *
 * Prefetch: when batch k is handed out, the reads of batches k+1..k+prefetch have started; an
 * asynchronous dataset (ImageFolder with `lazy`) decodes them on libuv's threads while batch k
 * trains. No tensor is created ahead: only the raw bytes are, so prefetch never holds tensors.
 */
export class Loader implements AsyncIterable<Batch> {
  readonly dataset: Dataset;
  readonly sampler: BatchSampler;
  readonly device: Device;
  readonly transform: Augmentation | ViewTransform | null;
  readonly prefetch: number;
  #nextEpoch = 0;

  constructor(dataset: Dataset, o: LoaderOptions = {}) {
    if (!dataset || typeof dataset.read !== 'function' || !Number.isInteger(dataset.length)) throw new TypeError('Loader: dataset must implement Dataset (length, sampleShape, read)');
    if (typeof o !== 'object' || o === null) throw new TypeError('Loader: options must be an object');
    this.dataset = dataset;
    if (o.sampler) {
      if (typeof o.sampler.batches !== 'function') throw new TypeError('Loader: sampler must implement BatchSampler');
      this.sampler = o.sampler;
    } else {
      if (o.batchSize === undefined) throw new TypeError('Loader: batchSize is required (or give a sampler)');
      this.sampler = new RandomBatches({ n: dataset.length, batchSize: o.batchSize, shuffle: o.shuffle ?? true, seed: o.seed ?? 0, dropLast: o.dropLast ?? false });
    }
    this.device = o.device ?? 'cpu';
    this.transform = o.transform ?? null;
    this.prefetch = o.prefetch ?? 2;
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0) throw new RangeError(`Loader: prefetch must be a non-negative integer, got ${String(o.prefetch)}`);
  }

  /** Batches per epoch. */
  get length(): number {
    return this.sampler.length;
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this.epoch(this.#nextEpoch++);
  }

  /** Iterates epoch `e` (its order is a function of the seed and e). */
  async *epoch(e: number): AsyncGenerator<Batch, void, undefined> {
    if (!Number.isInteger(e) || e < 0) throw new RangeError(`Loader.epoch: e must be a non-negative integer, got ${e}`);
    const batches = this.sampler.batches(e);
    const pending: Promise<RawBatch>[] = [];
    let next = 0;
    const fill = (ahead: number): void => {
      while (pending.length < ahead && next < batches.length) {
        const indices = batches[next++]!;
        const p = Promise.resolve().then(() => this.dataset.read(indices));
        p.catch(() => undefined); // awaited in order below; this only silences "unhandled" for batches not reached
        pending.push(p);
      }
    };
    let current: Batch | null = null;
    try {
      for (let step = 0; step < batches.length; step++) {
        fill(1);
        const raw = await pending.shift()!;
        fill(this.prefetch); // the following reads start now, and run while this batch trains
        if (raw.indices.length === 0) continue; // every file of the batch was unreadable
        current = this.#toBatch(raw, e, step);
        yield current;
        disposeBatch(current);
        current = null;
      }
    } finally {
      if (current) disposeBatch(current);
    }
  }

  #toBatch(raw: RawBatch, epoch: number, step: number): Batch {
    const n = raw.indices.length;
    const shape = [n, ...this.dataset.sampleShape];
    if (raw.lengths) checkLengths(raw.lengths, n, this.dataset.sampleShape);
    const made = scope(() => {
      const host = tensor(raw.data, { shape }); // (B, ...) uint8 or float32, on the CPU
      const x = raw.data instanceof Uint8Array
        ? host.to({ device: this.device, dtype: 'float32' }).div_(255) // the uint8 bytes cross to the device, 4x fewer than floats
        : host.to({ device: this.device });
      const y = raw.labels ? tensor(raw.labels, { device: this.device }).to('int64') : null; // (B,)
      const lengths = raw.lengths ? tensor(raw.lengths, { device: this.device }).to('int64') : null; // (B,)
      const views = this.transform === null ? [] : isViewTransform(this.transform) ? this.transform.views(x, lengths) : [this.transform.apply(x, lengths)];
      return { x, y, lengths, views };
    });
    keep(made.x);
    if (made.y) keep(made.y);
    if (made.lengths) keep(made.lengths);
    made.views.forEach((v) => keep(v));
    return { ...made, indices: raw.indices, epoch, step };
  }
}

/** A dataset's lengths for a batch of n sequences (T, C): one per item, each in [1, T]. */
function checkLengths(lengths: Int32Array, n: number, sampleShape: readonly number[]): void {
  if (sampleShape.length !== 2) throw new TypeError(`Loader: the dataset gave lengths, but its sampleShape [${sampleShape.join(', ')}] is not a sequence's (T, C)`);
  if (lengths.length !== n) throw new RangeError(`Loader: the dataset gave ${lengths.length} lengths for ${n} items`);
  const t = sampleShape[0]!;
  for (let i = 0; i < n; i++) {
    if (!(lengths[i]! >= 1 && lengths[i]! <= t)) throw new RangeError(`Loader: length ${lengths[i]} of batch item ${i} is outside [1, ${t}]`);
  }
}

function disposeBatch(b: Batch): void {
  b.x.dispose();
  b.y?.dispose();
  b.lengths?.dispose();
  for (const v of b.views) v.dispose();
}
