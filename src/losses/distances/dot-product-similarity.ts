import type { Tensor } from '../../tensor/index.js';
import { BaseDistance, type DistanceOptions, rowDot } from './base.js';

/**
 * Dot-product similarity q . r; larger is closer. As pytorch-metric-learning's
 * `DotProductSimilarity`: embeddings are L2-normalised first unless `normalizeEmbeddings: false`.
 */
export class DotProductSimilarity extends BaseDistance {
  readonly isInverted = true;

  constructor(o?: DistanceOptions) {
    super('DotProductSimilarity', o);
  }

  protected computeMat(query: Tensor, ref: Tensor): Tensor {
    return query.mm(ref.t()); // (Nq, Nr)
  }

  protected computePairwise(query: Tensor, ref: Tensor): Tensor {
    return rowDot(query, ref);
  }
}
