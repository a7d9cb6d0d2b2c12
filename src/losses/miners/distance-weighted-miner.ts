import { scope, type Tensor, zeros } from '../../tensor/index.js';
import { matchesAndDiffs, type TripletIndices, whereIndices } from '../indices.js';
import { checkNumber } from '../validate.js';
import { BaseMiner, type MinerOptions } from './base.js';
import { requireNormalizedL2, sampleColumns } from './sampling.js';

export interface DistanceWeightedMinerOptions extends MinerOptions {
  /** Distances below this count as this (default 0.5). */
  cutoff?: number;
  /** Negatives at distance >= this are never sampled (default 1.4). */
  nonzeroLossCutoff?: number;
}

/**
 * Distance-weighted sampling (Wu et al. 2017, "Sampling Matters in Deep Embedding Learning",
 * section 4 and eq. 5): on the unit sphere in R^D, pairwise distances follow
 *   q(d) ∝ d^(D-2) [1 - d^2 / 4]^((D-3)/2),
 * and negatives are drawn with weights q(max(d, cutoff))^-1, zero for same-label rows and for
 * d >= nonzeroLossCutoff. As pytorch-metric-learning's `DistanceWeightedMiner`: every row whose
 * label has another row and that has a negative of non-zero weight is the anchor of k triplets,
 * k the size of its label, each with a uniformly random positive (same label, not itself) and a
 * negative drawn from its weights. Defaults: cutoff 0.5, nonzeroLossCutoff 1.4; the distance must
 * be the default `LpDistance()` (PML asserts it). Randomness comes from the library's seeded
 * generator (`manualSeed`). Deviations: the log-weights are shifted by each row's maximum (PML
 * shifts by the global maximum, which can underflow whole rows to zero for large D; the
 * distribution is the same), and triplets come in anchor order (PML groups them by label).
 */
export class DistanceWeightedMiner extends BaseMiner<TripletIndices> {
  readonly cutoff: number;
  readonly nonzeroLossCutoff: number;

  constructor(o: DistanceWeightedMinerOptions = {}) {
    super('DistanceWeightedMiner', o, ['cutoff', 'nonzeroLossCutoff']);
    requireNormalizedL2(this.name, this.distance);
    this.cutoff = checkNumber(this.name, 'cutoff', o.cutoff ?? 0.5);
    this.nonzeroLossCutoff = checkNumber(this.name, 'nonzeroLossCutoff', o.nonzeroLossCutoff ?? 1.4);
    if (this.cutoff < 0) throw new RangeError(`${this.name}: cutoff must be >= 0, got ${this.cutoff}`);
    if (this.nonzeroLossCutoff <= 0) throw new RangeError(`${this.name}: nonzeroLossCutoff must be > 0, got ${this.nonzeroLossCutoff}`);
  }

  /** The (N, N) float64 sampling weights of negatives, unnormalised (row-max 1 where any is non-zero). */
  weights(embeddings: Tensor, labels: Tensor): Tensor {
    return scope(() => {
      const d = embeddings.shape[1]!;
      const mat = this.distance.forward(embeddings.detach()).to('float64').clampMin(this.cutoff); // (N, N)
      // log q(d)^-1 = (2 - D) log d - (D - 3)/2 log(1 - d^2/4)
      const logW = mat.log().mul(2 - d).sub(mat.square().mul(-0.25).add(1).log().mul((d - 3) / 2)); // (N, N)
      const { diffs } = matchesAndDiffs(labels);
      const eligible = diffs.logicalAnd(mat.lt(this.nonzeroLossCutoff)).logicalAnd(logW.isfinite()); // (N, N)
      const masked = logW.maskedFill(eligible.logicalNot(), -Infinity);
      const rowMax = masked.amax(1, true); // (N, 1)
      return masked.sub(rowMax.maskedFill(rowMax.isfinite().logicalNot(), 0)).exp(); // exp(-inf) = 0 off the eligible set
    });
  }

  protected mineImpl(embeddings: Tensor, labels: Tensor): TripletIndices {
    const w = this.weights(embeddings, labels); // (N, N)
    const { matches } = matchesAndDiffs(labels);
    const valid = w.sum(1).gt(0).logicalAnd(matches.any(1)); // (N) anchors with a positive and a weighted negative
    const sameLabel = labels.unsqueeze(1).eq(labels.unsqueeze(0)); // (N, N), k = label size slots per anchor
    const [a] = whereIndices(sameLabel.logicalAnd(valid.unsqueeze(1))); // (T) anchors, each k times
    if (a!.shape[0] === 0) {
      const empty = (): Tensor => zeros([0], { dtype: 'int64', device: embeddings.device });
      return [empty(), empty(), empty()];
    }
    const p = sampleColumns(matches, a!); // (T) uniform over the other rows of the label
    const n = sampleColumns(w, a!); // (T) by the distance weights
    return [a!, p, n];
  }
}
