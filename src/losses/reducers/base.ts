// Reducers turn per-element, per-pair or per-triplet losses into one scalar, as in
// pytorch-metric-learning (reducers/base_reducer.py, reducers/multiple_reducers.py).
import { scope, type Tensor } from '../../tensor/index.js';

/** What each entry of a loss tensor stands for (PML's `reduction_type`). */
export type ReductionType = 'element' | 'pos_pair' | 'neg_pair' | 'triplet' | 'already_reduced';

/** One sub-loss: its unreduced values (null when nothing qualified) and what they stand for. */
export interface SubLoss {
  /** (K) losses, a scalar for 'already_reduced', or null for PML's "zero loss". */
  losses: Tensor | null;
  reductionType: ReductionType;
  /**
   * Which batch rows each loss belongs to (PML's `indices`), for reducers that weigh by anchor or
   * class: the (K) anchor indices for 'element', [a, p] for 'pos_pair' and 'neg_pair', [a, p, n]
   * for 'triplet'; absent for 'already_reduced'.
   */
  indices?: Tensor | readonly Tensor[];
  /**
   * What `DivisorReducer` divides the sum of `losses` by (PML's `divisor` key): a number or a
   * scalar tensor; a zero divisor gives `zeroLoss`. Other reducers ignore it.
   */
  divisor?: number | Tensor;
}

/** A loss's sub-losses by name (e.g. `pos_loss` and `neg_loss` of ContrastiveLoss). */
export type LossDict = Readonly<Record<string, SubLoss>>;

/** A zero that still backpropagates into `embeddings` (PML `zero_loss`: sum(embeddings * 0)). */
export function zeroLoss(embeddings: Tensor): Tensor {
  return scope(() => embeddings.mul(0).sum());
}

/** What a reducer's hooks see besides the loss values: PML's `loss_indices`, `embeddings`, `labels`. */
export interface ReduceContext {
  /** The sub-loss's name in the loss dict (e.g. 'pos_loss'). */
  name: string;
  /** The sub-loss itself (its `indices`, `divisor`, ...). */
  sub: SubLoss;
  /** The (N, D) embeddings the loss was computed from. */
  embeddings: Tensor;
  /** The (N) labels, when the caller passed them (label-based losses always do). */
  labels: Tensor | undefined;
}

/**
 * The anchor (first) batch index of each loss of `sub`: `indices` itself for 'element', its
 * first tensor for pairs and triplets (PML reducers weigh pairs and triplets by their anchor).
 * Throws, naming `who` and the sub-loss, when the loss did not record its indices.
 */
export function anchorIndices(who: string, ctx: ReduceContext): Tensor {
  const idx = ctx.sub.indices;
  if (idx === undefined) throw new TypeError(`${who}: sub-loss '${ctx.name}' has no indices (the loss does not record PML's indices)`);
  const a = Array.isArray(idx) ? (idx as readonly Tensor[])[0] : (idx as Tensor);
  if (a === undefined || a.ndim !== 1) throw new RangeError(`${who}: sub-loss '${ctx.name}' has malformed indices`);
  return a;
}

/**
 * Reduces a loss dict to a scalar. Each sub-loss is reduced on its own and the results are
 * summed, as PML's `MultipleReducers` does with a copy of one reducer per sub-loss. A null or
 * empty sub-loss reduces to `zeroLoss` (PML would give NaN for an empty tensor; none of the
 * losses here produce one).
 */
export abstract class BaseReducer {
  /**
   * The scalar loss of `dict`. `labels` (N) are what the loss was given (MetricLoss passes them);
   * reducers that weigh by class need them, the others ignore them.
   */
  reduce(dict: LossDict, embeddings: Tensor, labels?: Tensor): Tensor {
    const names = Object.keys(dict);
    if (names.length === 0) throw new RangeError(`${this.constructor.name}: nothing to reduce`);
    return scope(() => {
      let total: Tensor | null = null;
      for (const name of names) {
        const v = this.reduceOne(dict[name]!, embeddings, labels, name);
        total = total === null ? v : total.add(v);
      }
      return total!;
    });
  }

  /**
   * One sub-loss to a scalar: zero for null / empty, the value for 'already_reduced', else
   * `reduceLosses`. `labels` and `name` (the sub-loss's key) are passed on in the context.
   */
  protected reduceOne(sub: SubLoss, embeddings: Tensor, labels?: Tensor, name = 'loss'): Tensor {
    if (sub.losses === null || sub.losses.numel() === 0) return zeroLoss(embeddings);
    if (sub.reductionType === 'already_reduced') {
      if (sub.losses.numel() !== 1) throw new RangeError('reducer: an already_reduced loss must hold one value');
      return sub.losses.reshape([]);
    }
    return this.reduceLosses(sub.losses, sub.reductionType, { name, sub, embeddings, labels });
  }

  /** Reduces a non-empty 1-d loss tensor of the given kind to a scalar; `ctx` has the indices and labels. */
  protected abstract reduceLosses(losses: Tensor, kind: ReductionType, ctx: ReduceContext): Tensor;
}
