// How good the approximate index is: recall@k against exact search, with both searches timed.
import { cat, scope, type Tensor } from '../tensor/index.js';
import type { AnnIndex } from './ann.js';
import type { EmbeddingsFile } from './embeddings.js';
import { exactSearchFile, type Hit } from './exact.js';

/**
 * recall@k: the mean over queries of |A_i ∩ E_i| / |E_i|, where A_i and E_i are the first k rows
 * the approximate and the exact search returned for query i (ann-benchmarks' "k-nn recall",
 * counted by row identity).
 */
export function recallAtK(approx: readonly (readonly Hit[])[], exact: readonly (readonly Hit[])[], k: number): number {
  if (approx.length !== exact.length) throw new RangeError(`recallAtK: ${approx.length} approximate result lists for ${exact.length} exact ones`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`recallAtK: k must be a positive integer, got ${String(k)}`);
  if (exact.length === 0) throw new RangeError('recallAtK: no queries');
  let sum = 0;
  for (let i = 0; i < exact.length; i++) {
    const truth = new Set(exact[i]!.slice(0, k).map((h) => h.row));
    if (truth.size === 0) throw new RangeError(`recallAtK: query ${i} has no exact neighbours`);
    let found = 0;
    for (const h of approx[i]!.slice(0, k)) if (truth.has(h.row)) found++;
    sum += found / truth.size;
  }
  return sum / exact.length;
}

/** What `measureRecall` reports. */
export interface RecallReport {
  k: number;
  queries: number;
  recall: number;
  /** Seconds for all queries through the index, and through exact search. */
  annSeconds: number;
  exactSeconds: number;
}

/**
 * Queries the index with rows of its own embeddings file (every row, or `queries` rows spread
 * evenly over it) for their k nearest other rows, each query leaving itself out, in both the
 * index and exact search (`exactSearchFile`), and returns recall@k with both times.
 */
export async function measureRecall(index: AnnIndex, file: EmbeddingsFile, o: { k?: number; queries?: number } = {}): Promise<RecallReport> {
  const k = o.k ?? 10;
  const m = Math.min(o.queries ?? file.count, file.count);
  if (index.dim !== file.dim || index.size !== file.count) {
    throw new RangeError(`measureRecall: the index holds ${index.size} x ${index.dim} vectors but ${file.path} holds ${file.count} x ${file.dim}`);
  }
  const rows = Int32Array.from({ length: m }, (_, i) => Math.floor((i * file.count) / m));
  let q: Tensor;
  if (m === file.count) {
    q = await file.rows(0, m);
  } else {
    const parts: Tensor[] = [];
    for (const r of rows) parts.push(await file.rows(r, 1));
    q = scope(() => cat(parts));
    parts.forEach((p) => p.dispose());
  }
  try {
    const t0 = performance.now();
    const approx = index.search(q, k, { exclude: rows });
    const t1 = performance.now();
    const exact = await exactSearchFile(q, file, { k, exclude: rows });
    const t2 = performance.now();
    return { k, queries: m, recall: recallAtK(approx, exact, k), annSeconds: (t1 - t0) / 1000, exactSeconds: (t2 - t1) / 1000 };
  } finally {
    q.dispose();
  }
}
