import { arange, ones, scope, type Tensor, zeros } from '../../tensor/index.js';
import { checkOptions } from '../validate.js';
import { BaseReducer, type ReduceContext, type ReductionType } from './base.js';
import { MeanReducer } from './mean-reducer.js';

/**
 * Turns an (N, N) matrix of pair losses (0 where there is no pair) and the number of pairs per
 * row (N) into one loss per anchor (N).
 */
export type AggregationFunc = (losses: Tensor, numPerRow: Tensor) => Tensor;

/** The default aggregation: each row's mean over its pairs, 0 for a row without pairs (PML `aggregation_func`). */
export const meanPerRow: AggregationFunc = (losses, numPerRow) => scope(() => {
  const n = numPerRow.to(losses.dtype);
  return losses.sum(1).div(n.clampMin(1)).mul(n.gt(0).to(losses.dtype)); // (N)
});

export interface PerAnchorReducerOptions {
  /** Reduces the per-anchor losses (default `MeanReducer`). */
  reducer?: BaseReducer;
  /** Per-anchor aggregation of pair losses (default `meanPerRow`). */
  aggregationFunc?: AggregationFunc;
}

/**
 * Reduces per anchor first, then over anchors, as pytorch-metric-learning's `PerAnchorReducer`:
 * pair losses (pos_pair / neg_pair) are placed in an (N, N) matrix at their [anchor, other]
 * indices (a pair listed twice counts once) and aggregated per row by `aggregationFunc` (by
 * default each anchor's mean, 0 for an anchor without pairs), then the N per-anchor losses go to
 * `reducer` (default `MeanReducer`) as an 'element' loss with indices 0..N-1; 'element' losses go
 * to `reducer` directly. Triplet losses are not supported (as PML). Needs the loss's `indices`.
 */
export class PerAnchorReducer extends BaseReducer {
  readonly reducer: BaseReducer;
  readonly aggregationFunc: AggregationFunc;

  constructor(o: PerAnchorReducerOptions = {}) {
    const who = 'PerAnchorReducer';
    const opts = checkOptions(who, o, ['reducer', 'aggregationFunc']);
    super();
    if (opts.reducer !== undefined && !(opts.reducer instanceof BaseReducer)) throw new TypeError(`${who}: reducer must be a reducer (e.g. new MeanReducer())`);
    if (opts.aggregationFunc !== undefined && typeof opts.aggregationFunc !== 'function') {
      throw new TypeError(`${who}: aggregationFunc must be a function (losses (N, N), numPerRow (N)) => (N)`);
    }
    this.reducer = opts.reducer ?? new MeanReducer();
    this.aggregationFunc = opts.aggregationFunc ?? meanPerRow;
  }

  protected reduceLosses(losses: Tensor, kind: ReductionType, ctx: ReduceContext): Tensor {
    const who = 'PerAnchorReducer';
    if (kind === 'element') return this.reducer.reduce({ [ctx.name]: { ...ctx.sub, losses } }, ctx.embeddings, ctx.labels);
    if (kind === 'triplet') throw new TypeError(`${who}: triplet losses are not supported (as PML); sub-loss '${ctx.name}'`);
    const idx = ctx.sub.indices;
    if (!Array.isArray(idx) || idx.length !== 2) throw new TypeError(`${who}: sub-loss '${ctx.name}' needs pair indices [anchor, other]`);
    const [a, o] = idx as readonly Tensor[];
    return scope(() => {
      const n = ctx.embeddings.shape[0]!;
      const dev = losses.device;
      const mat = zeros([n, n], { dtype: losses.dtype, device: dev }).indexPut([a!, o!], losses); // (N, N)
      const has = zeros([n, n], { dtype: losses.dtype, device: dev }).indexPut([a!, o!], ones([], { dtype: losses.dtype, device: dev })); // (N, N) 0/1
      const perAnchor = this.aggregationFunc(mat, has.sum(1)); // (N)
      const anchors = arange(n, undefined, 1, { dtype: 'int64', device: dev }); // (N)
      return this.reducer.reduce({ [ctx.name]: { losses: perAnchor, reductionType: 'element', indices: anchors } }, ctx.embeddings, ctx.labels);
    });
  }
}
