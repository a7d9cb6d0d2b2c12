import type { Tensor } from '../../tensor/index.js';
import { allTriplets, type TripletIndices } from '../indices.js';
import { BaseMiner, type MinerOptions } from './base.js';

/**
 * Batch-all mining (Hermans, Beyer & Leibe 2017): every valid triplet of the batch
 * (y_a = y_p, a != p, y_n != y_a), in row-major (a, p, n) order. This is the set
 * pytorch-metric-learning's `get_all_triplets_indices` gives (PML has no miner class for it; its
 * triplet loss uses this set when no miner is passed). Pair it with `AvgNonZeroReducer` for
 * the paper's "batch all, non-zero" average. Labels alone decide; the distance is not used.
 */
export class BatchAllMiner extends BaseMiner<TripletIndices> {
  constructor(o?: MinerOptions) {
    super('BatchAllMiner', o, []);
  }

  protected mineImpl(_embeddings: Tensor, labels: Tensor): TripletIndices {
    return allTriplets(labels);
  }
}
