// Evaluation of embeddings: weighted kNN, linear probe, retrieval metrics, k-means, NMI and AMI.
export { evaluate, type EvaluateOptions, type EvaluationResult } from './evaluate.js';
export { weightedKnn, knnClassScores, type KnnOptions, type KnnAccuracy } from './knn.js';
export { linearProbe, type LinearProbeOptions, type LinearProbeResult } from './linear-probe.js';
export { minimizeLbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs.js';
export { retrievalMetrics, type RetrievalOptions, type RetrievalMetrics } from './retrieval.js';
export { kmeans, type KMeansOptions, type KMeansResult } from './kmeans.js';
export { normalizedMutualInfo, adjustedMutualInfo } from './nmi.js';
export {
  nearestNeighbours, cosineTopK, unitRows, type SearchMetric, type SearchOptions, type ChunkOptions, type Neighbours,
} from './search.js';
export type { LabelledEmbeddings } from './validate.js';
export { embedDataset, embedItems, NoItemsReadError, type EmbeddedItems, type ItemModel, embedSplits, disposeSplits, type EmbedOptions, type EmbeddedSplits } from './embed.js';
export { classificationMetrics, classAccuracies, confusionMatrix, type ClassifierEvaluation } from './classification.js';
