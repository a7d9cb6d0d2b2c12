// Exact nearest-neighbour search in bounded memory: chunks of queries against chunks of
// references, with a running top-k, every chunk inside a scope.
import { cat, F, noGrad, scope, type Tensor } from '../tensor/index.js';
import { checkCompatible, checkEmbeddings, checkInteger, checkOptions } from './validate.js';

/**
 * How references are ranked: 'dot' by the dot product, larger first (the cosine similarity on
 * L2-normalised rows); 'euclidean' by the squared Euclidean distance, smaller first (what
 * faiss's `IndexFlatL2` returns, the default of pytorch-metric-learning's `AccuracyCalculator`).
 */
export type SearchMetric = 'dot' | 'euclidean';

/** How the search is cut into blocks: at most queryChunk x referenceChunk scores exist at once. */
export interface ChunkOptions {
  /** Queries per block (default 1024). */
  queryChunk?: number;
  /** References per block (default 8192). */
  referenceChunk?: number;
}

export interface SearchOptions extends ChunkOptions {
  /** Neighbours per query; clamped to the number of candidates (as solo-learn's `min(k, N)`). */
  k: number;
  /** Default 'dot'. */
  metric?: SearchMetric;
  /**
   * Query i is reference i (the queries are the first rows of the references): it is never its
   * own neighbour (pytorch-metric-learning's `ref_includes_query`).
   */
  excludeSelf?: boolean;
}

/** Neighbours of each query, best first. */
export interface Neighbours {
  /** (Nq, k') dot products (descending) or squared Euclidean distances (ascending). */
  values: Tensor;
  /** (Nq, k') int64 row indices into the references. */
  indices: Tensor;
}

export const DEFAULT_QUERY_CHUNK = 1024;
export const DEFAULT_REFERENCE_CHUNK = 8192;

/** Below this many multiply-adds a convolution's set-up costs more than `mm` saves (measured). */
const CONV_MIN_WORK = 1 << 16;

/**
 * a b^T for (Na, D) and (Nb, D): (Na, Nb). On the CPU in float32 (and past 2^16 multiply-adds)
 * it runs as a 1x1 convolution, which libtorch hands to oneDNN: Debian's libtorch computes `mm`
 * with the reference BLAS, 10x slower on these machines (measured: 1024 x 8192 x 128 takes 640 ms
 * with `mm`, 52 ms as a convolution). Elsewhere (CUDA, float64, small blocks) it is `mm`.
 */
export function dotProducts(a: Tensor, b: Tensor): Tensor {
  const [na, d] = a.shape as [number, number];
  const nb = b.shape[0]!;
  if (a.device === 'cpu' && a.dtype === 'float32' && b.dtype === 'float32' && na * nb * d >= CONV_MIN_WORK) {
    return scope(() => F.conv2d(a.contiguous().view([na, d, 1, 1]), b.contiguous().view([nb, d, 1, 1])).view([na, nb]));
  }
  return a.mm(b.t());
}

/** Float32 unless float64: the precision the search runs in. */
export function searchDtype(x: Tensor): Tensor {
  return x.dtype === 'float64' || x.dtype === 'float32' ? x : x.to('float32');
}

/** Resolved, validated chunk sizes. */
export function chunkSizes(who: string, o: ChunkOptions): { queryChunk: number; referenceChunk: number } {
  return {
    queryChunk: checkInteger(who, 'queryChunk', o.queryChunk ?? DEFAULT_QUERY_CHUNK, 1),
    referenceChunk: checkInteger(who, 'referenceChunk', o.referenceChunk ?? DEFAULT_REFERENCE_CHUNK, 1),
  };
}

/**
 * The engine of every search here: for each chunk of queries it finds the k best references
 * (scores: larger is closer) with a running top-k over chunks of references, and calls
 * `visit(start, scores (Bq, k'), indices (Bq, k'))` inside the chunk's scope: what `visit` creates
 * is freed after it returns, except what it returns (collected, in query order, into the result).
 * k' = min(k, candidates). When k > referenceChunk / 8 it takes whole rows of references
 * instead (fewer queries per block, the same bound on scores held at once). Runs without
 * gradient. The inputs are not checked here (see `nearestNeighbours`). Ties at the k-th place:
 * which of the tied references is kept is unspecified, as with `torch.topk`.
 */
