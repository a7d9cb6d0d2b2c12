// Floating-point limits by dtype, as `torch.finfo(dtype).min` / `.tiny`.
import type { Dtype } from '../tensor/index.js';

const LOWEST: Partial<Record<Dtype, number>> = {
  float64: -1.7976931348623157e308,
  float32: -3.4028234663852886e38,
  bfloat16: -3.3895313892515355e38,
  float16: -65504,
};

const TINY: Partial<Record<Dtype, number>> = {
  float64: 2.2250738585072014e-308,
  float32: 1.1754943508222875e-38,
  bfloat16: 1.1754943508222875e-38,
  float16: 6.103515625e-5,
};

/** The most negative finite value of a floating dtype (`torch.finfo(dtype).min`, PML's `neg_inf`). */
export function lowest(dtype: Dtype): number {
  const v = LOWEST[dtype];
  if (v === undefined) throw new TypeError(`lowest: ${dtype} is not a floating dtype`);
  return v;
}

/** The smallest positive normal value of a floating dtype (`torch.finfo(dtype).tiny`, PML's `small_val`). */
export function tiny(dtype: Dtype): number {
  const v = TINY[dtype];
  if (v === undefined) throw new TypeError(`tiny: ${dtype} is not a floating dtype`);
  return v;
}
