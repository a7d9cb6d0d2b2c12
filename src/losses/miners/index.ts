// Miners (pytorch-metric-learning's `miners` module, plus BatchAllMiner).
export { BaseMiner, type MinerOptions } from './base.js';
export { BatchHardMiner } from './batch-hard-miner.js';
export { BatchAllMiner } from './batch-all-miner.js';
export { TripletMarginMiner, type TripletMarginMinerOptions, type TripletType } from './triplet-margin-miner.js';
export { MultiSimilarityMiner, type MultiSimilarityMinerOptions } from './multi-similarity-miner.js';
export { PairMarginMiner, type PairMarginMinerOptions } from './pair-margin-miner.js';
