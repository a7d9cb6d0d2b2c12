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
}

/** A loss's sub-losses by name (e.g. `pos_loss` and `neg_loss` of ContrastiveLoss). */
export type LossDict = Readonly<Record<string, SubLoss>>;

/** A zero that still backpropagates into `embeddings` (PML `zero_loss`: sum(embeddings * 0)). */
export function zeroLoss(embeddings: Tensor): Tensor {
  return scope(() => embeddings.mul(0).sum());
}

/**
 * Reduces a loss dict to a scalar. Each sub-loss is reduced on its own and the results are
 * summed, as PML's `MultipleReducers` does with a copy of one reducer per sub-loss. A null or
 * empty sub-loss reduces to `zeroLoss` (PML would give NaN for an empty tensor; none of the
 * losses here produce one).
 */
export abstract class BaseReducer {
  reduce(dict: LossDict, embeddings: Tensor): Tensor {
    const names = Object.keys(dict);
    if (names.length === 0) throw new RangeError(`${this.constructor.name}: nothing to reduce`);
    return scope(() => {
      let total: Tensor | null = null;
      for (const name of names) {
        const v = this.reduceOne(dict[name]!, embeddings);
        total = total === null ? v : total.add(v);
      }
      return total!;
    });
  }

  protected reduceOne(sub: SubLoss, embeddings: Tensor): Tensor {
    if (sub.losses === null || sub.losses.numel() === 0) return zeroLoss(embeddings);
    if (sub.reductionType === 'already_reduced') {
      if (sub.losses.numel() !== 1) throw new RangeError('reducer: an already_reduced loss must hold one value');
      return sub.losses.reshape([]);
    }
    return this.reduceLosses(sub.losses, sub.reductionType);
  }

  /** Reduces a non-empty 1-d loss tensor of the given kind to a scalar. */
  protected abstract reduceLosses(losses: Tensor, kind: ReductionType): Tensor;
}
