// Miners (pytorch-metric-learning's `miners` module, plus BatchAllMiner).
export { BaseMiner, type MinerOptions } from './base.js';
export { BatchHardMiner } from './batch-hard-miner.js';
export { BatchAllMiner } from './batch-all-miner.js';
export { TripletMarginMiner, type TripletMarginMinerOptions, type TripletType } from './triplet-margin-miner.js';
export { MultiSimilarityMiner, type MultiSimilarityMinerOptions } from './multi-similarity-miner.js';
export { PairMarginMiner, type PairMarginMinerOptions } from './pair-margin-miner.js';
export { DistanceWeightedMiner, type DistanceWeightedMinerOptions } from './distance-weighted-miner.js';
export { BatchEasyHardMiner, type BatchEasyHardMinerOptions, type MiningStrategy, type AllowedRange } from './batch-easy-hard-miner.js';
export { HDCMiner, type HDCMinerOptions } from './hdc-miner.js';
export { UniformHistogramMiner, type UniformHistogramMinerOptions } from './uniform-histogram-miner.js';
export { AngularMiner, type AngularMinerOptions } from './angular-miner.js';
export { MaximumLossMiner, type MaximumLossMinerOptions } from './maximum-loss-miner.js';