export function mapNeighbours<T>(
  queries: Tensor,
  references: Tensor,
  o: { k: number; metric: SearchMetric; excludeSelf: boolean; queryChunk: number; referenceChunk: number },
  visit: (start: number, scores: Tensor, indices: Tensor) => T,
): T[] {
  const nq = queries.shape[0]!;
  const nr = references.shape[0]!;
  const kEff = Math.min(o.k, nr - (o.excludeSelf ? 1 : 0));
  let { queryChunk, referenceChunk } = o;
  if (referenceChunk < nr && 8 * o.k > referenceChunk) {
    // A large k (R-precision over 6,000 references of a class): merging top-k lists costs more
    // than it saves (measured: topk(6000) of 139 x 60000 in 128 ms, against 1.3 s for one
    // 1024-query chunk merged over 8192-reference chunks). Take whole rows, as many as fit
    // in the same queryChunk x referenceChunk scores.
    queryChunk = Math.max(1, Math.floor((queryChunk * referenceChunk) / nr));
    referenceChunk = nr;
  }
  return noGrad(() => scope(() => {
    const refNormSq = o.metric === 'euclidean' ? references.square().sum(1).unsqueeze(0) : null; // (1, Nr)
    const out: T[] = [];
    for (let q0 = 0; q0 < nq; q0 += queryChunk) {
      out.push(scope(() => {
        const bq = Math.min(queryChunk, nq - q0);
        const q = queries.narrow(0, q0, bq); // (Bq, D)
        const qNormSq = o.metric === 'euclidean' ? q.square().sum(1, true) : null; // (Bq, 1)
        let best: { values: Tensor; indices: Tensor } | null = null;
        for (let r0 = 0; r0 < nr && kEff > 0; r0 += referenceChunk) {
          const prev: { values: Tensor; indices: Tensor } | null = best;
          const next: { values: Tensor; indices: Tensor } = scope(() => {
            const len = Math.min(referenceChunk, nr - r0);
            let s = dotProducts(q, references.narrow(0, r0, len)); // (Bq, len)
            if (refNormSq && qNormSq) s = s.mul(2).sub(refNormSq.narrow(1, r0, len)).sub(qNormSq); // -||q - r||^2
            if (o.excludeSelf && q0 < r0 + len && r0 < q0 + bq) s.diagonal(q0 - r0).fill_(-Infinity); // q0+i == r0+j
            const top = s.topk(Math.min(o.k, len), 1); // (Bq, <=k)
            const idx = r0 === 0 ? top.indices : top.indices.add(r0);
            if (!prev) return { values: top.values, indices: idx };
            const values = cat([prev.values, top.values], 1); // (Bq, <=2k)
            const indices = cat([prev.indices, idx], 1);
            const merged = values.topk(Math.min(o.k, values.shape[1]!), 1); // (Bq, <=k)
            return { values: merged.values, indices: indices.gather(1, merged.indices) };
          });
          if (prev) {
            prev.values.dispose();
            prev.indices.dispose();
          }
          best = next;
        }
        if (!best) {
          const empty = q.narrow(1, 0, 0); // (Bq, 0)
          return visit(q0, empty, empty.to('int64'));
        }
        const b: { values: Tensor; indices: Tensor } = best;
        // With excludeSelf the masked self-match (-inf) can only sit past k'.
        const cut = b.values.shape[1]! > kEff;
        return visit(q0, cut ? b.values.narrow(1, 0, kEff) : b.values, cut ? b.indices.narrow(1, 0, kEff) : b.indices);
      }));
    }
    return out;
  }));
}

/**
 * Exact k-nearest-neighbour search of `queries` (Nq, D) among `references` (Nr, D), batched so
 * that at most queryChunk x referenceChunk scores exist at once (a running top-k over chunks of
 * references). With `excludeSelf`, query i (= reference i) is not its own neighbour, as
 * pytorch-metric-learning's `ref_includes_query`. Returns (Nq, min(k, candidates)) values and
 * indices, best first: dot products for 'dot', squared Euclidean distances for 'euclidean'.
 */
export function nearestNeighbours(queries: Tensor, references: Tensor, o: SearchOptions): Neighbours {
  const who = 'nearestNeighbours';
  const opts = checkOptions(who, o, ['k', 'metric', 'excludeSelf', 'queryChunk', 'referenceChunk']);
  checkEmbeddings(who, 'queries', queries);
  checkEmbeddings(who, 'references', references);
  checkCompatible(who, queries, 'queries', references, 'references');
  const k = checkInteger(who, 'k', opts.k, 1);
  const metric = opts.metric ?? 'dot';
  if (metric !== 'dot' && metric !== 'euclidean') throw new TypeError(`${who}: metric must be 'dot' or 'euclidean', got '${String(metric)}'`);
  const excludeSelf = opts.excludeSelf ?? false;
  if (excludeSelf && queries.shape[0]! > references.shape[0]!) {
    throw new RangeError(`${who}: excludeSelf needs the queries to be the first rows of the references, but there are more queries (${queries.shape[0]}) than references (${references.shape[0]})`);
  }
  const chunks = chunkSizes(who, opts);
  return scope(() => {
    const q = searchDtype(queries);
    const r = searchDtype(references).to(q.dtype);
    const parts = mapNeighbours(q, r, { k, metric, excludeSelf, ...chunks }, (_, s, i) => ({
      values: metric === 'euclidean' ? s.neg().clampMin(0) : s,
      indices: i,
    }));
    return { values: cat(parts.map((p) => p.values), 0), indices: cat(parts.map((p) => p.indices), 0) };
  });
}
