import type { Tensor } from '../../tensor/index.js';
import { allPairs, gather2d, type PairIndices, selectWhere } from '../indices.js';
import { checkNumber } from '../validate.js';
import { BaseMiner, type MinerOptions } from './base.js';

export interface PairMarginMinerOptions extends MinerOptions {
  /** Positive pairs farther than this are kept (default 0.2). */
  posMargin?: number;
  /** Negative pairs closer than this are kept (default 0.8). */
  negMargin?: number;
}

/**
 * The pairs that violate a margin, as pytorch-metric-learning's `PairMarginMiner`: positive
 * pairs with d > posMargin and negative pairs with d < negMargin (s < posMargin and
 * s > negMargin for similarities). Default distance `LpDistance()`.
 */
export class PairMarginMiner extends BaseMiner<PairIndices> {
  readonly posMargin: number;
  readonly negMargin: number;

  constructor(o: PairMarginMinerOptions = {}) {
    super('PairMarginMiner', o, ['posMargin', 'negMargin']);
    this.posMargin = checkNumber(this.name, 'posMargin', o.posMargin ?? 0.2);
    this.negMargin = checkNumber(this.name, 'negMargin', o.negMargin ?? 0.8);
  }

  protected mineImpl(embeddings: Tensor, labels: Tensor): PairIndices {
    const mat = this.distance.forward(embeddings); // (N, N)
    const [a1, p, a2, n] = allPairs(labels);
    const pos = gather2d(mat, a1, p);
    const neg = gather2d(mat, a2, n);
    const inv = this.distance.isInverted;
    const [pa, pp] = selectWhere(inv ? pos.lt(this.posMargin) : pos.gt(this.posMargin), [a1, p] as const);
    const [na, nn] = selectWhere(inv ? neg.gt(this.negMargin) : neg.lt(this.negMargin), [a2, n] as const);
    return [pa, pp, na, nn];
  }
}
