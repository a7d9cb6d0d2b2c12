// The weighted k-nearest-neighbour classifier of InstDisc, as lightly and solo-learn report it.
import { cat, scope, type Tensor, zeros } from '../tensor/index.js';
import { chunkSizes, type ChunkOptions, mapNeighbours, unitRows } from './search.js';
import {
  checkCompatible, checkEmbeddings, checkInteger, checkLabels, checkOptions, checkPositive, checkSplit,
  type LabelledEmbeddings,
} from './validate.js';

export interface KnnOptions extends ChunkOptions {
  /** Neighbours that vote (default 200); clamped to the size of the bank, as solo-learn does. */
  k?: number;
  /** Temperature T of the weights exp(s / T) (default 0.1). */
  temperature?: number;
  /** Number of classes C (default: the largest label, of bank and queries, plus one). */
  numClasses?: number;
}

export interface KnnAccuracy {
  /** Fraction of queries whose best-scored class is their label. */
  top1: number;
  /** Fraction whose label is among the min(5, k, C) best-scored classes (solo-learn's top-5). */
  top5: number;
}

const KNN_OPTIONS = ['k', 'temperature', 'numClasses', 'queryChunk', 'referenceChunk'];

/** The largest label in `ys` (all must be >= 0) plus one, or `numClasses` checked against it. */
function classCount(who: string, ys: readonly Tensor[], numClasses: number | undefined): number {
  const [min, max] = scope(() => {
    const all = cat(ys.map((y) => y.to({ dtype: 'int64', device: 'cpu' })), 0);
    return [all.min().item(), all.max().item()];
  });
  if (min < 0) throw new RangeError(`${who}: labels must be >= 0 class indices, got ${min}`);
  if (numClasses === undefined) return max + 1;
  checkInteger(who, 'numClasses', numClasses, 1);
  if (max >= numClasses) throw new RangeError(`${who}: label ${max} is out of range for numClasses ${numClasses}`);
  return numClasses;
}

/** Options resolved and checked. */
function resolve(who: string, o: KnnOptions | undefined) {
  const opts = checkOptions(who, o, KNN_OPTIONS);
  return {
    k: checkInteger(who, 'k', opts.k ?? 200, 1),
    temperature: checkPositive(who, 'temperature', opts.temperature ?? 0.1),
    ...chunkSizes(who, opts),
  };
}

/**
 * Calls `visit(start, ranking (Bq, C))` for each chunk of queries, where each row of `ranking`
 * holds the class indices by descending weighted vote. Inputs already checked.
 */
function mapRankings<T>(
  queries: Tensor, bank: Tensor, bankLabels: Tensor, numClasses: number,
  o: ReturnType<typeof resolve>,
  visit: (start: number, ranking: Tensor, scores: Tensor) => T,
): T[] {
  return scope(() => {
    const q = unitRows(queries); // (Nq, D)
    const b = unitRows(bank).to(q.dtype); // (N, D)
    const labels = bankLabels.to({ dtype: 'int64', device: b.device }); // (N)
    return mapNeighbours(q, b, { k: o.k, metric: 'dot', excludeSelf: false, queryChunk: o.queryChunk, referenceChunk: o.referenceChunk }, (start, sim, idx) => {
      const [bq, k] = sim.shape as [number, number];
      const neighbourLabels = labels.indexSelect(0, idx.flatten()).view([bq, k]); // (Bq, k)
      // exp((s - s_max) / T): lightly's exp(s / T) times exp(-s_max / T), one factor per query:
      // the same ranking, and no overflow at small T.
      const w = sim.sub(sim.narrow(1, 0, 1)).div(o.temperature).exp(); // (Bq, k)
      const zero = zeros([bq, numClasses], { dtype: w.dtype, device: w.device }); // (Bq, C)
      const scores = zero.scatterAdd(1, neighbourLabels, w); // (Bq, C): sum of votes per class
      // Stable sort: classes with equal scores rank by ascending class index.
      const ranking = scores.sort(1, true, true).indices; // (Bq, C)
      return visit(start, ranking, scores);
    });
  });
}

/**
 * Class scores of the weighted kNN classifier (Wu et al. 2018, "Unsupervised Feature Learning via
 * Non-Parametric Instance Discrimination"), as lightly's `knn_predict` and solo-learn's
 * `WeightedKNNClassifier` compute it: queries and bank are L2-normalised, the k bank rows of
 * highest cosine similarity s_i vote for their class with weight exp(s_i / T), and a class's score
 * is the sum of its votes. Returned per query as (Nq, C) scores scaled by exp(-s_max / T) (s_max:
 * the query's best similarity), which keeps the ranking and avoids overflow. k > N uses all N
 * (solo-learn's `min(k, N)`). Batched over queries and bank (bounded memory).
 */
export function knnClassScores(queries: Tensor, bank: Tensor, bankLabels: Tensor, o?: KnnOptions): Tensor {
  const who = 'knnClassScores';
  const opts = resolve(who, o);
  checkEmbeddings(who, 'queries', queries, { finite: true });
  checkEmbeddings(who, 'bank', bank, { finite: true });
  checkCompatible(who, queries, 'queries', bank, 'bank');
  checkLabels(who, 'bankLabels', bankLabels, bank.shape[0]!);
  const numClasses = classCount(who, [bankLabels], o?.numClasses);
  return scope(() => cat(mapRankings(queries, bank, bankLabels, numClasses, opts, (_, __, scores) => scores), 0));
}

/**
 * Top-1 and top-5 accuracy of the weighted kNN classifier (see `knnClassScores`; defaults k 200,
 * T 0.1, the protocol of InstDisc, lightly and solo-learn) for `test` queries against the `train`
 * bank. Classes with equal scores rank by ascending class index (the references sort without a
 * defined order). Top-5 counts a hit among the first min(5, k, C) ranked classes, as solo-learn
 * (`min(5, k)` columns). Runs in query x bank chunks: 60,000 x 10,000 fits in bounded memory.
 */
export function weightedKnn(train: LabelledEmbeddings, test: LabelledEmbeddings, o?: KnnOptions): KnnAccuracy {
  const who = 'weightedKnn';
  const opts = resolve(who, o);
  const tr = checkSplit(who, 'train', train);
  const te = checkSplit(who, 'test', test);
  checkCompatible(who, tr.embeddings, 'train.embeddings', te.embeddings, 'test.embeddings');
  const numClasses = classCount(who, [tr.labels, te.labels], o?.numClasses);
  const top5Columns = Math.min(5, opts.k, numClasses);
  const counts = scope(() => {
    const testLabels = te.labels.to({ dtype: 'int64', device: te.embeddings.device }).unsqueeze(1); // (Nq, 1)
    return mapRankings(te.embeddings, tr.embeddings, tr.labels, numClasses, opts, (start, ranking) => {
      const y = testLabels.narrow(0, start, ranking.shape[0]!); // (Bq, 1)
      const hits = ranking.narrow(1, 0, top5Columns).eq(y); // (Bq, m)
      return [hits.narrow(1, 0, 1).sum().item(), hits.sum(1).gt(0).sum().item()];
    });
  });
  const n = te.embeddings.shape[0]!;
  return {
    top1: counts.reduce((a, c) => a + c[0]!, 0) / n,
    top5: counts.reduce((a, c) => a + c[1]!, 0) / n,
  };
}
