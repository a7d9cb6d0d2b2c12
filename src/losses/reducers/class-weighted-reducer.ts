import { scope, Tensor, tensor } from '../../tensor/index.js';
import { checkOptions } from '../validate.js';
import { anchorIndices, BaseReducer, type ReduceContext, type ReductionType } from './base.js';

export interface ClassWeightedReducerOptions {
  /** One weight per class: weights[c] multiplies the losses whose anchor has label c (integer labels 0..C-1). */
  weights: readonly number[] | Tensor;
}

/**
 * The class-weighted mean: mean_k( weights[y_{a_k}] * l_k ), where a_k is the anchor of loss k
 * (the element itself for 'element' losses, the first index of a pair or triplet). As
 * pytorch-metric-learning's `ClassWeightedReducer(weights)`; it needs the loss's `indices` and the
 * labels (MetricLoss passes them). Labels must be integers in [0, weights.length).
 */
export class ClassWeightedReducer extends BaseReducer {
  /** The weights, as given (a copy of an array; a tensor is used as is and must outlive the reducer's use). */
  readonly weights: readonly number[] | Tensor;

  constructor(o: ClassWeightedReducerOptions) {
    const who = 'ClassWeightedReducer';
    if (o === undefined) throw new TypeError(`${who}: weights is required (one weight per class)`);
    const opts = checkOptions(who, o, ['weights']);
    super();
    const w: unknown = opts.weights;
    if (Array.isArray(w)) {
      if (w.length === 0 || !w.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new TypeError(`${who}: weights must be a non-empty array of finite numbers, got [${w.map(String).join(', ')}]`);
      }
      this.weights = [...(w as number[])];
    } else if (w instanceof Tensor) {
      const t = w;
      if (t.ndim !== 1 || t.shape[0] === 0) throw new RangeError(`${who}: weights must be a non-empty 1-d tensor, got shape [${t.shape.join(', ')}]`);
      this.weights = t;
    } else {
      throw new TypeError(`${who}: weights must be an array of numbers or a 1-d Tensor, got ${w === null ? 'null' : typeof w}`);
    }
  }

  protected reduceLosses(losses: Tensor, _kind: ReductionType, ctx: ReduceContext): Tensor {
    const who = 'ClassWeightedReducer';
    const a = anchorIndices(who, ctx);
    const labels = ctx.labels;
    if (labels === undefined) throw new TypeError(`${who}: needs the labels (reduce(dict, embeddings, labels))`);
    return scope(() => {
      const w = Array.isArray(this.weights)
        ? tensor(this.weights as number[], { dtype: losses.dtype, device: losses.device })
        : (this.weights as Tensor).to(losses.dtype).to(losses.device);
      const cls = labels.indexSelect(0, a).to('int64'); // (K) the anchors' labels
      const c = w.shape[0]!;
      const [lo, hi] = [cls.min().item(), cls.max().item()];
      if (lo < 0 || hi >= c) throw new RangeError(`${who}: labels must index the ${c} weights (0..${c - 1}), got labels in [${lo}, ${hi}]`);
      return losses.mul(w.indexSelect(0, cls)).mean();
    });
  }
}
