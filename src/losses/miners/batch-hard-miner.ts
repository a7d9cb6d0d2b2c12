import type { Tensor } from '../../tensor/index.js';
import { matchesAndDiffs, type TripletIndices, whereIndices } from '../indices.js';
import { BaseMiner, type MinerOptions } from './base.js';

/**
 * Batch-hard mining (Hermans, Beyer & Leibe 2017, "In Defense of the Triplet Loss for Person
 * Re-Identification"): for every anchor with a positive and a negative, the farthest positive
 * and the closest negative, one triplet per anchor. Follows pytorch-metric-learning's
 * `BatchHardMiner` (ties go to the lowest index); default distance `LpDistance()`.
 * Unlike PML, candidates are masked with +-infinity rather than multiplied by a 0/1 mask, so a
 * similarity matrix whose candidate entries are all negative still yields a true negative
 * (PML can return a masked-out index there).
 */
export class BatchHardMiner extends BaseMiner<TripletIndices> {
  constructor(o?: MinerOptions) {
    super('BatchHardMiner', o, []);
  }

  protected mineImpl(embeddings: Tensor, labels: Tensor): TripletIndices {
    const inv = this.distance.isInverted;
    const mat = this.distance.forward(embeddings); // (N, N)
    const { matches, diffs } = matchesAndDiffs(labels);
    // Hardest positive: largest distance (smallest similarity) among same-label entries.
    const pos = mat.maskedFill(matches.logicalNot(), inv ? Infinity : -Infinity);
    const hardestPositive = (inv ? pos.min(1) : pos.max(1)).indices; // (N)
    // Hardest negative: smallest distance (largest similarity) among other-label entries.
    const neg = mat.maskedFill(diffs.logicalNot(), inv ? -Infinity : Infinity);
    const hardestNegative = (inv ? neg.max(1) : neg.min(1)).indices; // (N)
    const keep = matches.any(1).logicalAnd(diffs.any(1)); // (N): anchors with a positive and a negative
    const [a] = whereIndices(keep);
    return [a!, hardestPositive.indexSelect(0, a!), hardestNegative.indexSelect(0, a!)];
  }
}
