// Datasets (Fashion-MNIST, MNIST, image folders, time series, in-memory arrays), samplers and the loader.
export { inputKind, type Dataset, type InputKind, type RawBatch } from './dataset.js';
export { TensorDataset, type TensorDatasetOptions } from './tensor-dataset.js';
export { fashionMNIST, fashionMNISTSeq, mnist, BuiltinDataset, FASHION_MNIST_CLASSES, clearLoadedCaches, type BuiltinInfo, type BuiltinOptions, type Split } from './builtin.js';
export { ImageFolder, decodeImage, type ImageFolderOptions, type SkippedFile } from './image-folder.js';
export { RandomBatches, MPerClassSampler, ShardedBatches, type BatchSampler, type RandomBatchesOptions, type MPerClassOptions } from './samplers.js';
export { Loader, type Batch, type LoaderOptions } from './loader.js';
export { Rng } from './rng.js';
export { cacheDir, readCache, writeCache, removeCache, type CacheContents } from './binary-cache.js';
export { evenlySpaced, subset, subsetRange, evenSubset, balancedIndices, labelBudget, labelledSubset, type LabelBudget } from './subset.js';
export * from './series/index.js';
