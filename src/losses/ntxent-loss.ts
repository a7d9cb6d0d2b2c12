import { arange, cat, F, scope, type Tensor } from '../tensor/index.js';
import { CosineSimilarity } from './distances/cosine-similarity.js';
import { lowest } from './dtype-limits.js';
import { gather2d, type IndicesTuple, pairMask, toPairs } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';
import { checkTwoViews } from './two-view.js';
import { checkTemperature } from './validate.js';

export interface NTXentLossOptions extends MetricLossOptions {
  /** Default 0.5 (lightly's default; PML's is 0.07: pass it to match PML). */
  temperature?: number;
}

/**
 * NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen et al. 2020, "A Simple
 * Framework for Contrastive Learning of Visual Representations", eq. 1). Two calls, told apart by
 * the second argument:
 *
 * - **Two views**, `forward(z1, z2)` with z2 a floating (N, D) matrix, as lightly's `NTXentLoss`
 *   (without memory bank): with z = normalize([z1; z2]) (2N rows) and s_ij = z_i . z_j,
 *     l_i = -log( exp(s_{i,pos(i)} / T) / sum_{k != i} exp(s_ik / T) ),  pos(i) = (i + N) mod 2N,
 *   averaged over all 2N rows: one cross-entropy over the (2N, 2N) logits with the diagonal at
 *   -inf (log-sum-exp, stable at small T).
 * - **Labels**, `forward(embeddings, labels, indicesTuple?)` with labels (N) or a number array, as
 *   pytorch-metric-learning's `NTXentLoss`: every same-label pair (a, p) is a positive, and its
 *   loss has only the anchor's negatives N(a) beside it in the denominator (no other positive):
 *     l_ap = -log( e^{s_ap / T} / (e^{s_ap / T} + sum_{n in N(a)} e^{s_an / T}) )
 *          = softplus( logsumexp_{n in N(a)} s_an / T - s_ap / T ),
 *   one loss per positive pair ('pos_pair'), averaged by the default `MeanReducer`. A batch
 *   without positive or without negative pairs gives 0 (PML's zero loss). Distances (not
 *   similarities) are negated first, as PML does. With labels [0..N-1, 0..N-1] it equals the
 *   two-view form.
 *
 * Defaults: temperature 0.5, distance `CosineSimilarity()` (labels only), reducer `MeanReducer`.
 */
export class NTXentLoss extends MetricLoss {
  readonly temperature: number;

  constructor(o: NTXentLossOptions = {}) {
    super(o, ['temperature'], { distance: () => new CosineSimilarity(), reducer: () => new MeanReducer() });
    this.temperature = checkTemperature(this.name, o.temperature ?? 0.5);
  }

  /**
   * The loss of two views z1, z2 (N, D) of the same N samples, or of `embeddings` (N, D) with
   * `labels` (N) and an optional index tuple: a scalar that backpropagates.
   */
  override forward(z1: Tensor, z2OrLabels: Tensor | readonly number[], indicesTuple?: IndicesTuple): Tensor {
    if (Array.isArray(z2OrLabels) || (z2OrLabels as Tensor).ndim !== 2) return super.forward(z1, z2OrLabels, indicesTuple);
    if (indicesTuple !== undefined) throw new TypeError(`${this.name}: the two-view call forward(z1, z2) takes no indicesTuple (use labels)`);
    checkTwoViews(this.name, z1, z2OrLabels);
    const z2 = z2OrLabels as Tensor;
    return scope(() => {
      const n = z1.shape[0]!;
      const z = F.normalize(cat([z1, z2], 0)); // (2N, D)
      const logits = z.mm(z.t()).div(this.temperature); // (2N, 2N)
      logits.fillDiagonal_(-Infinity); // a sample is not its own negative
      const o = { dtype: 'int64', device: z1.device } as const;
      const targets = cat([arange(n, 2 * n, 1, o), arange(0, n, 1, o)]); // (2N) int64: pos(i)
      return F.crossEntropy(logits, targets);
    });
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const [a1, p, a2, n] = toPairs(tuple, labels);
    const none: LossDict = { loss: { losses: null, reductionType: 'pos_pair' } };
    if ([a1, p, a2, n].every((t) => t.shape[0]! <= 1) || a1.shape[0] === 0 || a2.shape[0] === 0) return none;
    const mat = this.distance.forward(embeddings); // (N, N)
    const logits = (this.distance.isInverted ? mat : mat.neg()).div(this.temperature); // (N, N)
    const isNeg = pairMask(logits, a2, n).gt(0); // (N, N) bool
    // log sum_{n in N(a)} e^{s_an / T} per anchor; a very negative finite value where N(a) is empty.
    const negatives = logits.maskedFill(isNeg.logicalNot(), lowest(logits.dtype)).logsumexp(1); // (N)
    const losses = F.softplus(negatives.indexSelect(0, a1).sub(gather2d(logits, a1, p))); // (P)
    return { loss: { losses, reductionType: 'pos_pair', indices: [a1, p] } };
  }
}
