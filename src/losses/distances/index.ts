// Distances (pytorch-metric-learning's `distances` module).
export { BaseDistance, type DistanceOptions } from './base.js';
export { CosineSimilarity } from './cosine-similarity.js';
export { DotProductSimilarity } from './dot-product-similarity.js';
export { LpDistance } from './lp-distance.js';
