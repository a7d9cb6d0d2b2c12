import { scope, type Tensor } from '../../tensor/index.js';
import { BaseReducer, type ReduceContext, type ReductionType, zeroLoss } from './base.js';

/**
 * sum(losses) / divisor, where each sub-loss carries its own `divisor` (a number or a scalar
 * tensor; a zero divisor gives a zero that backpropagates). 'already_reduced' sub-losses pass
 * through. As pytorch-metric-learning's `DivisorReducer` (the default reducer of its ProxyAnchor
 * and Margin losses). A tensor divisor is applied on the device: no value is read back.
 */
export class DivisorReducer extends BaseReducer {
  protected reduceLosses(losses: Tensor, _kind: ReductionType, ctx: ReduceContext): Tensor {
    const divisor = ctx.sub.divisor;
    if (divisor === undefined) throw new TypeError(`DivisorReducer: sub-loss '${ctx.name}' has no divisor (the loss must supply one)`);
    return scope(() => {
      const sum = losses.sum();
      if (typeof divisor === 'number') {
        if (!Number.isFinite(divisor)) throw new RangeError(`DivisorReducer: sub-loss '${ctx.name}' has divisor ${divisor}`);
        return divisor === 0 ? zeroLoss(ctx.embeddings) : sum.div(divisor);
      }
      const d = divisor.to({ dtype: sum.dtype, device: sum.device }).reshape([]);
      const nonZero = d.ne(0);
      return sum.div(d.where(nonZero, 1)).mul(nonZero.to(sum.dtype));
    });
  }
}
