import type { Tensor } from '../../tensor/index.js';
import { CosineSimilarity } from '../distances/cosine-similarity.js';
import { matchesAndDiffs, type PairIndices, whereIndices } from '../indices.js';
import { checkNumber } from '../validate.js';
import { BaseMiner, type MinerOptions } from './base.js';

export interface MultiSimilarityMinerOptions extends MinerOptions {
  /** Default 0.1. */
  epsilon?: number;
}

/**
 * Multi-similarity pair mining (Wang et al. 2019, "Multi-Similarity Loss with General Pair
 * Weighting", eq. 5-6): with similarities S, keep a negative pair (i, n) when
 * S_in + epsilon > min over positives S_ip, and a positive pair (i, p) when
 * S_ip - epsilon < max over negatives S_in (mirrored for distances). As pytorch-metric-learning's
 * `MultiSimilarityMiner`; default distance `CosineSimilarity()`. Pairs come in row-major order
 * (PML orders each row by similarity; the sets are the same).
 */
export class MultiSimilarityMiner extends BaseMiner<PairIndices> {
  readonly epsilon: number;

  constructor(o: MultiSimilarityMinerOptions = {}) {
    super('MultiSimilarityMiner', o, ['epsilon'], () => new CosineSimilarity());
    this.epsilon = checkNumber(this.name, 'epsilon', o.epsilon ?? 0.1);
  }

  protected mineImpl(embeddings: Tensor, labels: Tensor): PairIndices {
    const mat = this.distance.forward(embeddings); // (N, N)
    const { matches, diffs } = matchesAndDiffs(labels);
    const eps = this.epsilon;
    let posKeep: Tensor;
    let negKeep: Tensor;
    if (this.distance.isInverted) {
      const hardestNeg = mat.maskedFill(diffs.logicalNot(), -Infinity).max(1).values.unsqueeze(1); // (N, 1)
      const hardestPos = mat.maskedFill(matches.logicalNot(), Infinity).min(1).values.unsqueeze(1); // (N, 1)
      posKeep = matches.logicalAnd(mat.sub(eps).lt(hardestNeg));
      negKeep = diffs.logicalAnd(mat.add(eps).gt(hardestPos));
    } else {
      const hardestNeg = mat.maskedFill(diffs.logicalNot(), Infinity).min(1).values.unsqueeze(1); // (N, 1)
      const hardestPos = mat.maskedFill(matches.logicalNot(), -Infinity).max(1).values.unsqueeze(1); // (N, 1)
      posKeep = matches.logicalAnd(mat.add(eps).gt(hardestNeg));
      negKeep = diffs.logicalAnd(mat.sub(eps).lt(hardestPos));
    }
    const [a1, p] = whereIndices(posKeep);
    const [a2, n] = whereIndices(negKeep);
    return [a1!, p!, a2!, n!];
  }
}
