// Datasets (Fashion-MNIST, MNIST, image folders, time series, in-memory arrays), samplers and the loader.
export { inputKind, type Dataset, type InputKind, type RawBatch } from './dataset.js';
export { TensorDataset, type TensorDatasetOptions } from './tensor-dataset.js';
export { fashionMNIST, fashionMNISTSeq, mnist, BuiltinDataset, FASHION_MNIST_CLASSES, clearLoadedCaches, type BuiltinInfo, type BuiltinOptions, type Split } from './builtin.js';
export { ImageFolder, decodeImage, type FolderCache, type ImageFolderOptions, type SkippedFile } from './image-folder.js';
export { imageDecoder } from './image-decoder.js';
export { INDEX_FILE, indexLocations, updateIndex, type FolderIndex, type IndexEntry } from './folder-index.js';
export { Semaphore } from './semaphore.js';
export { rasterDecoder } from './raster.js';
export { bandStatistics, BAND_STD_EPSILON, type BandStats, type BandStatisticsOptions } from './band-stats.js';
export { rgbBands } from './bands.js';
export type { DecodeTarget, FileDecoder, FileInfo, SampleType } from './decoder.js';
export { RandomBatches, MPerClassSampler, ShardedBatches, type BatchSampler, type RandomBatchesOptions, type MPerClassOptions } from './samplers.js';
export { Loader, type Batch, type LoaderOptions } from './loader.js';
export { Rng } from './rng.js';
export { cacheDir, readCache, writeCache, removeCache, type CacheContents } from './binary-cache.js';
export { evenlySpaced, subset, subsetRange, evenSubset, balancedIndices, labelBudget, labelledSubset, type LabelBudget } from './subset.js';
export * from './series/index.js';
