// Exact (brute-force) cosine search on the engine: L2-normalised rows, batched matrix products and
// top-k (the chunked search of eval/search.ts), in memory or over an embeddings file read in row
// blocks with a running top-k, so that the references never need to fit in memory.
import { cosineTopK, nearestNeighbours, unitRows } from '../eval/index.js';
import { cat, keep, noGrad, scope, type Tensor } from '../tensor/index.js';
import type { EmbeddingsFile } from './embeddings.js';

/** One neighbour: a row of the references and its cosine similarity to the query. */
export interface Hit {
  row: number;
  score: number;
}

/** Options of the exact searches. */
export interface ExactOptions {
  /** Neighbours per query, at least 1. */
  k: number;
  /**
   * `exactSearch`: query i is reference i and is never its own neighbour (k <= N - 1).
   */
  excludeSelf?: boolean;
}

function checkK(who: string, k: unknown, max: number, why: string): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > max) {
    throw new RangeError(`${who}: k must be an integer from 1 to ${max} (${why}), got ${String(k)}`);
  }
  return k;
}

/**
 * The k references most cosine-similar to each query, best first: `queries` (Nq, D) and
 * `references` (N, D) floating point. Returns (Nq, k) similarities and int64 row indices, in
 * the current scope. Zero rows have similarity 0 to everything.
 */
export function exactSearch(queries: Tensor, references: Tensor, o: ExactOptions): { scores: Tensor; indices: Tensor } {
  const n = references.shape[0] ?? 0;
  const excludeSelf = o.excludeSelf ?? false;
  const k = checkK('exactSearch', o.k, excludeSelf ? n - 1 : n, `the references hold ${n} rows${excludeSelf ? ', less the query itself' : ''}`);
  return noGrad(() => scope(() => {
    const nn = nearestNeighbours(unitRows(queries), unitRows(references), { k, metric: 'dot', excludeSelf }); // checks, then the dot search of unit rows
    return { scores: nn.values, indices: nn.indices };
  }));
}

/** Options of `exactSearchFile`. */
export interface ExactFileOptions {
  k: number;
  /** Per query, a row to leave out of its results (the query's own row), or -1. */
  exclude?: Int32Array;
  /** Reference rows read and searched at a time (default 16384). */
  blockRows?: number;
}

/**
 * Exact cosine top-k of `queries` (Nq, D) among the rows of an embeddings file, which is read in
 * blocks of `blockRows`: memory holds one block and the running top-k, whatever the file's size.
 * Returns each query's hits, best first.
 */
export async function exactSearchFile(queries: Tensor, file: EmbeddingsFile, o: ExactFileOptions): Promise<Hit[][]> {
  const n = file.count;
  const nq = queries.shape[0]!;
  if (queries.ndim !== 2 || queries.shape[1] !== file.dim) {
    throw new RangeError(`exactSearchFile: queries must be (Nq, ${file.dim}) to match ${file.path}, got [${queries.shape.join(', ')}]`);
  }
  const exclude = o.exclude ?? null;
  if (exclude && exclude.length !== nq) throw new RangeError(`exactSearchFile: exclude has ${exclude.length} entries for ${nq} queries`);
  const excluding = exclude !== null && exclude.some((r) => r >= 0);
  const k = checkK('exactSearchFile', o.k, excluding ? n - 1 : n, `${file.path} holds ${n} rows${excluding ? ', less the query itself' : ''}`);
  const blockRows = o.blockRows ?? 16384;
  if (!Number.isInteger(blockRows) || blockRows < 1) throw new RangeError(`exactSearchFile: blockRows must be a positive integer, got ${String(o.blockRows)}`);
  const kk = k + (excluding ? 1 : 0); // one more, dropped again when it is the query's own row
  const q = keep(noGrad(() => scope(() => unitRows(queries.to('float32'))))); // (Nq, D)
  let best: { values: Tensor; indices: Tensor } | null = null;
  try {
    for (let b0 = 0; b0 < n; b0 += blockRows) {
      const len = Math.min(blockRows, n - b0);
      const block = await file.rows(b0, len); // (len, D) float32
      try {
        const prev: { values: Tensor; indices: Tensor } | null = best;
        const next: { values: Tensor; indices: Tensor } = noGrad(() => scope((): { values: Tensor; indices: Tensor } => {
          const nn = cosineTopK(q, block, { k: Math.min(kk, len) }); // (Nq, <=kk)
          const idx = nn.indices.add(b0);
          if (!prev) return { values: nn.values, indices: idx };
          const values = cat([prev.values, nn.values], 1); // (Nq, <=2kk)
          const top = values.topk(Math.min(kk, values.shape[1]!), 1);
          return { values: top.values, indices: cat([prev.indices, idx], 1).gather(1, top.indices) };
        }));
        keep(next.values);
        keep(next.indices);
        prev?.values.dispose();
        prev?.indices.dispose();
        best = next;
      } finally {
        block.dispose();
      }
    }
    const cols = best!.values.shape[1]!;
    const values = best!.values.data() as Float32Array;
    const indices = best!.indices.data() as BigInt64Array;
    return Array.from({ length: nq }, (_, i) => {
      const hits: Hit[] = [];
      for (let j = 0; j < cols && hits.length < k; j++) {
        const row = Number(indices[i * cols + j]!);
        if (exclude && row === exclude[i]) continue;
        hits.push({ row, score: values[i * cols + j]! });
      }
      return hits;
    });
  } finally {
    q.dispose();
    const b = best as { values: Tensor; indices: Tensor } | null;
    b?.values.dispose();
    b?.indices.dispose();
  }
}
