// Colour operations on batches, with one parameter per sample, as torchvision 0.14 defines them
// (torchvision/transforms/functional_tensor.py): the same formulas, applied to (N, C, H, W).
import { scope, tensor, where, type Tensor } from '../tensor/index.js';
import { checkImages } from './check.js';
import { perSample } from './random.js';

/** Per-sample factors: one number for the whole batch, or one per sample. */
export type PerSample = number | Float32Array | readonly number[];

function factors(op: string, f: PerSample, n: number, min = 0): Float32Array {
  const v = typeof f === 'number' ? new Float32Array(n).fill(f) : f instanceof Float32Array ? f : Float32Array.from(f);
  if (v.length !== n) throw new RangeError(`${op}: expected ${n} per-sample factors (one per image), got ${v.length}`);
  for (const x of v) if (!(x >= min) || !Number.isFinite(x)) throw new RangeError(`${op}: factors must be finite and >= ${min}, got ${x}`);
  return v;
}

/**
 * How the in-place ops blend: `clamp` (default true) clamps to [0, 1] as torchvision; false keeps
 * any range (standardised bands). `perBand`: brightness and contrast factors come one per sample
 * and band (row-major (N, C)), and contrast blends each band with its own mean.
 */
export interface BlendOptions {
  clamp?: boolean;
  perBand?: boolean;
}

/**
 * torchvision's `_blend` in place on `a`: (ratio * a + (1 - ratio) * b).clamp(0, 1), with a
 * (N, 1, 1, 1) ratio, or (N, C, 1, 1) with `perBand`. 1 - ratio is computed in double
 * precision, as Python does for torchvision's float ratio. `clamp` false skips the clamp.
 */
function blend_(a: Tensor, b: Tensor | null, ratio: Float32Array, o: BlendOptions = {}): Tensor {
  const width = o.perBand ? a.shape[1]! : 1;
  scope(() => {
    a.mul_(perSample(ratio, a, width)); // (N, 1, 1, 1) or (N, C, 1, 1) ratio
    if (b !== null) a.add_(perSample(Float32Array.from(ratio, (x) => 1 - x), a, width).mul(b));
    if (o.clamp ?? true) a.clamp_(0, 1);
  });
  return a;
}

/**
 * Luma (ITU-R 601-2: 0.2989 R + 0.587 G + 0.114 B), as torchvision's `rgb_to_grayscale`:
 * (N, 3, H, W) -> (N, 1, H, W); a 1-channel batch is returned as a copy.
 */
export function rgbToGrayscale(x: Tensor): Tensor {
  checkImages('rgbToGrayscale', x, [1, 3]);
  if (x.shape[1] === 1) return x.clone();
  return scope(() => {
    const [r, g, b] = [x.select(1, 0), x.select(1, 1), x.select(1, 2)]; // (N, H, W) each
    return r.mul(0.2989).add_(g.mul(0.587)).add_(b.mul(0.114)).unsqueeze(1); // (N, 1, H, W)
  });
}

// The colour ops in place, on a batch the caller owns (ColorJitter's working copy); the
// exported adjust* functions below run them on a copy.

/** Brightness in place: x * f, clamped to [0, 1] (unless `o.clamp` is false); f per sample, or per sample and band. */
export function brightness_(x: Tensor, f: Float32Array, o: BlendOptions = {}): Tensor {
  return blend_(x, null, f, o);
}

/**
 * Contrast in place: blend with the mean of the grayscale image per sample (3 channels; the mean
 * of all channels otherwise), or with `o.perBand` each band with its own mean, by its own factor.
 */
export function contrast_(x: Tensor, f: Float32Array, o: BlendOptions = {}): Tensor {
  const mean = scope(() => (o.perBand ? x.mean([2, 3], true) // (N, C, 1, 1)
    : (x.shape[1] === 3 ? rgbToGrayscale(x) : x).mean([1, 2, 3], true))); // (N, 1, 1, 1)
  blend_(x, mean, f, o);
  mean.dispose();
  return x;
}

