// The report's 2-D map of embeddings: UMAP (McInnes et al. 2018) through umap-js, on a k-nearest-
// neighbour graph the engine computes (exact cosine search), seeded so a report repeats exactly.
import { UMAP } from 'umap-js';
import { nearestNeighbours } from '../eval/index.js';
import { F, scope, type Tensor } from '../tensor/index.js';

/** Options of `umapLayout`. */
export interface UmapOptions {
  /** Seed of the layout's random numbers (default 0): the same seed and features give the same map. */
  seed?: number;
  /** Neighbours of the graph (default 15, umap-learn's), clamped to n - 1. */
  nNeighbors?: number;
  /** Minimum distance between embedded points (default 0.1, umap-learn's). */
  minDist?: number;
  /** Optimisation epochs (default: umap-js's, 500 below 10,000 points). */
  nEpochs?: number;
}

/** Fewest points a map is drawn for (UMAP needs more points than neighbours). */
export const UMAP_MIN_POINTS = 4;

/** Mulberry32: a small, fast 32-bit PRNG returning floats in [0, 1), the `random` umap-js takes. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 2-D UMAP coordinates, one [x, y] per row of `features` (N, D). The neighbour graph is the exact
 * top-k by cosine similarity (the engine's chunked search, each point its own first neighbour, as
 * umap-learn), handed to umap-js with cosine distances 1 - s; the layout draws from a seeded
 * PRNG. Throws a RangeError below UMAP_MIN_POINTS rows. Tensors are freed before it returns.
 */
export function umapLayout(features: Tensor, o: UmapOptions = {}): [number, number][] {
  const n = features.shape[0]!;
  if (features.shape.length !== 2) throw new RangeError(`umapLayout: features must be (N, D), got [${features.shape.join(', ')}]`);
  if (n < UMAP_MIN_POINTS) throw new RangeError(`umapLayout: needs at least ${UMAP_MIN_POINTS} points, got ${n}`);
  const k = Math.min(o.nNeighbors ?? 15, n - 1);
  const { vectors, knnIndices, knnDistances } = scope(() => {
    const z = F.normalize(features.to({ dtype: 'float32', device: 'cpu' })); // (N, D) unit rows
    const nb = nearestNeighbours(z, z, { k }); // (N, k), self first
    const sim = nb.values.data() as Float32Array;
    const idx = nb.indices.data() as BigInt64Array;
    const zs = z.data() as Float32Array;
    const d = z.shape[1]!;
    return {
      vectors: Array.from({ length: n }, (_, i) => Array.from(zs.subarray(i * d, (i + 1) * d))),
      knnIndices: Array.from({ length: n }, (_, i) => Array.from(idx.subarray(i * k, (i + 1) * k), Number)),
      knnDistances: Array.from({ length: n }, (_, i) => Array.from(sim.subarray(i * k, (i + 1) * k), (s) => Math.max(0, 1 - s))),
    };
  });
  const umap = new UMAP({
    nComponents: 2, nNeighbors: k, minDist: o.minDist ?? 0.1, random: mulberry32(o.seed ?? 0),
    ...(o.nEpochs === undefined ? {} : { nEpochs: o.nEpochs }),
  });
  umap.setPrecomputedKNN(knnIndices, knnDistances);
  return umap.fit(vectors).map((p) => [p[0]!, p[1]!]);
}
