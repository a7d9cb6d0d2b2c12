import type { Tensor } from '../../tensor/index.js';
import { BaseDistance, type DistanceOptions, rowDot } from './base.js';

/**
 * Cosine similarity: the dot product of L2-normalised embeddings, in [-1, 1]; larger is closer.
 * As pytorch-metric-learning's `CosineSimilarity` (which requires normalisation).
 */
export class CosineSimilarity extends BaseDistance {
  readonly isInverted = true;

  constructor(o?: DistanceOptions) {
    super('CosineSimilarity', o);
    if (!this.normalizeEmbeddings) throw new RangeError('CosineSimilarity: normalizeEmbeddings must be true');
  }

  protected computeMat(query: Tensor, ref: Tensor): Tensor {
    return query.mm(ref.t()); // (Nq, Nr)
  }

  protected computePairwise(query: Tensor, ref: Tensor): Tensor {
    return rowDot(query, ref);
  }
}
