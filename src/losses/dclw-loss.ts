import { scope, type Tensor } from '../tensor/index.js';
import { DCLLoss } from './dcl-loss.js';
import { checkOptions, checkTemperature } from './validate.js';

export interface DCLWLossOptions {
  /** Default 0.1. */
  temperature?: number;
  /** Scale of the weighting's similarities (default 0.5). */
  sigma?: number;
}

/**
 * The negative von Mises-Fisher weight of DCLW (Yeh et al. 2022, eq. 7):
 * w_i = 2 - N * softmax_i(u_i . v_i / sigma) over the batch, for normalised views u, v (N, D).
 */
export function negativeMisesFisherWeights(u: Tensor, v: Tensor, sigma = 0.5): Tensor {
  return scope(() => u.mul(v).sum(1).div(sigma).softmax(0).mul(-u.shape[0]!).add(2)); // (N)
}

/**
 * Weighted decoupled contrastive loss, DCLW (Yeh et al. 2022, "Decoupled Contrastive Learning"),
 * as lightly's `DCLWLoss`: `DCLLoss` with the positive term weighted by
 * `negativeMisesFisherWeights(u, v, sigma)`. Defaults: temperature 0.1, sigma 0.5. Needs N >= 2.
 */
export class DCLWLoss extends DCLLoss {
  readonly sigma: number;

  constructor(o: DCLWLossOptions = {}) {
    const opts = checkOptions('DCLWLoss', o, ['temperature', 'sigma']);
    const sigma = checkTemperature('DCLWLoss', opts.sigma ?? 0.5, 'sigma');
    super({ temperature: opts.temperature ?? 0.1, weightFn: (u, v) => negativeMisesFisherWeights(u, v, sigma) }, 'DCLWLoss', ['sigma']);
    this.sigma = sigma;
  }
}
