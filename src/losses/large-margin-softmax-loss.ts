import { scope, type Tensor } from '../tensor/index.js';
import { MarginSoftmaxLoss, type MarginSoftmaxOptions } from './proxy-loss.js';
import { clampedAngles } from './numerics.js';
import { checkInteger } from './validate.js';

export interface LargeMarginSoftmaxLossOptions extends MarginSoftmaxOptions {
  /** The integer angular multiplier m >= 1 (default 4). */
  margin?: number;
  /** A multiplier of the logits (default 1). */
  scale?: number;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/**
 * psi(theta) = (-1)^k cos(m theta) - 2k for theta in [k pi / m, (k + 1) pi / m] (Liu et al. 2016,
 * eq. 6), with cos(m theta) from cos theta by the multiple-angle formula (eq. 7),
 *   cos(m theta) = sum_n (-1)^n C(m, 2n) cos^{m-2n} theta (1 - cos^2 theta)^n,
 * and k (piecewise constant) computed without gradient.
 */
export function largeMarginPsi(cosine: Tensor, m: number): Tensor {
  return scope(() => {
    const sin2 = cosine.square().neg().add(1); // 1 - cos^2
    let cosM: Tensor | null = null;
    for (let n = 0; 2 * n <= m; n++) {
      const p = m - 2 * n;
      let term = p === 0 ? null : p === 1 ? cosine : cosine.pow(p);
      if (n > 0) term = term === null ? sin2.pow(n) : term.mul(n === 1 ? sin2 : sin2.pow(n));
      const c = (n % 2 === 0 ? 1 : -1) * binomial(m, 2 * n);
      const t = term === null ? cosine.mul(0).add(c) : term.mul(c);
      cosM = cosM === null ? t : cosM.add(t);
    }
    const k = clampedAngles(cosine.detach()).div(Math.PI / m).floor(); // (N), no gradient
    const sign = k.remainder(2).mul(-2).add(1); // (-1)^k
    return sign.mul(cosM!).sub(k.mul(2));
  });
}

/**
 * The large-margin softmax loss (Liu et al. 2016, "Large-Margin Softmax Loss for Convolutional
 * Neural Networks", eq. 4-6), as PML's `LargeMarginSoftmaxLoss`:
 *   L_i = -log( e^{||W_y|| ||x_i|| psi(theta_y)} / (e^{||W_y|| ||x_i|| psi(theta_y)} + sum_{j != y} e^{||W_j|| ||x_i|| cos theta_j}) ),
 * psi as in `largeMarginPsi`, theta_j the angle between x_i and the class weight W_j (columns of
 * W (embeddingSize, numClasses), initialised N(0, 1) as PML), logits times `scale`. The margin
 * must be an integer (PML truncates it with int()). Per-sample losses times miner weights
 * ('element'), averaged by the default `MeanReducer`. PML's weight regularizer is not supported.
 * `logits(x)` = scale ||W_j|| ||x|| cos theta_j = scale x . W_j (PML `get_logits`).
 * Defaults: margin 4, scale 1, distance `CosineSimilarity()`.
 */
export class LargeMarginSoftmaxLoss extends MarginSoftmaxLoss {
  readonly margin: number;

  constructor(o: LargeMarginSoftmaxLossOptions) {
    super(o, [], { scale: 1, centres: 1 });
    this.margin = checkInteger(this.name, 'margin', o.margin ?? 4);
  }

  protected modifyTarget(cosine: Tensor): Tensor {
    return largeMarginPsi(cosine, this.margin);
  }

  protected scaleLogits(logits: Tensor, embeddings: Tensor, w: Tensor): Tensor {
    const p = this.distance.p;
    return logits.mul(w.norm(p, 0).unsqueeze(0)).mul(embeddings.norm(p, 1).unsqueeze(1)).mul(this.scale); // (N, C)
  }
}
