// Index tuples: which pairs and triplets of a batch a loss sees. The shapes and conventions are
// pytorch-metric-learning's (utils/loss_and_miner_utils.py): a triplet tuple is (a, p, n), a pair
// tuple is (a1, p, a2, n), each entry a 1-d int64 tensor of batch indices.
import { arange, cat, eye, full, ones, scope, type Tensor, tensor, zeros } from '../tensor/index.js';

/** Anchor, positive and negative indices of T triplets: three int64 tensors of length T. */
export type TripletIndices = readonly [a: Tensor, p: Tensor, n: Tensor];

/** Positive pairs (a1[k], p[k]) and negative pairs (a2[k], n[k]): four int64 tensors. */
export type PairIndices = readonly [a1: Tensor, p: Tensor, a2: Tensor, n: Tensor];

/** What miners return and label-based losses accept: triplets or pairs. */
export type IndicesTuple = TripletIndices | PairIndices;

/** True when the tuple holds triplets (three tensors). */
export function isTriplets(t: IndicesTuple): t is TripletIndices {
  return t.length === 3;
}

/**
 * `matches[i][j]`: same label and i != j; `diffs[i][j]`: different labels. Both bool (N, N).
 * As PML's `get_matches_and_diffs`.
 */
export function matchesAndDiffs(labels: Tensor): { matches: Tensor; diffs: Tensor } {
  return scope(() => {
    const n = labels.shape[0]!;
    const same = labels.unsqueeze(1).eq(labels.unsqueeze(0)); // (N, N)
    const offDiagonal = eye(n, undefined, { dtype: 'bool', device: labels.device }).logicalNot();
    return { matches: same.logicalAnd(offDiagonal), diffs: same.logicalNot() };
  });
}

/** The columns of `nonzero(mask)`: one int64 index tensor per dimension, in row-major order. */
export function whereIndices(mask: Tensor): Tensor[] {
  return scope(() => {
    const nz = mask.nonzero(); // (K, ndim)
    return Array.from({ length: mask.ndim }, (_, d) => nz.select(1, d).contiguous());
  });
}

/** The entries of each 1-d tensor of `tuple` at the positions where the 1-d `mask` holds. */
export function selectWhere<T extends readonly Tensor[]>(mask: Tensor, tuple: T): { -readonly [K in keyof T]: Tensor } {
  return scope(() => {
    const [k] = whereIndices(mask); // (K)
    return tuple.map((t) => t.indexSelect(0, k!)) as { -readonly [K in keyof T]: Tensor };
  });
}

/** Every positive pair (same label, i != j) and every negative pair, as PML's `get_all_pairs_indices`. */
export function allPairs(labels: Tensor): PairIndices {
  return scope(() => {
    const { matches, diffs } = matchesAndDiffs(labels);
    const [a1, p] = whereIndices(matches);
    const [a2, n] = whereIndices(diffs);
    return [a1!, p!, a2!, n!] as const;
  });
}

/**
 * Every valid triplet (y_a = y_p, a != p, y_n != y_a) in row-major (a, p, n) order, as PML's
 * `get_all_triplets_indices`. Holds an (N, N, N) mask while it runs.
 */
export function allTriplets(labels: Tensor): TripletIndices {
  return scope(() => {
    const { matches, diffs } = matchesAndDiffs(labels);
    const valid = matches.unsqueeze(2).logicalAnd(diffs.unsqueeze(1)); // (N, N, N)
    const [a, p, n] = whereIndices(valid);
    return [a!, p!, n!] as const;
  });
}

/** Pairs from any tuple: all pairs when none is given, (a, p, a, n) from triplets (PML `convert_to_pairs`). */
export function toPairs(tuple: IndicesTuple | undefined, labels: Tensor): PairIndices {
  if (tuple === undefined) return allPairs(labels);
  if (isTriplets(tuple)) return [tuple[0], tuple[1], tuple[0], tuple[2]];
  return tuple;
}

/**
 * Triplets from any tuple: all valid triplets when none is given; from pairs, every positive pair
 * joined with every negative pair of the same anchor (PML `convert_to_triplets`).
 */
export function toTriplets(tuple: IndicesTuple | undefined, labels: Tensor): TripletIndices {
  if (tuple === undefined) return allTriplets(labels);
  if (isTriplets(tuple)) return tuple;
  const [a1, p, a2, n] = tuple;
  return scope(() => {
    const [pi, ni] = whereIndices(a1.unsqueeze(1).eq(a2.unsqueeze(0))); // positions sharing an anchor
    return [a1.indexSelect(0, pi!), p.indexSelect(0, pi!), n.indexSelect(0, ni!)] as const;
  });
}

/**
 * One positive pair per label: for each label (ascending) the first pair, in tuple order, whose
 * anchor has that label. As PML's `convert_to_pos_pairs_with_unique_labels` (used by N-pairs).
 */
export function posPairsWithUniqueLabels(tuple: IndicesTuple | undefined, labels: Tensor): [Tensor, Tensor] {
  return scope(() => {
    const [a, p] = toPairs(tuple, labels);
    const anchorLabels = numbers(labels.indexSelect(0, a));
    const first = new Map<number, number>();
    anchorLabels.forEach((l, k) => {
      if (!first.has(l)) first.set(l, k);
    });
    const keep = [...first.entries()].sort((x, y) => x[0] - y[0]).map(([, k]) => k);
    const idx = tensor(keep, { dtype: 'int64', device: a.device });
    return [a.indexSelect(0, idx), p.indexSelect(0, idx)];
  });
}

