import { scope, type Tensor } from '../../tensor/index.js';
import { checkOptions } from '../validate.js';
import { BaseReducer } from './base.js';

/** Bounds of the losses that count; at least one must be given. */
export interface ThresholdReducerOptions {
  /** Only losses > low count. */
  low?: number;
  /** Only losses < high count. */
  high?: number;
}

/**
 * The mean of the losses strictly between `low` and `high`; zero (still backpropagating) when
 * none qualifies. As pytorch-metric-learning's `ThresholdReducer(low, high)`.
 */
export class ThresholdReducer extends BaseReducer {
  readonly low: number | null;
  readonly high: number | null;

  constructor(o: ThresholdReducerOptions) {
    const who = new.target.name;
    const opts = checkOptions(who, o, ['low', 'high']);
    super();
    for (const k of ['low', 'high'] as const) {
      const v = opts[k];
      if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v))) throw new TypeError(`${who}: ${k} must be a number, got ${String(v)}`);
    }
    if (opts.low === undefined && opts.high === undefined) throw new TypeError(`${who}: give at least one of low and high`);
    this.low = opts.low ?? null;
    this.high = opts.high ?? null;
  }

  protected reduceLosses(losses: Tensor): Tensor {
    return scope(() => {
      let keep: Tensor | null = this.low === null ? null : losses.gt(this.low);
      if (this.high !== null) keep = keep === null ? losses.lt(this.high) : keep.logicalAnd(losses.lt(this.high));
      const w = keep!.to(losses.dtype); // 1 where the loss counts
      // sum(kept) / max(count, 1): the mean of the kept losses, or exactly 0 when none is kept.
      return losses.mul(w).sum().div(w.sum().clampMin(1));
    });
  }
}
