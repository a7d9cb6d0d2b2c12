// What the loader needs from a dataset.

/** Items as a dataset hands them to the loader, before they become tensors. */
export interface RawBatch {
  /** The items, row-major (n, ...sampleShape): uint8 (images, 0-255; the loader divides by 255) or float32. */
  data: Uint8Array | Float32Array;
  /** The class of each item, or null when the dataset is unlabelled. */
  labels: Int32Array | null;
  /** The dataset indices of the items returned, in order (an unreadable file is left out). */
  indices: Int32Array;
  /**
   * Sequences only: the steps of each item returned, in [1, T] (T = sampleShape[0]); the steps
   * past an item's length are zeros. Absent or null: every item has all T steps.
   */
  lengths?: Int32Array | null;
}

/**
 * A finite, indexable collection of same-shaped items (images (C, H, W), sequences (T, C) or
 * vectors (D)), with optional integer labels. `read` may be asynchronous (decoding files): the
 * loader calls it for the next batches while the current one trains.
 */
export interface Dataset {
  /** Number of items. */
  readonly length: number;
  /** Shape of one item, e.g. [1, 28, 28] (C, H, W) or [140, 3] (T, C); `inputKind` names it. */
  readonly sampleShape: readonly number[];
  /** The class of each item (samplers use it), or null when unlabelled. */
  readonly labels: Int32Array | null;
  /** Class names, label i is `classes[i]`; empty when unlabelled. */
  readonly classes: readonly string[];
  /** Sequences of unequal length: the steps of each item (as `RawBatch.lengths`); absent or null when all are full. */
  readonly lengths?: Int32Array | null;
  /** Multi-band images: each band's name when the files declare them (a GeoTIFF's band descriptions); absent or null otherwise. */
  readonly bandNames?: readonly string[] | null;
  /** Reads the items at `indices` (each in [0, length)). */
  read(indices: Int32Array): RawBatch | Promise<RawBatch>;
}

/** What a dataset's items are, by the dims of its `sampleShape`. */
export type InputKind = 'image' | 'sequence' | 'vector';

/**
 * Which kind of input `sampleShape` describes: 3 dims (C, H, W) an image, 2 dims (T, C) a
 * sequence (batch-first, as PyTorch's `batch_first=True` RNNs take it), 1 dim (D) a vector.
 */
export function inputKind(sampleShape: readonly number[]): InputKind {
  switch (sampleShape.length) {
    case 3: return 'image';
    case 2: return 'sequence';
    case 1: return 'vector';
    default: throw new RangeError(`inputKind: sampleShape must have 1 (D), 2 (T, C) or 3 (C, H, W) dims, got [${sampleShape.join(', ')}]`);
  }
}

/** Checks batch indices against a dataset length, naming the dataset. */
export function checkIndices(name: string, indices: Int32Array, length: number): void {
  if (!(indices instanceof Int32Array)) throw new TypeError(`${name}.read: indices must be an Int32Array`);
  for (const i of indices) {
    if (i < 0 || i >= length) throw new RangeError(`${name}.read: index ${i} is out of range for ${length} items`);
  }
}
