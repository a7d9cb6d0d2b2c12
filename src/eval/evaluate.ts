// One call for the whole evaluation of `contrastive eval`: kNN, linear probe, retrieval, NMI and AMI.
import { F, scope } from '../tensor/index.js';
import { kmeans } from './kmeans.js';
import { weightedKnn } from './knn.js';
import { linearProbe, type LinearProbeOptions } from './linear-probe.js';
import { adjustedMutualInfo, normalizedMutualInfo } from './nmi.js';
import { retrievalMetrics } from './retrieval.js';
import type { ChunkOptions } from './search.js';
import { checkCompatible, checkInteger, checkOptions, checkSplit, labelValues, type LabelledEmbeddings } from './validate.js';

export interface EvaluateOptions extends ChunkOptions {
  /** kNN neighbours (default 200). */
  k?: number;
  /** kNN temperature (default 0.1). */
  temperature?: number;
  /** Run the linear probe (default true), or its options. */
  linearProbe?: boolean | LinearProbeOptions;
  /**
   * The references of the retrieval metrics: 'test' (default) ranks each test sample against the
   * other test samples (itself excluded), as pytorch-metric-learning's testers do; 'train' ranks
   * the test samples against the train set.
   */
  retrievalReference?: 'test' | 'train';
  /** L2-normalise the embeddings before the retrieval metrics and k-means (default true). */
  normalize?: boolean;
  /** Seed of the k-means behind NMI and AMI (default 0). */
  seed?: number;
  /** Most k-means iterations (default 100). */
  kmeansMaxIter?: number;
}

/**
 * docs/architecture.md's `contrastive eval` JSON (snake_case keys, PML's metric names), plus kNN
 * top-5, PML's `mean_average_precision` and `mean_reciprocal_rank` (over every reference) and
 * `AMI` (as `ami`).
 */
export interface EvaluationResult {
  knn_top1: number;
  knn_top5: number;
  linear_top1?: number;
  precision_at_1: number;
  r_precision: number;
  map_at_r: number;
  /** Mean average precision over the whole ranking (`RetrievalMetrics.meanAveragePrecision`). */
  mean_average_precision: number;
  /** Mean reciprocal rank of the first relevant reference (`RetrievalMetrics.meanReciprocalRank`). */
  mean_reciprocal_rank: number;
  nmi: number;
  /** Adjusted mutual information of the same k-means clustering as `nmi` (`adjustedMutualInfo`). */
  ami: number;
}

/**
 * Evaluates embeddings of a train and a test split: the weighted kNN classifier (k 200, T 0.1,
 * cosine: InstDisc / lightly / solo-learn) of the test set against the train set, the linear probe
 * (L-BFGS on standardised features, unless `linearProbe: false`), pytorch-metric-learning's
 * precision@1, R-precision, MAP@R, mean average precision and mean reciprocal rank of the test
 * set (against itself by default; one neighbour search, every reference ranked: PML's default
 * k), and NMI and AMI (scikit-learn's arithmetic normalisation; Vinh et al. 2010 for AMI) between
 * the test labels and one k-means clustering of the test embeddings with k = the number of test
 * classes (PML's `AccuracyCalculator`, Musgrave et al. 2020). All of it runs in bounded memory
 * (query x reference chunks). Labels are class indices >= 0.
 */
export function evaluate(train: LabelledEmbeddings, test: LabelledEmbeddings, o?: EvaluateOptions): EvaluationResult {
  const who = 'evaluate';
  const opts = checkOptions(who, o, [
    'k', 'temperature', 'linearProbe', 'retrievalReference', 'normalize', 'seed', 'kmeansMaxIter', 'queryChunk', 'referenceChunk',
  ]);
  const tr = checkSplit(who, 'train', train);
  const te = checkSplit(who, 'test', test);
  checkCompatible(who, tr.embeddings, 'train.embeddings', te.embeddings, 'test.embeddings');
  const reference = opts.retrievalReference ?? 'test';
  if (reference !== 'test' && reference !== 'train') {
    throw new TypeError(`${who}: retrievalReference must be 'test' or 'train', got '${String(reference)}'`);
  }
  const normalize = opts.normalize ?? true;
  if (typeof normalize !== 'boolean') throw new TypeError(`${who}: normalize must be a boolean`);
  const probe = opts.linearProbe ?? true;
  if (typeof probe !== 'boolean' && (typeof probe !== 'object' || probe === null)) {
    throw new TypeError(`${who}: linearProbe must be a boolean or an options object`);
  }
  const seed = checkInteger(who, 'seed', opts.seed ?? 0, 0);
  const kmeansMaxIter = checkInteger(who, 'kmeansMaxIter', opts.kmeansMaxIter ?? 100, 0);
  const chunks = { queryChunk: opts.queryChunk, referenceChunk: opts.referenceChunk };

  const knn = weightedKnn(tr, te, { k: opts.k, temperature: opts.temperature, ...chunks });
  const linear = probe === false ? undefined : linearProbe(tr, te, probe === true ? {} : probe);
  const retrieval = reference === 'test'
    ? retrievalMetrics(te, undefined, { normalize, ...chunks })
    : retrievalMetrics(te, tr, { normalize, refIncludesQuery: false, ...chunks });
  const testLabels = labelValues(te.labels);
  const classes = new Set(testLabels).size;
  const clusters = scope(() => {
    const x = normalize ? F.normalize(te.embeddings.to(te.embeddings.dtype === 'float64' ? 'float64' : 'float32')) : te.embeddings;
    return labelValues(kmeans(x, classes, { seed, maxIter: kmeansMaxIter }).assignments);
  });
  return {
    knn_top1: knn.top1,
    knn_top5: knn.top5,
    ...(linear ? { linear_top1: linear.top1 } : {}),
    precision_at_1: retrieval.precisionAt1,
    r_precision: retrieval.rPrecision,
    map_at_r: retrieval.mapAtR,
    mean_average_precision: retrieval.meanAveragePrecision,
    mean_reciprocal_rank: retrieval.meanReciprocalRank,
    nmi: normalizedMutualInfo(testLabels, clusters),
    ami: adjustedMutualInfo(testLabels, clusters),
  };
}
