// Contrastive and metric-learning losses, with their distances, miners and reducers.
// Label-based losses follow pytorch-metric-learning; two-view losses follow lightly.
export * from './distances/index.js';
export * from './reducers/index.js';
export * from './miners/index.js';
export { MetricLoss, type MetricLossOptions } from './metric-loss.js';
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
