// The shared machinery of label-based losses, after pytorch-metric-learning's
// `BaseMetricLossFunction`: a distance, a reducer and an optional miner, injected with defaults.
import { scope, type Tensor } from '../tensor/index.js';
import type { BaseDistance } from './distances/base.js';
import { checkIndicesTuple, type IndicesTuple } from './indices.js';
import { type BaseMiner, isDistance } from './miners/base.js';
import { BaseReducer, type LossDict } from './reducers/base.js';
import { checkEmbeddings, checkOptions, toLabels } from './validate.js';

/** Options every label-based loss takes. */
export interface MetricLossOptions {
  /** How embeddings are compared; each loss names its default. */
  distance?: BaseDistance;
  /** How per-pair / per-triplet losses become a scalar; each loss names its default. */
  reducer?: BaseReducer;
  /** Mines index tuples when `forward` gets none. */
  miner?: BaseMiner;
}

/**
 * A label-based loss: `forward(embeddings (N, D), labels (N), indicesTuple?)` returns a scalar
 * that backpropagates. Without an index tuple it uses the miner's output when a miner is set,
 * else every valid pair or triplet of the batch (as pytorch-metric-learning does).
 */
export abstract class MetricLoss {
  readonly distance: BaseDistance;
  readonly reducer: BaseReducer;
  readonly miner: BaseMiner | null;

  protected constructor(
    readonly name: string,
    o: MetricLossOptions | undefined,
    extra: readonly string[],
    defaults: { distance: () => BaseDistance; reducer: () => BaseReducer },
  ) {
    const opts = checkOptions(name, o, ['distance', 'reducer', 'miner', ...extra]);
    if (opts.distance !== undefined && !isDistance(opts.distance)) throw new TypeError(`${name}: distance must be a distance (e.g. new CosineSimilarity())`);
    if (opts.reducer !== undefined && !(opts.reducer instanceof BaseReducer)) throw new TypeError(`${name}: reducer must be a reducer (e.g. new MeanReducer())`);
    if (opts.miner !== undefined && (typeof opts.miner !== 'object' || opts.miner === null || typeof opts.miner.mine !== 'function')) {
      throw new TypeError(`${name}: miner must be a miner (e.g. new BatchHardMiner())`);
    }
    this.distance = opts.distance ?? defaults.distance();
    this.reducer = opts.reducer ?? defaults.reducer();
    this.miner = opts.miner ?? null;
  }

  /**
   * The loss of `embeddings` (N, D) with `labels` (N) over the pairs or triplets in
   * `indicesTuple` ([a, p, n] or [a1, p, a2, n], e.g. a miner's output). Intermediates are freed;
   * the returned scalar belongs to the caller's scope.
   */
  forward(embeddings: Tensor, labels: Tensor | readonly number[], indicesTuple?: IndicesTuple): Tensor {
    checkEmbeddings(this.name, 'embeddings', embeddings);
    return scope(() => {
      const n = embeddings.shape[0]!;
      const y = toLabels(this.name, labels, n, embeddings.device);
      let tuple = indicesTuple;
      if (tuple !== undefined) checkIndicesTuple(this.name, tuple, n, embeddings.device);
      else if (this.miner !== null) tuple = this.miner.mine(embeddings, y);
      const dict = this.computeLoss(embeddings, y, tuple);
      return this.reducer.reduce(dict, embeddings);
    });
  }

  /** The unreduced sub-losses. */
  protected abstract computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict;
}
