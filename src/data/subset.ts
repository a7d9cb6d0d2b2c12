// Views of a dataset: some of its items, re-indexed from 0, without copying them.
import { Rng } from './rng.js';
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
 * length (sequences) and its dataset's band names; reads report positions in the subset, as the loader asks for them (an
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
    bandNames: ds.bandNames ?? null,
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

/** How many labels a few-label subset keeps: a fraction of each class, or a count per class. */
export type LabelBudget = { fraction: number; perClass?: undefined } | { perClass: number; fraction?: undefined };

/**
 * A class-balanced, seeded choice of labelled items (the semi-supervised protocol of SimCLR,
 * Chen et al. 2020, Sec. 6 / appendix B.5: "1% or 10% of the labeled ImageNet ... in a class-balanced
 * way"): from each class c of `labels`, `round(fraction x count_c)` items (at least one), or
 * `perClass` items (all of a class that has fewer), drawn without replacement by `Rng(seed)`.
 * Returns their indices, ascending. The same (labels, budget, seed) always gives the same items,
 * and a larger fraction with the same seed keeps every item of a smaller one (each class's
 * items are taken from the front of one seeded order).
 */
export function balancedIndices(labels: Int32Array, budget: LabelBudget, seed: number): Int32Array {
  const { fraction, perClass } = budget;
  if (fraction !== undefined && perClass !== undefined) throw new TypeError('balancedIndices: give fraction or perClass, not both');
  if (fraction !== undefined && !(fraction > 0 && fraction <= 1)) throw new RangeError(`balancedIndices: fraction must be in (0, 1], got ${fraction}`);
  if (perClass !== undefined && !(Number.isInteger(perClass) && perClass >= 1)) throw new RangeError(`balancedIndices: perClass must be a positive integer, got ${perClass}`);
  if (fraction === undefined && perClass === undefined) throw new TypeError('balancedIndices: give fraction or perClass');
  const byClass = new Map<number, number[]>();
  labels.forEach((c, i) => {
    if (c < 0) throw new RangeError(`balancedIndices: labels must be class indices >= 0, got ${c} at ${i}`);
    (byClass.get(c) ?? byClass.set(c, []).get(c)!).push(i);
  });
  const picked: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const items = Int32Array.from(byClass.get(c)!);
    new Rng(seed, c).shuffle(items); // one order per class, whatever the other classes hold
    const k = perClass ?? Math.max(1, Math.round(fraction! * items.length));
    picked.push(...items.subarray(0, Math.min(k, items.length)));
  }
  return Int32Array.from(picked).sort();
}

/** The budget of a `fraction` or a `perClass` count (null or undefined: not given); null when neither is given (all the labels), an error when both are. */
export function labelBudget(o: { fraction?: number | null; perClass?: number | null }): LabelBudget | null {
  const fraction = o.fraction ?? undefined;
  const perClass = o.perClass ?? undefined;
  if (fraction !== undefined && perClass !== undefined) throw new TypeError('labelBudget: give fraction or perClass, not both');
  if (perClass !== undefined) return { perClass };
  return fraction !== undefined ? { fraction } : null;
}

/** The labelled subset of `ds` that `balancedIndices` picks; an error naming the dataset when it has no labels. */
export function labelledSubset(ds: Dataset, budget: LabelBudget, seed: number, what = 'the training data'): Dataset {
  if (!ds.labels) throw new TypeError(`${what} has no labels: a labelled subset needs class labels (a folder of class folders, or a built-in dataset)`);
  return subset(ds, balancedIndices(ds.labels, budget, seed));
}
