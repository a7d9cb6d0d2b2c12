import type { Tensor } from '../tensor/index.js';
import { MarginSoftmaxLoss, type MarginSoftmaxOptions } from './proxy-loss.js';
import { checkNumber } from './validate.js';

export interface CosFaceLossOptions extends MarginSoftmaxOptions {
  /** The additive cosine margin m (default 0.35). */
  margin?: number;
  /** The logit scale s (default 64). */
  scale?: number;
}

/**
 * The large margin cosine loss (Wang et al. 2018, "CosFace: Large Margin Cosine Loss for Deep
 * Face Recognition", eq. 4), as PML's `CosFaceLoss`:
 *   L_i = -log( e^{s (cos theta_{y_i} - m)} / (e^{s (cos theta_{y_i} - m)} + sum_{j != y_i} e^{s cos theta_j}) ),
 * theta_j the angle between x_i and the class weight W_j (columns of W (embeddingSize, numClasses),
 * initialised N(0, 1) as PML). Per-sample losses times miner weights ('element'), averaged by the
 * default `MeanReducer`. PML's weight regularizer is not supported. `logits(x)` = s cos theta
 * (PML `get_logits`). Defaults: margin 0.35, scale 64, distance `CosineSimilarity()`.
 */
export class CosFaceLoss extends MarginSoftmaxLoss {
  readonly margin: number;

  constructor(o: CosFaceLossOptions) {
    super(o, [], { scale: 64, centres: 1 });
    this.margin = checkNumber(this.name, 'margin', o.margin ?? 0.35);
  }

  protected modifyTarget(cosine: Tensor): Tensor {
    return cosine.sub(this.margin);
  }

  protected scaleLogits(logits: Tensor): Tensor {
    return logits.mul(this.scale);
  }
}
