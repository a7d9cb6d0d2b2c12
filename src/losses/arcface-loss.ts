import type { Tensor } from '../tensor/index.js';
import { MarginSoftmaxLoss, type MarginSoftmaxOptions } from './proxy-loss.js';
import { clampedAngles } from './numerics.js';
import { checkNumber } from './validate.js';

export interface ArcFaceLossOptions extends MarginSoftmaxOptions {
  /** The additive angular margin in DEGREES, as PML (default 28.6, i.e. 0.5 rad); in [0, 180). */
  margin?: number;
  /** The logit scale s (default 64). */
  scale?: number;
}

/**
 * cos(theta + m) for theta <= pi - m, else cos(theta) - m sin(m) (PML's and insightface's
 * fallback that keeps the target logit decreasing in theta), with theta = acos of the clamped
 * cosine; `m` in radians.
 */
export function additiveAngularMargin(cosine: Tensor, m: number): Tensor {
  const angles = clampedAngles(cosine); // (N)
  return angles.add(m).cos().where(angles.le(Math.PI - m), cosine.clamp(-1 + 1e-7, 1 - 1e-7).sub(m * Math.sin(m)));
}

/**
 * The additive angular margin loss (Deng et al. 2019, "ArcFace: Additive Angular Margin Loss
 * for Deep Face Recognition", eq. 3), as PML's `ArcFaceLoss`:
 *   L_i = -log( e^{s cos(theta_{y_i} + m)} / (e^{s cos(theta_{y_i} + m)} + sum_{j != y_i} e^{s cos theta_j}) ),
 * theta_j the angle between x_i and the class weight W_j (columns of W (embeddingSize, numClasses),
 * initialised N(0, 1) as PML). As in PML, the margin is given in degrees (default 28.6 = 0.5 rad,
 * the paper's m), and where theta_y > pi - m the target logit is s (cos theta_y - m sin m).
 * The cosine is clamped to [-1 + 1e-7, 1 - 1e-7] before acos (PML clamps to [-1, 1], whose
 * gradient is NaN at an exact ±1). Per-sample losses times miner weights ('element'), averaged by
 * the default `MeanReducer`. PML's weight regularizer is not supported. `logits(x)` = s cos theta
 * (PML `get_logits`). Defaults: margin 28.6 degrees, scale 64, distance `CosineSimilarity()`.
 */
export class ArcFaceLoss extends MarginSoftmaxLoss {
  /** The margin in degrees, as given. */
  readonly margin: number;
  readonly #radians: number;

  /** `extra` and `centres`: for SubCenterArcFaceLoss, which is ArcFace on the best of each class's centres. */
  constructor(o: ArcFaceLossOptions, extra: readonly string[] = [], centres = 1) {
    super(o, extra, { scale: 64, centres });
    this.margin = checkArcMargin(this.name, o.margin ?? 28.6);
    this.#radians = (this.margin * Math.PI) / 180;
  }

  protected modifyTarget(cosine: Tensor): Tensor {
    return additiveAngularMargin(cosine, this.#radians);
  }

  protected scaleLogits(logits: Tensor): Tensor {
    return logits.mul(this.scale);
  }
}

/** Throws unless the margin (degrees) is in [0, 180). */
export function checkArcMargin(who: string, m: unknown): number {
  checkNumber(who, 'margin', m);
  if ((m as number) < 0 || (m as number) >= 180) throw new RangeError(`${who}: margin (degrees) must be in [0, 180), got ${String(m)}`);
  return m as number;
}
