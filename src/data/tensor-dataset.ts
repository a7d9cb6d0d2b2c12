// TensorDataset: any in-memory data (images or vectors) with optional labels.
import { Tensor } from '../tensor/index.js';
import { checkIndices, type Dataset, type RawBatch } from './dataset.js';

type NumberRows = readonly (number | NumberRows)[];

export interface TensorDatasetOptions {
  /** Shape of the whole array (n, ...sampleShape); required for flat typed arrays. */
  shape?: readonly number[];
  /** One integer class per item. */
  labels?: Int32Array | readonly number[] | null;
  /** Class names (label i is classes[i]); default '0', '1', ... up to the largest label. */
  classes?: readonly string[];
}

function shapeOfNested(x: NumberRows): number[] {
  const shape: number[] = [];
  let d: unknown = x;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0];
  }
  return shape;
}

/**
 * A dataset held in memory (PyTorch's `TensorDataset`): a Uint8Array (images 0-255, scaled to
 * [0, 1] by the loader) or a Float32Array, or nested number arrays, or a Tensor, of shape
 * (n, ...sampleShape), with optional labels. `read` copies the requested items.
 */
export class TensorDataset implements Dataset {
  readonly data: Uint8Array | Float32Array;
  readonly length: number;
  readonly sampleShape: readonly number[];
  readonly labels: Int32Array | null;
  readonly classes: readonly string[];
  readonly #itemSize: number;

  constructor(x: Uint8Array | Float32Array | NumberRows | Tensor, o: TensorDatasetOptions = {}) {
    if (typeof o !== 'object' || o === null) throw new TypeError('TensorDataset: options must be an object');
    let data: Uint8Array | Float32Array;
    let shape: readonly number[];
    if (x instanceof Tensor) {
      shape = x.shape;
      data = x.dtype === 'uint8' ? (x.data() as Uint8Array) : Float32Array.from(x.data() as ArrayLike<number | bigint>, Number);
    } else if (x instanceof Uint8Array || x instanceof Float32Array) {
      if (!o.shape) throw new TypeError('TensorDataset: a typed array needs options.shape, (n, ...sampleShape)');
      shape = o.shape;
      data = x;
    } else if (Array.isArray(x)) {
      shape = shapeOfNested(x);
      const flat = (x as unknown[]).flat(Infinity) as unknown[];
      if (flat.some((v) => typeof v !== 'number')) throw new TypeError('TensorDataset: nested arrays must hold numbers only');
      data = Float32Array.from(flat as number[]);
      if (o.shape && o.shape.join() !== shape.join()) throw new TypeError(`TensorDataset: options.shape [${o.shape.join(', ')}] differs from the data's [${shape.join(', ')}]`);
    } else {
      throw new TypeError('TensorDataset: data must be a Uint8Array, a Float32Array, nested number arrays or a Tensor');
    }
    if (!Array.isArray(shape) || shape.length < 1 || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new TypeError(`TensorDataset: shape must be (n, ...sampleShape) of non-negative integers, got [${String(shape)}]`);
    }
    const n = shape[0]!;
    const total = shape.reduce((a, b) => a * b, 1);
    if (total !== data.length) throw new RangeError(`TensorDataset: shape [${shape.join(', ')}] needs ${total} values, the data has ${data.length} (ragged rows?)`);
    this.data = data;
    this.length = n;
    this.sampleShape = shape.slice(1);
    this.#itemSize = n === 0 ? 0 : total / n;
    if (o.labels != null) {
      const labels = o.labels instanceof Int32Array ? o.labels : Int32Array.from(o.labels as readonly number[]);
      if (labels.length !== n) throw new RangeError(`TensorDataset: ${labels.length} labels for ${n} items`);
      for (let i = 0; i < n; i++) {
        const v = (o.labels as ArrayLike<number>)[i]!;
        if (!Number.isInteger(v) || v < 0) throw new RangeError(`TensorDataset: label ${i} must be a non-negative integer, got ${v}`);
      }
      this.labels = labels;
      const max = labels.reduce((a, b) => Math.max(a, b), -1);
      this.classes = o.classes ?? Array.from({ length: max + 1 }, (_, i) => String(i));
      if (this.classes.length <= max) throw new RangeError(`TensorDataset: ${this.classes.length} class names for labels up to ${max}`);
    } else {
      this.labels = null;
      this.classes = o.classes ?? [];
    }
  }

  /** Copies the items at `indices` (order kept). */
  read(indices: Int32Array): RawBatch {
    checkIndices('TensorDataset', indices, this.length);
    const s = this.#itemSize;
    const out = this.data instanceof Uint8Array ? new Uint8Array(indices.length * s) : new Float32Array(indices.length * s);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      out.set(this.data.subarray(i * s, (i + 1) * s), k * s);
    }
    return { data: out, labels: this.labels ? Int32Array.from(indices, (i) => this.labels![i]!) : null, indices: Int32Array.from(indices) };
  }

  /** A dataset of the items at `indices` (copied). */
  subset(indices: Int32Array | readonly number[]): TensorDataset {
    const idx = indices instanceof Int32Array ? indices : Int32Array.from(indices);
    const raw = this.read(idx);
    return new TensorDataset(raw.data, { shape: [idx.length, ...this.sampleShape], labels: raw.labels, classes: this.classes });
  }
}
