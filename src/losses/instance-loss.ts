import { arange, F, type Tensor } from '../tensor/index.js';
import { CosineSimilarity } from './distances/cosine-similarity.js';
import { type IndicesTuple, rowIndices } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import { AvgNonZeroReducer } from './reducers/avg-non-zero-reducer.js';
import type { LossDict } from './reducers/base.js';

export interface InstanceLossOptions extends MetricLossOptions {
  /** The scale of the cosine logits (default 64). */
  gamma?: number;
}

/**
 * The instance loss (Zheng, Zheng, Garrett, Yang, Xu & Shen 2020, "Dual-Path Convolutional
 * Image-Text Embeddings with Instance Loss", eq. 1-3: every instance is its own class), as
 * pytorch-metric-learning's `InstanceLoss`. PML replaces the paper's learned classifier W with
 * the batch itself: with f_i = x_i / (||x_i|| + 1e-6), the logits of row i are the scaled
 * cosines to every row of the batch,
 *   z_ij = gamma * f_i . f_j   (N, N),
 * and the target of row i is the index c_i of its label among the batch's sorted distinct labels
 * (`torch.unique(labels, return_inverse=True)`), so
 *   l_i = -log( exp(z_{i c_i}) / sum_j exp(z_ij) )   ('element', `indices` 0..N-1).
 * With labels 0..N-1 in order (the paper's setting: one class per instance) the target is the row
 * itself; with repeated labels PML's target c_i is a column index, not a positive of i, and this
 * class keeps that behaviour. The index tuple and the miner are not used (`takesIndicesTuple` is
 * false). Defaults: gamma 64, distance `CosineSimilarity()` (required, as PML asserts; the
 * cosines are computed with the 1e-6 above), reducer `AvgNonZeroReducer()`.
 */
export class InstanceLoss extends MetricLoss {
  readonly gamma: number;

  constructor(o: InstanceLossOptions = {}) {
    super(o, ['gamma'], { distance: () => new CosineSimilarity(), reducer: () => new AvgNonZeroReducer() });
    const gamma = o.gamma ?? 64;
    if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma <= 0) {
      throw new RangeError(`${this.name}: gamma must be a finite number > 0, got ${String(gamma)}`);
    }
    this.gamma = gamma;
    if (!(this.distance instanceof CosineSimilarity)) {
      throw new TypeError(`${this.name}: distance must be a CosineSimilarity (as PML), got ${this.distance.name}`);
    }
  }

  /** False: every row is compared with every row, whatever the tuple. */
  override get takesIndicesTuple(): boolean {
    return false;
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, _tuple: IndicesTuple | undefined): LossDict {
    const f = embeddings.div(embeddings.norm(2, 1, true).add(1e-6)); // (N, D)
    const logits = f.mul(this.gamma).mm(f.t()); // (N, N)
    const losses = F.crossEntropy(logits, labelRanks(labels), { reduction: 'none' }); // (N)
    return { loss: { losses, indices: rowIndices(embeddings), reductionType: 'element' } };
  }
}

/** The index of each label among the sorted distinct labels (`torch.unique(..., return_inverse=True)[1]`), int64 (N). */
function labelRanks(labels: Tensor): Tensor {
  const n = labels.shape[0]!;
  const same = labels.unsqueeze(1).eq(labels.unsqueeze(0)); // (N, N)
  const ids = arange(0, n, 1, { dtype: 'int64', device: labels.device });
  const before = ids.unsqueeze(1).gt(ids.unsqueeze(0)); // (N, N): [j][k] = k < j
  const first = same.logicalAnd(before).any(1).logicalNot(); // (N): the first row with its label
  const less = labels.unsqueeze(0).lt(labels.unsqueeze(1)); // (N, N): label_j < label_i
  return less.logicalAnd(first.unsqueeze(0)).sum(1).to('int64'); // (N)
}
