// Retrieval metrics as pytorch-metric-learning's AccuracyCalculator defines them.
import { arange, F, scope, tensor } from '../tensor/index.js';
import { chunkSizes, type ChunkOptions, mapNeighbours, searchDtype } from './search.js';
import { checkCompatible, checkOptions, checkSplit, labelValues, type LabelledEmbeddings } from './validate.js';

export interface RetrievalOptions extends ChunkOptions {
  /** L2-normalise the embeddings first (default true, as pytorch-metric-learning's testers do). */
  normalize?: boolean;
  /**
   * Query i is reference i (the queries are the first rows of the references): each query's
   * self-match is left out, and its class counts one fewer relevant reference. Default: true
   * when `reference` is omitted or is the query split itself (PML's `query is reference`
   * check), else false.
   */
  refIncludesQuery?: boolean;
}

/** The averages over queries that have at least one relevant reference. */
export interface RetrievalMetrics {
  /** Fraction of queries whose nearest reference has their label. */
  precisionAt1: number;
  /** Mean over queries of (relevant among the first R) / R, R = the number of relevant references. */
  rPrecision: number;
  /** Mean average precision at R (Musgrave et al. 2020, "A Metric Learning Reality Check"). */
  mapAtR: number;
  /** Queries that counted (the others have no relevant reference: "lone" queries). */
  queries: number;
}

/**
 * Precision@1, R-precision and MAP@R exactly as pytorch-metric-learning's `AccuracyCalculator`
 * (default k: all references, `avg_of_avgs` off) defines them. For a query with label y, the
 * relevant references are those labelled y (itself excluded when `refIncludesQuery`), R of them;
 * references are ranked by Euclidean distance (faiss `IndexFlatL2`, PML's default; on normalised
 * embeddings the cosine order). With rel_i = 1 when the i-th ranked reference is relevant:
 *   precision@1 = rel_1,  R-precision = (1/R) sum_{i<=R} rel_i,
 *   MAP@R = (1/R) sum_{i<=R} rel_i * P(i),  P(i) = (1/i) sum_{j<=i} rel_j,
 * each averaged over the queries with R > 0 (PML leaves out "lone" query labels; all lone gives
 * 0). Only the first max R neighbours are searched, in query x reference chunks. Ties in distance
 * are ordered as `torch.topk` orders them (faiss's order is not specified either).
 */
export function retrievalMetrics(query: LabelledEmbeddings, reference?: LabelledEmbeddings, o?: RetrievalOptions): RetrievalMetrics {
  const who = 'retrievalMetrics';
  const opts = checkOptions(who, o, ['normalize', 'refIncludesQuery', 'queryChunk', 'referenceChunk']);
  const q = checkSplit(who, 'query', query);
  const r = reference === undefined ? q : checkSplit(who, 'reference', reference);
  checkCompatible(who, q.embeddings, 'query.embeddings', r.embeddings, 'reference.embeddings');
  const same = reference === undefined || reference === query || reference.embeddings === query.embeddings;
  const refIncludesQuery = opts.refIncludesQuery ?? same;
  if (typeof refIncludesQuery !== 'boolean') throw new TypeError(`${who}: refIncludesQuery must be a boolean`);
  const normalize = opts.normalize ?? true;
  if (typeof normalize !== 'boolean') throw new TypeError(`${who}: normalize must be a boolean`);
  const nq = q.embeddings.shape[0]!;
  if (refIncludesQuery && nq > r.embeddings.shape[0]!) {
    throw new RangeError(`${who}: refIncludesQuery needs the queries to be the first reference rows, but there are more queries (${nq}) than references (${r.embeddings.shape[0]})`);
  }
  const chunks = chunkSizes(who, opts);

  // R per query: references with the query's label, less the query itself.
  const counts = new Map<number, number>();
  for (const y of labelValues(r.labels)) counts.set(y, (counts.get(y) ?? 0) + 1);
  const rs = labelValues(q.labels).map((y) => Math.max(0, (counts.get(y) ?? 0) - (refIncludesQuery ? 1 : 0)));
  const counted = rs.filter((x) => x > 0).length;
  if (counted === 0) return { precisionAt1: 0, rPrecision: 0, mapAtR: 0, queries: 0 };
  const kMax = Math.max(...rs);

  const sums = scope(() => {
    const device = q.embeddings.device;
    let qe = searchDtype(q.embeddings);
    let re = searchDtype(r.embeddings).to(qe.dtype);
    if (normalize) {
      qe = F.normalize(qe);
      re = same ? qe : F.normalize(re);
    }
    const qLabels = q.labels.to({ dtype: 'int64', device }).unsqueeze(1); // (Nq, 1)
    const rLabels = r.labels.to({ dtype: 'int64', device }); // (Nr)
    const R = tensor(Float64Array.from(rs), { device }).unsqueeze(1); // (Nq, 1)
    const parts = mapNeighbours(qe, re, { k: kMax, metric: 'euclidean', excludeSelf: refIncludesQuery, ...chunks }, (start, _, idx) => {
      const [bq, k] = idx.shape as [number, number];
      const Rq = R.narrow(0, start, bq); // (Bq, 1)
      const relevantLabel = rLabels.indexSelect(0, idx.flatten()).view([bq, k]).eq(qLabels.narrow(0, start, bq)); // (Bq, k)
      const rank = arange(1, k + 1, 1, { dtype: 'float64', device }).unsqueeze(0); // (1, k): i
      const rel = relevantLabel.logicalAnd(rank.le(Rq)).to('float64'); // (Bq, k): rel_i for i <= R
      const hasRelevant = Rq.gt(0).to('float64').squeeze(1); // (Bq)
      const safeR = Rq.clampMin(1).squeeze(1); // (Bq)
      const p1 = relevantLabel.narrow(1, 0, 1).squeeze(1).to('float64'); // (Bq)
      const rPrecision = rel.sum(1).div(safeR); // (Bq)
      const mapAtR = rel.cumsum(1).mul(rel).div(rank).sum(1).div(safeR); // (Bq)
      return [p1, rPrecision, mapAtR].map((m) => m.mul(hasRelevant).sum().item());
    });
    return parts.reduce((a, p) => [a[0]! + p[0]!, a[1]! + p[1]!, a[2]! + p[2]!], [0, 0, 0]);
  });
  return { precisionAt1: sums[0]! / counted, rPrecision: sums[1]! / counted, mapAtR: sums[2]! / counted, queries: counted };
}