/** Saturation in place on RGB: blend with the grayscale image (no-op on one channel); `o.clamp` as brightness. */
export function saturation_(x: Tensor, f: Float32Array, o: BlendOptions = {}): Tensor {
  if (x.shape[1] === 1) return x;
  const gray = rgbToGrayscale(x); // (N, 1, H, W)
  blend_(x, gray, f, { clamp: o.clamp });
  gray.dispose();
  return x;
}

/**
 * Hue in place on RGB: shift by f in HSV (no-op on one channel). It never clamps: the HSV round
 * trip commutes with adding a constant to all three channels, so values outside [0, 1] (standardised
 * bands) come out shifted by that constant, not clipped.
 */
export function hue_(x: Tensor, f: Float32Array): Tensor {
  if (x.shape[1] === 1) return x;
  scope(() => {
    const { h6, cr, v } = hsvSectors(x); // (N, 1, H, W) each
    const hue = h6.add_(perSample(Float32Array.from(f, (e) => 6 * e), x)).remainder_(6); // H in [0, 6): torchvision's (h + f) % 1, in sectors
    hsvToRgbSectors(hue, cr, v, x);
  });
  return x;
}

/** Brightness: x * f, clamped to [0, 1] (torchvision `adjust_brightness`), f >= 0 per sample. */
export function adjustBrightness(x: Tensor, f: PerSample): Tensor {
  checkImages('adjustBrightness', x, [1, 3]);
  return brightness_(x.clone(), factors('adjustBrightness', f, x.shape[0]!));
}

/**
 * Contrast: blends each image with the mean of its grayscale version (a scalar per image),
 * as torchvision's `adjust_contrast`; f >= 0 per sample.
 */
export function adjustContrast(x: Tensor, f: PerSample): Tensor {
  checkImages('adjustContrast', x, [1, 3]);
  return contrast_(x.clone(), factors('adjustContrast', f, x.shape[0]!));
}

/**
 * Saturation: blends each image with its grayscale version, as torchvision's
 * `adjust_saturation`; a 1-channel batch is returned unchanged (a copy), as there.
 */
export function adjustSaturation(x: Tensor, f: PerSample): Tensor {
  checkImages('adjustSaturation', x, [1, 3]);
  return saturation_(x.clone(), factors('adjustSaturation', f, x.shape[0]!));
}

/**
 * The hue of torchvision's `_rgb2hsv` before its final `fmod(h / 6 + 1, 1)`, in sectors
 * (h6 in [-1, 5]), with the chroma cr = max - min and v = max; each (N, 1, H, W).
 * torchvision's rc, gc, bc are (max - c) / cr, so its sector formulas reduce to
 * (g - b) / cr (max is r), 2 + (b - r) / cr (max is g), 4 + (r - g) / cr (max is b): the same
 * values (to float rounding) from three (N, 1, H, W) differences. Where max == min, h6 is 0 as there.
 */
function hsvSectors(x: Tensor): { h6: Tensor; cr: Tensor; v: Tensor } {
  const maxc = x.amax(1, true); // (N, 1, H, W)
  const cr = x.amin(1, true).neg_().add_(maxc);
  const [r, g, b] = x.split(1, 1); // (N, 1, H, W) each
  const num = r!.sub(g!).add_(cr, 4); // max is b: 4 cr + r - g
  where(maxc.eq(g!), b!.sub(r!).add_(cr, 2), num, { out: num }); // max is g: 2 cr + b - r
  where(maxc.eq(r!), g!.sub(b!), num, { out: num }); // max is r: g - b
  const h6 = num.div_(cr).nanToNum_(0); // 0 / 0 where max == min -> 0
  return { h6, cr, v: maxc };
}

/**
 * RGB to HSV as torchvision's `_rgb2hsv` (after Pillow): returns h in [0, 1), s and v, each
 * (N, 1, H, W). Where max == min, h and s are 0.
 */
export function rgbToHsv(x: Tensor): { h: Tensor; s: Tensor; v: Tensor } {
  checkImages('rgbToHsv', x, [3]);
  return scope(() => {
    const { h6, cr, v } = hsvSectors(x);
    const s = cr.div(v).nanToNum_(0); // cr / max, 0 where max == min (then cr = 0)
    const h = h6.div(6); // fmod(h / 6 + 1, 1) for h6 in [-1, 5]:
    return { h: where(h6.lt(0), h.add(1), h, { out: h }), s, v };
  });
}

