import { F, type Tensor } from '../../tensor/index.js';
import { allTriplets, selectWhere, type TripletIndices } from '../indices.js';
import { checkNumber } from '../validate.js';
import { BaseMiner, type MinerOptions } from './base.js';
import { requireNormalizedL2 } from './sampling.js';

export interface AngularMinerOptions extends MinerOptions {
  /** The threshold angle in degrees (default 20). */
  angle?: number;
}

/**
 * Triplets whose angle at the negative exceeds `angle` (degrees), the angle of Wang et al. 2017,
 * "Deep Metric Learning with Angular Loss", eq. 5: with the centre c = (x_a + x_p) / 2,
 *   tan(angle_n) = ||x_a - x_p|| / (2 ||x_n - c||).
 * As pytorch-metric-learning's `AngularMiner` (default angle 20; the distance must be the default
 * `LpDistance()`, which PML asserts): as PML, the angle is measured on the embeddings as given
 * (PML's `LpDistance.pairwise_distance` does not normalise) with `F.pairwiseDistance`'s eps 1e-6.
 * The test tan(angle_n) > tan(angle) is used instead of atan (the same set; none pass at >= 90).
 */
export class AngularMiner extends BaseMiner<TripletIndices> {
  readonly angle: number;

  constructor(o: AngularMinerOptions = {}) {
    super('AngularMiner', o, ['angle']);
    requireNormalizedL2(this.name, this.distance);
    this.angle = checkNumber(this.name, 'angle', o.angle ?? 20);
  }

  protected mineImpl(embeddings: Tensor, labels: Tensor): TripletIndices {
    const [a, p, n] = allTriplets(labels);
    const xa = embeddings.indexSelect(0, a); // (T, D)
    const xp = embeddings.indexSelect(0, p);
    const xn = embeddings.indexSelect(0, n);
    const ap = F.pairwiseDistance(xa, xp, 2, 1e-6); // (T)
    const nc = F.pairwiseDistance(xn, xa.add(xp).div(2), 2, 1e-6); // (T)
    const keep = this.angle >= 90 ? ap.lt(-1) : ap.gt(nc.mul(2 * Math.tan((this.angle * Math.PI) / 180)));
    return selectWhere(keep, [a, p, n] as const);
  }
}
