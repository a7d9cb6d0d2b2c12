import type { Tensor } from '../tensor/index.js';
import { LargeMarginSoftmaxLoss, type LargeMarginSoftmaxLossOptions } from './large-margin-softmax-loss.js';

export type SphereFaceLossOptions = LargeMarginSoftmaxLossOptions;

/**
 * The angular softmax (A-Softmax) loss (Liu et al. 2017, "SphereFace: Deep Hypersphere Embedding
 * for Face Recognition", eq. 7), as PML's `SphereFaceLoss`: L-Softmax with normalised class
 * weights,
 *   L_i = -log( e^{||x_i|| psi(theta_y)} / (e^{||x_i|| psi(theta_y)} + sum_{j != y} e^{||x_i|| cos theta_j}) ),
 * psi(theta) = (-1)^k cos(m theta) - 2k for theta in [k pi / m, (k + 1) pi / m], logits times
 * `scale`. W (embeddingSize, numClasses) is initialised N(0, 1) (PML); its columns' norms do not
 * enter the loss. The margin is an integer m >= 1. PML's weight regularizer is not supported.
 * `logits(x)` = scale ||x|| cos theta_j (PML `get_logits`). Defaults: margin 4, scale 1,
 * distance `CosineSimilarity()`, `MeanReducer`.
 */
export class SphereFaceLoss extends LargeMarginSoftmaxLoss {
  protected override scaleLogits(logits: Tensor, embeddings: Tensor): Tensor {
    return logits.mul(embeddings.norm(this.distance.p, 1).unsqueeze(1)).mul(this.scale); // (N, C)
  }
}
