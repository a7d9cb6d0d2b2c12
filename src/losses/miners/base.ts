// Miners pick the informative pairs or triplets of a batch, as pytorch-metric-learning's
// miners (miners/base_miner.py). They run without gradients and return index tuples.
import { noGrad, scope, type Tensor } from '../../tensor/index.js';
import type { BaseDistance } from '../distances/base.js';
import { LpDistance } from '../distances/lp-distance.js';
import type { IndicesTuple } from '../indices.js';
import { checkEmbeddings, checkOptions, toLabels } from '../validate.js';

/** The options every miner takes. */
export interface MinerOptions {
  /** How embeddings are compared (default `LpDistance()`, normalised L2, unless a miner says otherwise). */
  distance?: BaseDistance;
}

/** A miner: `mine(embeddings, labels)` returns [a, p, n] triplets or [a1, p, a2, n] pairs. */
export abstract class BaseMiner<T extends IndicesTuple = IndicesTuple> {
  readonly distance: BaseDistance;

  protected constructor(readonly name: string, o: MinerOptions | undefined, extra: readonly string[], defaultDistance: () => BaseDistance = () => new LpDistance()) {
    const opts = checkOptions(name, o, ['distance', ...extra]);
    if (opts.distance !== undefined && !isDistance(opts.distance)) throw new TypeError(`${name}: distance must be a distance (e.g. new LpDistance())`);
    this.distance = opts.distance ?? defaultDistance();
  }

  /**
   * Mines index tuples from `embeddings` (N, D) and `labels` (N). Runs under `noGrad`; the
   * returned int64 tensors belong to the caller's scope.
   */
  mine(embeddings: Tensor, labels: Tensor | readonly number[]): T {
    checkEmbeddings(this.name, 'embeddings', embeddings);
    return noGrad(() => scope(() => {
      const y = toLabels(this.name, labels, embeddings.shape[0]!, embeddings.device);
      return this.mineImpl(embeddings.detach(), y);
    }));
  }

  protected abstract mineImpl(embeddings: Tensor, labels: Tensor): T;
}

export function isDistance(x: unknown): x is BaseDistance {
  return typeof x === 'object' && x !== null && 'isInverted' in x && typeof (x as BaseDistance).forward === 'function';
}
