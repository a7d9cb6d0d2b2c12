import { eye, F, scope, type Tensor } from '../tensor/index.js';
import { checkTwoViews } from './two-view.js';
import { checkNumber, checkOptions } from './validate.js';

export interface VICRegLossOptions {
  /** Invariance weight (default 25). */
  lambdaParam?: number;
  /** Variance weight (default 25). */
  muParam?: number;
  /** Covariance weight (default 1). */
  nuParam?: number;
  /** Added to the variance under the square root (default 1e-4). */
  eps?: number;
}

/**
 * VICReg (Bardes, Ponce & LeCun 2022, "VICReg: Variance-Invariance-Covariance Regularization",
 * eq. 1-6), as lightly's `VICRegLoss`:
 *   inv = mean (z1 - z2)^2,
 *   var = (mean_j relu(1 - sqrt(Var z1_j + eps)) + same for z2) / 2   (unbiased variance),
 *   cov = sum_{i != j} Cov(z1)_ij^2 / D + same for z2   (Cov with 1/(N - 1)),
 *   L = lambdaParam * inv + muParam * var + nuParam * cov.
 * Needs N >= 2. Defaults: 25, 25, 1, eps 1e-4.
 */
export class VICRegLoss {
  readonly lambdaParam: number;
  readonly muParam: number;
  readonly nuParam: number;
  readonly eps: number;

  constructor(o: VICRegLossOptions = {}) {
    const who = 'VICRegLoss';
    const opts = checkOptions(who, o, ['lambdaParam', 'muParam', 'nuParam', 'eps']);
    this.lambdaParam = checkNumber(who, 'lambdaParam', opts.lambdaParam ?? 25);
    this.muParam = checkNumber(who, 'muParam', opts.muParam ?? 25);
    this.nuParam = checkNumber(who, 'nuParam', opts.nuParam ?? 1);
    this.eps = checkNumber(who, 'eps', opts.eps ?? 1e-4);
    if (this.eps < 0) throw new RangeError(`${who}: eps must be >= 0, got ${this.eps}`);
  }

  /** The loss of two views z1, z2 (N, D), N >= 2: a scalar that backpropagates. */
  forward(z1: Tensor, z2: Tensor): Tensor {
    checkTwoViews('VICRegLoss', z1, z2, 2);
    return scope(() => {
      const invariance = F.mseLoss(z1, z2); // mean over N x D
      const variance = this.varianceTerm(z1).add(this.varianceTerm(z2)).mul(0.5);
      const covariance = this.covarianceTerm(z1).add(this.covarianceTerm(z2));
      return invariance.mul(this.lambdaParam).add(variance.mul(this.muParam)).add(covariance.mul(this.nuParam));
    });
  }

  private varianceTerm(z: Tensor): Tensor {
    const std = z.var(0).add(this.eps).sqrt(); // (D)
    return std.neg().add(1).relu().mean();
  }

  private covarianceTerm(z: Tensor): Tensor {
    const [n, d] = z.shape as [number, number];
    const centred = z.sub(z.mean(0, true)); // (N, D)
    const cov = centred.t().mm(centred).div(n - 1); // (D, D)
    const diagonal = eye(d, undefined, { dtype: 'bool', device: z.device });
    return cov.pow(2).maskedFill(diagonal, 0).sum().div(d);
  }
}
