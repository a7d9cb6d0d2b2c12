import type { Tensor } from '../tensor/index.js';
import { CosineSimilarity } from './distances/cosine-similarity.js';
import { tiny } from './dtype-limits.js';
import { type IndicesTuple, pairMask, rowIndices, toPairs } from './indices.js';
import { maskedLogSumExp } from './numerics.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import { AvgNonZeroReducer } from './reducers/avg-non-zero-reducer.js';
import type { LossDict } from './reducers/base.js';
import { checkTemperature } from './validate.js';

export interface SupConLossOptions extends MetricLossOptions {
  /** Default 0.1. */
  temperature?: number;
}

/**
 * The supervised contrastive loss (Khosla et al. 2020, "Supervised Contrastive Learning",
 * eq. 2, L^sup_out), as pytorch-metric-learning's `SupConLoss`: for each anchor i with
 * positives P(i) and negatives N(i),
 *   l_i = -1/|P(i)| * sum_{p in P(i)} log( exp(s_ip / T) / sum_{k in P(i) u N(i)} exp(s_ik / T) ),
 * with s the similarity (negated for distances). Anchors without positives give 0 and the
 * default `AvgNonZeroReducer` averages the anchors with a non-zero loss. Multi-view batches are
 * passed flattened, each view carrying its sample's label. Defaults: temperature 0.1,
 * distance `CosineSimilarity()`.
 */
export class SupConLoss extends MetricLoss {
  readonly temperature: number;

  constructor(o: SupConLossOptions = {}) {
    super(o, ['temperature'], { distance: () => new CosineSimilarity(), reducer: () => new AvgNonZeroReducer() });
    this.temperature = checkTemperature(this.name, o.temperature ?? 0.1);
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const [a1, p, a2, n] = toPairs(tuple, labels);
    const zero: LossDict = { loss: { losses: null, reductionType: 'element' } };
    if ([a1, p, a2, n].every((t) => t.shape[0]! <= 1)) return zero;
    if (a1.shape[0] === 0 || a2.shape[0] === 0) return zero;
    const mat = this.distance.forward(embeddings); // (N, N)
    const posMask = pairMask(mat, a1, p); // (N, N) 0/1
    const negMask = pairMask(mat, a2, n); // (N, N) 0/1
    const logits = (this.distance.isInverted ? mat : mat.neg()).div(this.temperature); // (N, N)
    const keep = posMask.add(negMask).gt(0); // (N, N) bool
    // log sum_{k kept} exp(logits_ik), 0 for rows with nothing kept (PML lmu.logsumexp).
    const denominator = maskedLogSumExp(logits, keep, { keepdim: true }); // (N, 1)
    const logProb = logits.sub(denominator); // (N, N)
    const meanLogProbPos = posMask.mul(logProb).sum(1).div(posMask.sum(1).add(tiny(logits.dtype))); // (N)
    const anchors = rowIndices(embeddings); // (N)
    return { loss: { losses: meanLogProbPos.neg(), reductionType: 'element', indices: anchors } };
  }
}
