// The shared machinery of label-based losses, after pytorch-metric-learning's
// `BaseMetricLossFunction`: a distance, a reducer and an optional miner, injected with defaults.
import { Module } from '../nn/module.js';
import { scope, type Tensor, withoutAutocast } from '../tensor/index.js';
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

/** What a label-based loss's `forward` takes. */
export type MetricLossInput = [embeddings: Tensor, labels: Tensor | readonly number[], indicesTuple?: IndicesTuple];

/**
 * A label-based loss: `forward(embeddings (N, D), labels (N), indicesTuple?)` returns a scalar
 * that backpropagates. Without an index tuple it uses the miner's output when a miner is set,
 * else every valid pair or triplet of the batch (as pytorch-metric-learning does).
 * It is a `Module`, as PML's losses are `torch.nn.Module`s: a loss that learns (proxies, class
 * weights, a margin) registers its parameters, so they train, move with `to()`, save in the
 * state dict of a model that registers the loss, and are freed by `dispose()`.
 */
export abstract class MetricLoss extends Module<MetricLossInput, Tensor> {
  readonly distance: BaseDistance;
  readonly reducer: BaseReducer;
  readonly miner: BaseMiner | null;
  /**
   * Whether an index tuple chooses what the loss compares (its pairs or triplets): true for pair,
   * triplet and anchor losses; false for losses that ignore it (FastAP, Instance) or only weigh
   * samples by it against class weights (proxy and classification losses). The wrappers that
   * build tuples (SelfSupervisedLoss, CrossBatchMemory) need it true.
   */
  get takesIndicesTuple(): boolean {
    return true;
  }

  protected constructor(
    o: MetricLossOptions | undefined,
    extra: readonly string[],
    defaults: { distance: () => BaseDistance; reducer: () => BaseReducer },
  ) {
    super();
    const name = this.name;
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
   * the returned scalar belongs to the caller's scope. Half-precision embeddings are compared in
   * float32 with autocast off (as autocast keeps losses in float32): the margins, scales of 64
   * and arc cosines of these losses need it.
   */
  forward(embeddings: Tensor, labels: Tensor | readonly number[], indicesTuple?: IndicesTuple): Tensor {
    checkEmbeddings(this.name, 'embeddings', embeddings);
    return withoutAutocast(() => scope(() => {
      const n = embeddings.shape[0]!;
      const x = embeddings.dtype === 'bfloat16' || embeddings.dtype === 'float16' ? embeddings.to('float32') : embeddings; // (N, D), float32 at least
      const y = toLabels(this.name, labels, n, embeddings.device);
      let tuple = indicesTuple;
      if (tuple !== undefined) checkIndicesTuple(this.name, tuple, n, embeddings.device);
      else if (this.miner !== null) tuple = this.miner.mine(x, y);
      const dict = this.computeLoss(x, y, tuple);
      return this.reducer.reduce(dict, x, y);
    }));
  }

  /** The unreduced sub-losses. */
  protected abstract computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict;
}
