// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_.
import { type Tensor, noGrad, scope, stack } from '../tensor/index.js';

/**
 * Scales the gradients of `params` in place so that their global `normType`-norm is at most
 * `maxNorm` (Pascanu et al. 2013, "On the difficulty of training recurrent neural networks"),
 * exactly as `torch.nn.utils.clip_grad_norm_`: coefficient min(1, maxNorm / (total + 1e-6)).
 * Returns the total norm before clipping. Parameters without gradients are skipped.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number, normType = 2, errorIfNonfinite = false): number {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be positive, got ${maxNorm}`);
  if (!(normType > 0)) throw new RangeError(`clipGradNorm: normType must be positive or Infinity, got ${normType}`);
  return noGrad(() => scope(() => {
    const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
    if (grads.length === 0) return 0;
    const total = normType === Infinity
      ? stack(grads.map((g) => g.abs().max().to({ device: grads[0]!.device }))).max()
      : stack(grads.map((g) => g.norm(normType).to({ device: grads[0]!.device }))).norm(normType); // ()
    const t = total.item();
    if (errorIfNonfinite && !Number.isFinite(t)) {
      throw new Error(`clipGradNorm: the total norm of order ${normType} of the gradients is non-finite (${t})`);
    }
    const coef = total.add(1e-6).reciprocal().mul(maxNorm).clampMax(1); // ()
    for (const g of grads) g.mul_(coef);
    return t;
  }));
}
