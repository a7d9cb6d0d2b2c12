import { F, full, type Tensor } from '../tensor/index.js';
import { CosineSimilarity } from './distances/cosine-similarity.js';
import { type IndicesTuple, pairMask, rowIndices, toPairs } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';
import { checkBoolean, checkNumber, checkTemperature } from './validate.js';

export interface LogisticLossOptions extends MetricLossOptions {
  /** Similarities are divided by this (default 0.1, i.e. SigLIP's initial scale t = 10). */
  temperature?: number;
  /** Added to the scaled similarities (default -10, SigLIP's initial bias). */
  bias?: number;
  /** Learn log(1/temperature) and the bias by gradient descent (default false: fixed). */
  learnable?: boolean;
}

/**
 * The pairwise logistic (sigmoid) loss in the spirit of SigLIP (Zhai et al. 2023, "Sigmoid Loss
 * for Language Image Pre-Training", eq. 1) on labels: every pair (i, j), i != j, is a binary
 * classification with z_ij = +1 for a positive pair and -1 for a negative one,
 *   logit_ij = s_ij / temperature + bias,   l_i = sum_j -log sigmoid(z_ij * logit_ij),
 * and the default `MeanReducer` averages l_i over the N anchors, which is SigLIP's
 * -1/|B| sum_i sum_j normalisation (without SigLIP's i = j pairs, which labels do not define).
 * With `learnable`, t' = log(1/temperature) and b are registered parameters (`logScale`,
 * `bias`), as SigLIP learns t = exp(t') and b; call `dispose()` when done with them. Not in pytorch-metric-learning
 * or lightly. Defaults: temperature 0.1, bias -10, distance `CosineSimilarity()`.
 */
export class LogisticLoss extends MetricLoss {
  readonly temperature: number;
  readonly bias: number;
  readonly learnable: boolean;
  /** t' = log(1 / temperature), a float32 scalar parameter, when `learnable`. */
  readonly logScale: Tensor | null;
  /** b, a float32 scalar parameter, when `learnable`. */
  readonly biasParameter: Tensor | null;

  constructor(o: LogisticLossOptions = {}) {
    super(o, ['temperature', 'bias', 'learnable'], { distance: () => new CosineSimilarity(), reducer: () => new MeanReducer() });
    this.temperature = checkTemperature(this.name, o.temperature ?? 0.1);
    this.bias = checkNumber(this.name, 'bias', o.bias ?? -10);
    this.learnable = checkBoolean(this.name, 'learnable', o.learnable ?? false);
    this.logScale = this.registerParameter('logScale', this.learnable ? full([], Math.log(1 / this.temperature), { dtype: 'float32' }) : null);
    this.biasParameter = this.registerParameter('bias', this.learnable ? full([], this.bias, { dtype: 'float32' }) : null);
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const [a1, p, a2, n] = toPairs(tuple, labels);
    if (a1.shape[0] === 0 && a2.shape[0] === 0) return { loss: { losses: null, reductionType: 'element' } };
    const mat = this.distance.forward(embeddings); // (N, N)
    const s = this.distance.isInverted ? mat : mat.neg();
    const logits = this.logScale && this.biasParameter
      ? s.mul(this.logScale.exp()).add(this.biasParameter)
      : s.div(this.temperature).add(this.bias); // (N, N)
    const posMask = pairMask(mat, a1, p); // (N, N)
    const negMask = pairMask(mat, a2, n); // (N, N)
    const z = posMask.sub(negMask); // +1 positive, -1 negative, 0 elsewhere
    const perPair = F.logSigmoid(logits.mul(z)).neg().mul(posMask.add(negMask)); // (N, N)
    const anchors = rowIndices(embeddings); // (N)
    return { loss: { losses: perPair.sum(1), reductionType: 'element', indices: anchors } };
  }
}
