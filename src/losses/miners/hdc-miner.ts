import type { Tensor } from '../../tensor/index.js';
import { allPairs, gather2d, type PairIndices } from '../indices.js';
import { checkNumber } from '../validate.js';
import { BaseMiner, type MinerOptions } from './base.js';

export interface HDCMinerOptions extends MinerOptions {
  /** The fraction of positive and of negative pairs kept (default 0.5). */
  filterPercentage?: number;
}

/**
 * Hard-pair mining of "Hard-Aware Deeply Cascaded Embedding" (Yuan, Yang & Zhang 2017,
 * section 3.2): of all positive pairs keep the ceil(filterPercentage * P) hardest (largest
 * distance), of all negative pairs the ceil(filterPercentage * Q) hardest (smallest distance);
 * mirrored for similarities. As pytorch-metric-learning's `HDCMiner` (one cascade level);
 * default filterPercentage 0.5, distance `LpDistance()`. Pairs come hardest first. PML's
 * `set_idx_externally` (filtering a given tuple) is not offered.
 */
export class HDCMiner extends BaseMiner<PairIndices> {
  readonly filterPercentage: number;

  constructor(o: HDCMinerOptions = {}) {
    super('HDCMiner', o, ['filterPercentage']);
    this.filterPercentage = checkNumber(this.name, 'filterPercentage', o.filterPercentage ?? 0.5);
    if (this.filterPercentage < 0 || this.filterPercentage > 1) {
      throw new RangeError(`${this.name}: filterPercentage must be in [0, 1], got ${this.filterPercentage}`);
    }
  }

  protected mineImpl(embeddings: Tensor, labels: Tensor): PairIndices {
    const mat = this.distance.forward(embeddings); // (N, N)
    const [a1, p, a2, n] = allPairs(labels);
    const inv = this.distance.isInverted;
    const keep = (a: Tensor, o: Tensor, largest: boolean): [Tensor, Tensor] => {
      const count = a.shape[0]!;
      if (count === 0) return [a, o];
      const k = Math.ceil(this.filterPercentage * count);
      const { indices } = gather2d(mat, a, o).topk(k, 0, largest); // (k)
      return [a.indexSelect(0, indices), o.indexSelect(0, indices)];
    };
    const [ka1, kp] = keep(a1!, p!, !inv); // hardest positives: farthest
    const [ka2, kn] = keep(a2!, n!, inv); // hardest negatives: closest
    return [ka1, kp, ka2, kn];
  }
}
