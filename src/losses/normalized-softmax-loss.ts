import { F, type Tensor } from '../tensor/index.js';
import { DotProductSimilarity } from './distances/dot-product-similarity.js';
import { type IndicesTuple, rowIndices, tupleWeights } from './indices.js';
import { ProxyLoss, type ProxyLossOptions } from './proxy-loss.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';
import { checkTemperature } from './validate.js';

export interface NormalizedSoftmaxLossOptions extends ProxyLossOptions {
  /** sigma, the softmax temperature (default 0.05). */
  temperature?: number;
}

/**
 * The normalized softmax loss (Zhai & Wu 2019, "Classification is a Strong Baseline for Deep
 * Metric Learning", eq. 1-2), as PML's `NormalizedSoftmaxLoss`:
 *   L_i = -log( exp(s(x_i, w_{y_i}) / sigma) / sum_c exp(s(x_i, w_c) / sigma) ),
 * w_c the L2-normalised columns of W (embeddingSize, numClasses) (initialised N(0, 1) as PML),
 * s the distance (default `DotProductSimilarity()`, which normalises the embeddings: the cosine),
 * negated for a distance where smaller is closer. Per-sample losses times miner weights
 * ('element'), averaged by the default `MeanReducer`. PML's weight regularizer is not supported.
 * Defaults: temperature 0.05.
 */
export class NormalizedSoftmaxLoss extends ProxyLoss {
  readonly temperature: number;
  /** W (embeddingSize, numClasses), a registered parameter. */
  readonly W: Tensor;

  constructor(o: NormalizedSoftmaxLossOptions) {
    super(o, ['temperature'], { distance: () => new DotProductSimilarity(), reducer: () => new MeanReducer() });
    this.temperature = checkTemperature(this.name, o.temperature ?? 0.05);
    this.W = this.registerWeight(o, 'W', [this.embeddingSize, this.numClasses], 'normal');
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const y = this.classLabels(embeddings, labels);
    const w = F.normalize(this.castTo(this.W, embeddings, 'W'), this.distance.p, 0); // (D, C)
    const mat = this.distance.forward(embeddings, w.t()).div(this.temperature); // (N, C)
    const logits = this.distance.isInverted ? mat : mat.neg();
    const losses = F.crossEntropy(logits, y, { reduction: 'none' }).mul(tupleWeights(tuple, embeddings)); // (N)
    return { loss: { losses, reductionType: 'element', indices: rowIndices(embeddings) } };
  }
}
