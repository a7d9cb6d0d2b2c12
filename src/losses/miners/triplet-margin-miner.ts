import type { Tensor } from '../../tensor/index.js';
import { allTriplets, gather2d, selectWhere, type TripletIndices } from '../indices.js';
import { checkNumber } from '../validate.js';
import { BaseMiner, type MinerOptions } from './base.js';

/** Which triplets TripletMarginMiner keeps. */
export type TripletType = 'all' | 'hard' | 'semihard' | 'easy';

export interface TripletMarginMinerOptions extends MinerOptions {
  /** Default 0.2. */
  margin?: number;
  /** Default 'all'. */
  typeOfTriplets?: TripletType;
}

/**
 * Triplets by their margin m = d(a, n) - d(a, p) (s(a, p) - s(a, n) for similarities), as
 * pytorch-metric-learning's `TripletMarginMiner`: 'all' keeps m <= margin (violators), 'hard'
 * m <= 0 too, 'semihard' 0 < m <= margin (Schroff et al. 2015, FaceNet), 'easy' m > margin.
 * Default distance `LpDistance()`.
 */
export class TripletMarginMiner extends BaseMiner<TripletIndices> {
  readonly margin: number;
  readonly typeOfTriplets: TripletType;

  constructor(o: TripletMarginMinerOptions = {}) {
    super('TripletMarginMiner', o, ['margin', 'typeOfTriplets']);
    this.margin = checkNumber(this.name, 'margin', o.margin ?? 0.2);
    const t = o.typeOfTriplets ?? 'all';
    if (!['all', 'hard', 'semihard', 'easy'].includes(t)) {
      throw new TypeError(`${this.name}: typeOfTriplets must be 'all', 'hard', 'semihard' or 'easy', got '${String(t)}'`);
    }
    this.typeOfTriplets = t;
  }

  protected mineImpl(embeddings: Tensor, labels: Tensor): TripletIndices {
    const [a, p, n] = allTriplets(labels);
    const mat = this.distance.forward(embeddings); // (N, N)
    const ap = gather2d(mat, a, p); // (T)
    const an = gather2d(mat, a, n); // (T)
    const m = this.distance.isInverted ? ap.sub(an) : an.sub(ap); // (T)
    let keep: Tensor;
    if (this.typeOfTriplets === 'easy') {
      keep = m.gt(this.margin);
    } else {
      keep = m.le(this.margin);
      if (this.typeOfTriplets === 'hard') keep = keep.logicalAnd(m.le(0));
      else if (this.typeOfTriplets === 'semihard') keep = keep.logicalAnd(m.gt(0));
    }
    return selectWhere(keep, [a, p, n] as const);
  }
}
