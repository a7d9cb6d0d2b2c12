// Views of a dataset: some of its items, re-indexed from 0, without copying them.
import type { Dataset } from './dataset.js';

/**
 * `n` indices spread evenly over [0, length) (all of them when n >= length): index i is
 * floor(i * length / n), so a dataset stored class by class keeps every class.
 */
export function evenlySpaced(length: number, n: number): Int32Array {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`evenlySpaced: length must be a non-negative integer, got ${length}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`evenlySpaced: n must be a non-negative integer, got ${n}`);
  if (n >= length) return Int32Array.from({ length }, (_, i) => i);
  return Int32Array.from({ length: n }, (_, i) => Math.floor((i * length) / n));
}

/**
 * The items `indices` of `ds` (distinct, each in [0, ds.length)) as a dataset of their own
 * (PyTorch's `torch.utils.data.Subset`): item j is `ds` item indices[j], with its label and its
 * length (sequences); reads report positions in the subset, as the loader asks for them (an
 * unreadable item stays left out).
 */
export function subset(ds: Dataset, indices: Int32Array): Dataset {
  const position = new Map<number, number>();
  indices.forEach((v, j) => {
    if (!Number.isInteger(v) || v < 0 || v >= ds.length) throw new RangeError(`subset: index ${v} is out of range for ${ds.length} items`);
    if (position.has(v)) throw new RangeError(`subset: index ${v} is given twice`);
    position.set(v, j);
  });
  return {
    length: indices.length,
    sampleShape: ds.sampleShape,
    labels: ds.labels ? Int32Array.from(indices, (i) => ds.labels![i]!) : null,
    classes: ds.classes,
    lengths: ds.lengths ? Int32Array.from(indices, (i) => ds.lengths![i]!) : null,
    read: async (positions) => {
      const raw = await ds.read(Int32Array.from(positions, (j) => indices[j]!));
      return { ...raw, indices: Int32Array.from(raw.indices, (i) => position.get(i)!) };
    },
  };
}

/** Items [start, start + length) of `ds`, as a dataset. */
export function subsetRange(ds: Dataset, start: number, length: number): Dataset {
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > ds.length) {
    throw new RangeError(`subsetRange: [${start}, ${start + length}) is out of range for ${ds.length} items`);
  }
  return subset(ds, Int32Array.from({ length }, (_, i) => start + i));
}

/** `n` items spread evenly over `ds` (`evenlySpaced`); `ds` itself when n is 0 (a limit of none) or covers it. */
export function evenSubset(ds: Dataset, n: number): Dataset {
  return n === 0 || n >= ds.length ? ds : subset(ds, evenlySpaced(ds.length, n));
}
