// Contrastive and metric-learning losses, with their distances, miners and reducers.
// Label-based losses follow pytorch-metric-learning; two-view losses follow lightly.
export * from './distances/index.js';
export * from './reducers/index.js';
export * from './miners/index.js';
export { MetricLoss, type MetricLossInput, type MetricLossOptions } from './metric-loss.js';
export {
  createLoss, createMiner, LOSS_NAMES, lossHasProxies, lossLrScale, MINER_NAMES, type LossContext, type LossName, type MinerName,
} from './registry.js';
export { SelfSupervisedLoss, type SelfSupervisedLossOptions } from './self-supervised-loss.js';
export {
  type IndicesTuple, type PairIndices, type TripletIndices, allPairs, allTriplets, toPairs, toTriplets,
} from './indices.js';
export { ContrastiveLoss, type ContrastiveLossOptions } from './contrastive-loss.js';
export { SupConLoss, type SupConLossOptions } from './supcon-loss.js';
export { TripletMarginLoss, type TripletMarginLossOptions } from './triplet-margin-loss.js';
export { NPairsLoss } from './npairs-loss.js';
export { LogisticLoss, type LogisticLossOptions } from './logistic-loss.js';
export { NTXentLoss, type NTXentLossOptions } from './ntxent-loss.js';
export { InfoNCELoss, type InfoNCELossOptions } from './info-nce-loss.js';
export { DCLLoss, type DCLLossOptions, type DCLWeightFn } from './dcl-loss.js';
export { DCLWLoss, type DCLWLossOptions, negativeMisesFisherWeights } from './dclw-loss.js';
export { NegativeCosineSimilarity, type NegativeCosineSimilarityOptions } from './negative-cosine-similarity.js';
export { BarlowTwinsLoss, type BarlowTwinsLossOptions } from './barlow-twins-loss.js';
export { VICRegLoss, type VICRegLossOptions } from './vicreg-loss.js';
export { CPCLoss } from './cpc-loss.js';
export { ProxyLoss, MarginSoftmaxLoss, type ProxyLossOptions, type MarginSoftmaxOptions } from './proxy-loss.js';
export { ArcFaceLoss, type ArcFaceLossOptions } from './arcface-loss.js';
export { SubCenterArcFaceLoss, type SubCenterArcFaceLossOptions } from './subcenter-arcface-loss.js';
export { CosFaceLoss, type CosFaceLossOptions } from './cosface-loss.js';
export { LargeMarginSoftmaxLoss, type LargeMarginSoftmaxLossOptions } from './large-margin-softmax-loss.js';
export { SphereFaceLoss, type SphereFaceLossOptions } from './sphereface-loss.js';
export { NormalizedSoftmaxLoss, type NormalizedSoftmaxLossOptions } from './normalized-softmax-loss.js';
export { ProxyAnchorLoss, type ProxyAnchorLossOptions } from './proxy-anchor-loss.js';
export { ProxyNCALoss, type ProxyNCALossOptions } from './proxy-nca-loss.js';
export { SoftTripleLoss, type SoftTripleLossOptions } from './soft-triple-loss.js';
export { MultiSimilarityLoss, type MultiSimilarityLossOptions } from './multi-similarity-loss.js';
export { CircleLoss, type CircleLossOptions } from './circle-loss.js';
export { LiftedStructureLoss, GeneralizedLiftedStructureLoss, type LiftedStructureLossOptions } from './lifted-structure-loss.js';
export { MarginLoss, type MarginLossOptions } from './margin-loss.js';
export { TupletMarginLoss, type TupletMarginLossOptions } from './tuplet-margin-loss.js';
export { AngularLoss, type AngularLossOptions } from './angular-loss.js';
export { FastAPLoss, type FastAPLossOptions } from './fast-ap-loss.js';
export { HistogramLoss, type HistogramLossOptions } from './histogram-loss.js';
export { InstanceLoss, type InstanceLossOptions } from './instance-loss.js';
export { CrossBatchMemory, type CrossBatchMemoryOptions } from './cross-batch-memory.js';
