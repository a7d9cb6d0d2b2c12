import { arange, F, type Tensor } from '../tensor/index.js';
import { DotProductSimilarity } from './distances/dot-product-similarity.js';
import { type IndicesTuple, posPairsWithUniqueLabels } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';

/**
 * The multi-class N-pair loss (Sohn 2016, "Improved Deep Metric Learning with Multi-class
 * N-pair Loss Objective", eq. 3 without the L2 term), as pytorch-metric-learning's `NPairsLoss`:
 * one positive pair (a_k, p_k) per label, then for each k
 *   l_k = log(1 + sum_{j != k} exp(s(a_k, p_j) - s(a_k, p_k))) = cross-entropy of row k of
 *   S = s(a, p) against target k.
 * Defaults: distance `DotProductSimilarity()` (L2-normalised first, as PML), reducer
 * `MeanReducer`. A batch without a positive pair gives a zero loss.
 */
export class NPairsLoss extends MetricLoss {
  constructor(o: MetricLossOptions = {}) {
    super(o, [], { distance: () => new DotProductSimilarity(), reducer: () => new MeanReducer() });
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const [a, p] = posPairsWithUniqueLabels(tuple, labels);
    const k = a.shape[0]!;
    if (k === 0) return { loss: { losses: null, reductionType: 'element' } };
    const sim = this.distance.forward(embeddings.indexSelect(0, a), embeddings.indexSelect(0, p)); // (K, K)
    const logits = this.distance.isInverted ? sim : sim.neg();
    const targets = arange(k, undefined, 1, { dtype: 'int64', device: embeddings.device }); // (K): class k for row k
    return { loss: { losses: F.crossEntropy(logits, targets, { reduction: 'none' }), reductionType: 'element', indices: a } };
  }
}
