// Projection and prediction heads with the papers' defaults.
export { ProjectionHead, type HeadBlock, type HeadDims } from './projection-head.js';
export { SimCLRProjectionHead } from './simclr.js';
export { BYOLProjectionHead, BYOLPredictionHead } from './byol.js';
export { NNCLRProjectionHead, NNCLRPredictionHead } from './nnclr.js';
export { MoCoProjectionHead } from './moco.js';
export { SimSiamProjectionHead, SimSiamPredictionHead } from './simsiam.js';
export { BarlowTwinsProjectionHead, VICRegProjectionHead } from './barlow-twins.js';
export { Classifier, CLASSIFIER_HEADS, type ClassifierHead } from './classifier.js';
