// Grad mode and a finite-difference gradient check.
import { native } from './native.js';
import { scope } from './scope.js';
import { tensor, zerosLike } from './creation.js';
import { isFloating } from './dtype.js';
import type { Tensor } from './tensor.js';

/**
 * Runs `fn` with gradient recording off (`torch.no_grad()`); restores the previous mode after,
 * also when `fn` throws. `fn` must be synchronous.
 */
export function noGrad<T>(fn: () => T): T {
  const prev = native.setGradEnabled(false);
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('noGrad(fn): fn must be synchronous (it returned a Promise)');
    return r;
  } finally {
    native.setGradEnabled(prev);
  }
}

/** The low-precision dtype of each device's active autocast region, or null outside one. */
const autocastDtype: Record<'cpu' | 'cuda', 'bfloat16' | 'float16' | null> = { cpu: null, cuda: null };

/**
 * Runs `fn` under automatic mixed precision (`torch.autocast`): on 'cpu' with bfloat16 by
 * default, matmul-like ops run in low precision and precision-sensitive ops stay in float32.
 * Restores the previous state after, also when `fn` throws. `fn` must be synchronous.
 */
export function autocast<T>(device: 'cpu' | 'cuda', fn: () => T, dtype: 'bfloat16' | 'float16' = 'bfloat16'): T {
  const outer = autocastDtype[device];
  const prev = native.setAutocast(device, true, dtype);
  autocastDtype[device] = dtype;
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('autocast(fn): fn must be synchronous (it returned a Promise)');
    return r;
  } finally {
    native.setAutocast(device, prev, outer ?? dtype);
    autocastDtype[device] = outer;
  }
}

/**
 * Runs `fn` with autocast off on every device where it is on, as `torch.autocast(enabled=False)`
 * inside a region: ops run in their inputs' dtypes (cast them to float32 first for full
 * precision). Restores the region after. `fn` must be synchronous.
 */
export function withoutAutocast<T>(fn: () => T): T {
  const on = (['cpu', 'cuda'] as const).filter((d) => autocastDtype[d] !== null);
  if (on.length === 0) return fn();
  const dtypes = on.map((d) => autocastDtype[d]!);
  on.forEach((d, i) => {
    native.setAutocast(d, false, dtypes[i]!);
    autocastDtype[d] = null;
  });
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('withoutAutocast(fn): fn must be synchronous (it returned a Promise)');
    return r;
  } finally {
    on.forEach((d, i) => {
      native.setAutocast(d, true, dtypes[i]!);
      autocastDtype[d] = dtypes[i]!;
    });
  }
}

/** Whether operations record gradients now. */
export function isGradEnabled(): boolean {
  const prev = native.setGradEnabled(true);
  native.setGradEnabled(prev);
  return prev;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic - numeric| over all inputs and elements. */
  maxAbsError: number;
  /** Largest |analytic - numeric| / max(1, |numeric|). */
  maxRelError: number;
}

/**
 * Compares autograd gradients of `fn` with central finite differences, in float64, as
 * `torch.autograd.gradcheck` does. `fn` maps the inputs to a tensor; its output is reduced with
 * fixed weights so every output element is checked. Floating inputs are checked as float64
 * copies; integer and bool inputs (indices, masks) pass through unchanged.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  o: { eps?: number; atol?: number; rtol?: number } = {},
): GradcheckResult {
  const eps = o.eps ?? 1e-6;
  const atol = o.atol ?? 1e-5;
  const rtol = o.rtol ?? 1e-3;
  return scope(() => {
    // Floating inputs become float64 leaves; indices and masks keep their dtype.
    const xs = inputs.map((x) => (isFloating(x.dtype) ? x.detach().to('float64').clone().requiresGrad_() : x));
    const out0 = fn(...xs);
    const n = out0.numel();
    const w = tensor(Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1)), { shape: out0.shape, device: out0.device });
    const objective = (out: Tensor): Tensor => out.to('float64').mul(w).sum();
    objective(out0).backward();
    let ok = true;
    let maxAbs = 0;
    let maxRel = 0;
    for (const x of xs) {
      if (!x.requiresGrad) continue;
      const analytic = (x.grad ?? zerosLike(x)).data() as Float64Array;
      const flat = x.detach().view([-1]);
      for (let i = 0; i < analytic.length; i++) {
        const entry = flat.select(0, i);
        const v = entry.item();
        const f = (delta: number): number =>
          noGrad(() => scope(() => {
            entry.fill_(v + delta);
            return objective(fn(...xs)).item();
          }));
        const numeric = (f(eps) - f(-eps)) / (2 * eps);
        entry.fill_(v);
        const err = Math.abs(analytic[i]! - numeric);
        if (!(err <= atol + rtol * Math.abs(numeric))) ok = false;
        maxAbs = Math.max(maxAbs, err);
        maxRel = Math.max(maxRel, err / Math.max(1, Math.abs(numeric)));
      }
    }
    return { ok, maxAbsError: maxAbs, maxRelError: maxRel };
  });
}
