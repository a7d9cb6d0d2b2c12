// Numerically careful pieces the losses share: a masked log-sum-exp (pytorch-metric-learning's
// `lmu.logsumexp`) and angles from cosines.
import { cat, scope, type Tensor, zeros } from '../tensor/index.js';
import { lowest } from './dtype-limits.js';

/**
 * log(sum_{j kept} exp(x_ij)) along `dim` of `x` (R, C), with `addOne` log(1 + sum ...) (a 0
 * term); 0 where nothing along `dim` is kept. Masked entries take the dtype's lowest finite value,
 * so neither the value nor the gradient turns NaN.
 */
export function maskedLogSumExp(x: Tensor, keep: Tensor, o: { addOne?: boolean; dim?: 0 | 1; keepdim?: boolean } = {}): Tensor {
  const dim = o.dim ?? 1;
  const keepdim = o.keepdim ?? false;
  return scope(() => {
    let masked = x.maskedFill(keep.logicalNot(), lowest(x.dtype)); // (R, C)
    if (o.addOne) {
      const shape = dim === 1 ? [x.shape[0]!, 1] : [1, x.shape[1]!];
      masked = cat([masked, zeros(shape, { dtype: x.dtype, device: x.device })], dim); // a 0 term: (R, C + 1) or (R + 1, C)
    }
    return masked.logsumexp(dim, keepdim).maskedFill(keep.any(dim, keepdim).logicalNot(), 0); // (R) or (C), kept dims with keepdim
  });
}

/** acos of cosines clamped to [-1 + 1e-7, 1 - 1e-7], so exact ±1 cosines (identical vectors) give finite gradients. */
export function clampedAngles(cosine: Tensor): Tensor {
  return scope(() => cosine.clamp(-1 + 1e-7, 1 - 1e-7).acos());
}