/** A 1-d tensor's values as JS numbers. */
export function numbers(t: Tensor): number[] {
  return Array.from(t.data() as ArrayLike<number | bigint>, (v) => Number(v));
}

/** mat[rows[k], cols[k]] for each k: a 1-d tensor (advanced indexing, differentiable). */
export function gather2d(mat: Tensor, rows: Tensor, cols: Tensor): Tensor {
  return mat.index([rows, cols]);
}

/** An (N, M) 0/1 mask of `mat`'s dtype with ones at (rows[k], cols[k]). */
export function pairMask(like: Tensor, rows: Tensor, cols: Tensor): Tensor {
  return scope(() => {
    const one = full([], 1, { dtype: like.dtype, device: like.device });
    return zeros(like.shape, { dtype: like.dtype, device: like.device }).indexPut([rows, cols], one);
  });
}

/** Bool (N, N) masks of `like`'s shape: the positive pairs (a1, p) and the negative pairs (a2, n) of `pairs`. */
export function pairMasks(like: Tensor, pairs: PairIndices): [pos: Tensor, neg: Tensor] {
  return scope(() => [pairMask(like, pairs[0], pairs[1]).gt(0), pairMask(like, pairs[2], pairs[3]).gt(0)]);
}

/**
 * Throws unless `tuple` is 3 or 4 int64 1-d tensors, with matching lengths (a/p/n, a1/p, a2/n),
 * on `device`, indexing rows of a batch of `n`.
 */
export function checkIndicesTuple(who: string, tuple: unknown, n: number, device: string): asserts tuple is IndicesTuple {
  if (!Array.isArray(tuple) || (tuple.length !== 3 && tuple.length !== 4)) {
    throw new TypeError(`${who}: indicesTuple must be [a, p, n] (triplets) or [a1, p, a2, n] (pairs)`);
  }
  const names = tuple.length === 3 ? ['a', 'p', 'n'] : ['a1', 'p', 'a2', 'n'];
  tuple.forEach((t: unknown, i) => {
    if (typeof t !== 'object' || t === null || !('dtype' in t)) throw new TypeError(`${who}: indicesTuple ${names[i]} must be a Tensor`);
    const x = t as Tensor;
    if (x.dtype !== 'int64') throw new TypeError(`${who}: indicesTuple ${names[i]} must be int64, got ${x.dtype}`);
    if (x.ndim !== 1) throw new RangeError(`${who}: indicesTuple ${names[i]} must be 1-d, got shape [${x.shape.join(', ')}]`);
    if (x.device !== device) throw new RangeError(`${who}: indicesTuple ${names[i]} is on ${x.device}, embeddings on ${device}`);
    if (x.shape[0]! > 0) {
      const [lo, hi] = scope(() => [x.min().item(), x.max().item()]);
      if (lo! < 0 || hi! >= n) throw new RangeError(`${who}: indicesTuple ${names[i]} holds indices outside [0, ${n - 1}]`);
    }
  });
  const len = (i: number): number => (tuple[i] as Tensor).shape[0]!;
  const ok = tuple.length === 3 ? len(0) === len(1) && len(1) === len(2) : len(0) === len(1) && len(2) === len(3);
  if (!ok) throw new RangeError(`${who}: indicesTuple entries have mismatched lengths (${tuple.map((_, i) => len(i)).join(', ')})`);
}

/** 0..N-1 (int64) on the device of `like` (N, ...): the row of each per-sample loss (PML `c_f.torch_arange_from_size`). */
export function rowIndices(like: Tensor): Tensor {
  return arange(like.shape[0]!, undefined, 1, { dtype: 'int64', device: like.device });
}

/** PML's GenericPairLoss test: a tuple with at most one index in each entry gives a zero loss. */
export function tooFewPairs(pairs: PairIndices): boolean {
  return pairs.every((t) => t.shape[0]! <= 1);
}

/** The tuples of `cols` (1-d int64 columns of equal length, entries < r), each once, in row-major order. */
export function uniqueTuples(cols: readonly Tensor[], r: number): Tensor[] {
  const k = cols[0]!.shape[0]!;
  if (k <= 1) return [...cols];
  return scope(() => {
    let key = cols[0]!;
    for (const c of cols.slice(1)) key = key.mul(r).add(c); // (K) one number per tuple
    const { values, indices } = key.sort(0, false, true); // (K)
    const first = cat([full([1], true, { dtype: 'bool', device: key.device }), values.narrow(0, 1, k - 1).ne(values.narrow(0, 0, k - 1))]); // (K)
    const [keep] = whereIndices(first);
    const at = indices.indexSelect(0, keep!);
    return cols.map((c) => c.indexSelect(0, at));
  });
}

/**
 * How much each of the N rows of `like` (N, ...) counts in an index tuple, as PML's
 * `convert_to_weights`: its count in the tuple over the largest count (0 when absent); all ones
 * without a tuple or with an empty one. (N), in `like`'s dtype.
 */
export function tupleWeights(tuple: IndicesTuple | undefined, like: Tensor): Tensor {
  const n = like.shape[0]!;
  const o = { dtype: like.dtype, device: like.device };
  if (tuple === undefined || tuple.every((t) => t.shape[0] === 0)) return ones([n], o);
  return scope(() => {
    const counts = cat([...tuple]).bincount(null, n).to(like.dtype); // (N)
    return counts.div(counts.max());
  });
}
