// Embedding files and nearest-neighbour search over them: streaming embedding of a dataset,
// exact cosine search on the engine, an approximate (HNSW, USearch) index, and recall@k.
export {
  EmbeddingsFile, EMBEDDINGS_TENSOR, IDS_FORMAT, idsPath, readIds, writeIds, type EmbeddingIds,
} from './embeddings.js';
export { embedToFile, datasetIds, type EmbedToFileOptions, type EmbedToFileResult } from './embed.js';
export { exactSearch, exactSearchFile, type Hit, type ExactOptions, type ExactFileOptions } from './exact.js';
export { AnnIndex, annManifestPath, ANN_FORMAT, type AnnOptions, type AnnManifest } from './ann.js';
export { recallAtK, measureRecall, type RecallReport } from './recall.js';
export { embedImage, IMAGE_EXTENSIONS } from './image.js';
