import { cdist, F, type Tensor } from '../../tensor/index.js';
import { BaseDistance, type DistanceOptions } from './base.js';

/**
 * The L_p distance ||q - r||_p (`torch.cdist`); smaller is closer. As pytorch-metric-learning's
 * `LpDistance`: embeddings are L_p-normalised first unless `normalizeEmbeddings: false`, and
 * `power: 2` gives squared distances.
 */
export class LpDistance extends BaseDistance {
  readonly isInverted = false;

  constructor(o?: DistanceOptions) {
    super('LpDistance', o);
  }

  protected computeMat(query: Tensor, ref: Tensor): Tensor {
    return cdist(query, ref, this.p); // (Nq, Nr)
  }

  /** As `F.pairwise_distance` (eps 1e-6 added to the difference). */
  protected computePairwise(query: Tensor, ref: Tensor): Tensor {
    return F.pairwiseDistance(query, ref, this.p, 1e-6); // (N)
  }
}
