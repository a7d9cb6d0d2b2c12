import { arange, cat, F, scope, type Tensor } from '../tensor/index.js';
import { checkTwoViews } from './two-view.js';
import { checkOptions, checkTemperature } from './validate.js';

export interface NTXentLossOptions {
  /** Default 0.5 (lightly's default). */
  temperature?: number;
}

/**
 * NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen et al. 2020, "A Simple
 * Framework for Contrastive Learning of Visual Representations", eq. 1), in its two-view form as
 * lightly's `NTXentLoss` (without memory bank): with z = normalize([z1; z2]) (2N rows) and
 * s_ij = z_i . z_j,
 *   l_i = -log( exp(s_{i,pos(i)} / T) / sum_{k != i} exp(s_ik / T) ),  pos(i) = (i + N) mod 2N,
 * averaged over all 2N rows. Computed as a cross-entropy over the (2N, 2N) logits with the
 * diagonal set to -inf (log-sum-exp, stable at small T). Equals pytorch-metric-learning's
 * `NTXentLoss` on labels [0..N-1, 0..N-1]. Default temperature 0.5.
 */
export class NTXentLoss {
  readonly temperature: number;

  constructor(o: NTXentLossOptions = {}) {
    const opts = checkOptions('NTXentLoss', o, ['temperature']);
    this.temperature = checkTemperature('NTXentLoss', opts.temperature ?? 0.5);
  }

  /** The loss of two views z1, z2 (N, D) of the same N samples: a scalar that backpropagates. */
  forward(z1: Tensor, z2: Tensor): Tensor {
    checkTwoViews('NTXentLoss', z1, z2);
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
}
