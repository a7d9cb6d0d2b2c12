// Nearest-neighbour galleries: query images and their closest training images by cosine
// similarity of backbone features, the engine's exact search.
import { evenlySpaced } from '../data/index.js';
import { cosineTopK } from '../eval/index.js';
import { scope, type Tensor } from '../tensor/index.js';

/** One query's neighbours, best first. */
export interface NeighbourList {
  /** Row indices into the references. */
  indices: number[];
  /** Cosine similarities, descending. */
  similarities: number[];
}

/**
 * The `k` nearest references of each query by cosine similarity: `queries` (Nq, D) against
 * `references` (Nr, D). `exclude[i]`, when given and >= 0, is a reference that query i must not
 * get (itself, when the queries are drawn from the references). Tensors are freed before it returns.
 */
export function cosineNeighbours(queries: Tensor, references: Tensor, k: number, exclude?: readonly number[]): NeighbourList[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`cosineNeighbours: k must be a positive integer, got ${k}`);
  const nq = queries.shape[0]!;
  if (exclude && exclude.length !== nq) throw new RangeError(`cosineNeighbours: exclude has ${exclude.length} entries for ${nq} queries`);
  const extra = exclude?.some((e) => e >= 0) ? 1 : 0;
  const { sim, idx, kk } = scope(() => {
    const nb = cosineTopK(queries.to('float32'), references.to('float32'), { k: k + extra }); // (Nq, k')
    return { sim: nb.values.data() as Float32Array, idx: nb.indices.data() as BigInt64Array, kk: nb.values.shape[1]! };
  });
  return Array.from({ length: nq }, (_, i) => {
    const list: NeighbourList = { indices: [], similarities: [] };
    for (let j = 0; j < kk && list.indices.length < k; j++) {
      const ref = Number(idx[i * kk + j]!);
      if (ref === exclude?.[i]) continue;
      list.indices.push(ref);
      list.similarities.push(sim[i * kk + j]!);
    }
    return list;
  });
}

/**
 * Positions (into a subsample of `count` items whose labels are `labels`) of `n` gallery queries:
 * round-robin over the classes by class index (the first item of each class, then the second,
 * ...) when labelled, else `n` evenly spaced items.
 */
export function pickQueries(labels: readonly number[] | null, count: number, n: number): number[] {
  const want = Math.min(n, labels ? Math.min(count, labels.length) : count);
  if (!labels) return Array.from(evenlySpaced(count, want));
  const byClass = new Map<number, number[]>();
  labels.slice(0, count).forEach((y, i) => { (byClass.get(y) ?? byClass.set(y, []).get(y)!).push(i); });
  const classes = [...byClass.keys()].sort((a, b) => a - b).map((y) => byClass.get(y)!);
  const picks: number[] = [];
  for (let round = 0; picks.length < want; round++) {
    for (const items of classes) if (round < items.length && picks.length < want) picks.push(items[round]!);
  }
  return picks;
}