/** Per channel (R, G, B): w_c = clamp(alpha_c |H - a_c| + beta_c, 0, 1), see `hsvToRgbSectors`. */
const HSV_A = [3, 2, 4], HSV_ALPHA = [-1, 1, 1], HSV_BETA = [2, -1, -1];

/**
 * HSV to RGB from the hue in sectors H in [0, 6), the chroma cr = v s and v, each (N, 1, H, W):
 * channel c is v - cr w_c(H). torchvision's `_hsv2rgb` picks (v, q, p, p, t, v)-style tuples by
 * the sector floor(H); the same piecewise-linear weights in closed form are
 * w_R = clamp(2 - |H - 3|, 0, 1), w_G = clamp(|H - 2| - 1, 0, 1), w_B = clamp(|H - 4| - 1, 0, 1)
 * (e.g. red, H = 0: w = (0, 1, 1); green, H = 2: (1, 0, 1)): the same values to ~1 ulp, in
 * one (N, 3, H, W) buffer (`out` if given) and in-place passes (a fresh buffer costs more than
 * the arithmetic).
 */
function hsvToRgbSectors(hue: Tensor, cr: Tensor, v: Tensor, out?: Tensor): Tensor {
  const o = { dtype: hue.dtype, device: hue.device } as const;
  const [a, alpha, beta] = [HSV_A, HSV_ALPHA, HSV_BETA].map((c) => tensor(Float32Array.from(c), { shape: [1, 3, 1, 1], ...o }));
  const d = out ? out.copy_(hue.expand(out.shape)).sub_(a!) : hue.sub(a!); // (N, 3, H, W): H - a_c
  const w = d.abs_().mul_(alpha!).add_(beta!).clamp_(0, 1);
  w.mul_(cr.neg()).add_(v); // (N, 3, H, W): v - cr w
  [a, alpha, beta].forEach((t) => t!.dispose());
  return w;
}

/** HSV to RGB as torchvision's `_hsv2rgb`: h in [0, 1), s, v each (N, 1, H, W) -> (N, 3, H, W). */
export function hsvToRgb(h: Tensor, s: Tensor, v: Tensor): Tensor {
  return scope(() => hsvToRgbSectors(h.mul(6).remainder_(6), s.mul(v), v));
}

/**
 * Hue: shifts the hue of each image by f in [-0.5, 0.5] (a fraction of the colour circle), in
 * HSV space, as torchvision's `adjust_hue`; a 1-channel batch is returned unchanged (a copy).
 */
export function adjustHue(x: Tensor, f: PerSample): Tensor {
  checkImages('adjustHue', x, [1, 3]);
  const v = factors('adjustHue', f, x.shape[0]!, -0.5);
  for (const e of v) if (e > 0.5) throw new RangeError(`adjustHue: factors must be in [-0.5, 0.5], got ${e}`);
  return hue_(x.clone(), v);
}

/** Solarize: pixels >= threshold become 1 - x, the rest stay (torchvision `solarize`). */
export function solarize(x: Tensor, threshold: number): Tensor {
  checkImages('solarize', x, [1, 3]);
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`solarize: threshold must be in [0, 1] for float images, got ${String(threshold)}`);
  }
  return scope(() => where(x.ge(threshold), x.neg().add(1), x));
}

/** Per-channel standardisation (x - mean) / std, as torchvision's `normalize`. */
export function normalize(x: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  checkImages('normalize', x);
  const c = x.shape[1]!;
  if (mean.length !== c || std.length !== c) {
    throw new RangeError(`normalize: mean and std need ${c} entries (one per channel), got ${mean.length} and ${std.length}`);
  }
  if (std.some((s) => !(s > 0))) throw new RangeError(`normalize: std must be positive, got [${std.join(', ')}]`);
  return scope(() => {
    const m = perSample(mean, x).reshape([1, c, 1, 1]);
    const s = perSample(std, x).reshape([1, c, 1, 1]);
    return x.sub(m).div(s);
  });
}
