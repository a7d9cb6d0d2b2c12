import { cat, eye, F, scope, type Tensor } from '../tensor/index.js';
import { checkTwoViews } from './two-view.js';
import { checkNumber, checkOptions } from './validate.js';

export interface BarlowTwinsLossOptions {
  /** Weight of the redundancy-reduction term (default 5e-3, the paper's). */
  lambdaParam?: number;
}

/**
 * The Barlow Twins loss (Zbontar et al. 2021, "Barlow Twins: Self-Supervised Learning via
 * Redundancy Reduction", eq. 1), as lightly's `BarlowTwinsLoss`: both views are standardised
 * per feature over the batch (jointly over the 2N rows, biased variance, eps 1e-5, as lightly's
 * `F.batch_norm` on the stacked views; the paper's code normalises each view on its own), then
 * with C = z1n^T z2n / N (D, D),
 *   L = sum_i (1 - C_ii)^2 + lambdaParam * sum_{i != j} C_ij^2.
 */
export class BarlowTwinsLoss {
  readonly lambdaParam: number;

  constructor(o: BarlowTwinsLossOptions = {}) {
    const opts = checkOptions('BarlowTwinsLoss', o, ['lambdaParam']);
    this.lambdaParam = checkNumber('BarlowTwinsLoss', 'lambdaParam', opts.lambdaParam ?? 5e-3);
  }

  /** The loss of two views z1, z2 (N, D): a scalar that backpropagates. */
  forward(z1: Tensor, z2: Tensor): Tensor {
    checkTwoViews('BarlowTwinsLoss', z1, z2);
    return scope(() => {
      const [n, d] = z1.shape as [number, number];
      const stacked = cat([z1, z2], 0); // (2N, D)
      const normed = F.batchNorm(stacked, { training: true, eps: 1e-5 }); // (2N, D): batch statistics, no running ones
      const [z1n, z2n] = normed.split(n, 0) as [Tensor, Tensor];
      const c = z1n.t().mm(z2n).div(n); // (D, D)
      const invariance = c.diagonal().sub(1).pow(2).sum();
      const offDiagonal = eye(d, undefined, { dtype: 'bool', device: c.device }).logicalNot();
      const redundancy = c.pow(2).maskedFill(offDiagonal.logicalNot(), 0).sum();
      return invariance.add(redundancy.mul(this.lambdaParam));
    });
  }
}
