// The RGB triple of multi-band images (N, C, H, W), e.g. Sentinel-2's 13 bands: the colour ops
// that only mean something for red, green and blue (saturation, hue, grayscale) run on those three
// bands and write them back, leaving the other bands as they are.
import { scope, tensor, type Tensor } from '../tensor/index.js';

/** Band indices of red, green and blue, e.g. [3, 2, 1] for Sentinel-2's B4, B3, B2 (band order B1, B2, ...). */
export type Rgb = readonly [number, number, number];

/** Checks an `rgb` option: undefined, or three different non-negative integer band indices. */
export function checkRgb(op: string, rgb: unknown): Rgb | undefined {
  if (rgb === undefined) return undefined;
  if (!Array.isArray(rgb) || rgb.length !== 3 || !rgb.every((b) => Number.isInteger(b) && b >= 0)) {
    throw new TypeError(`${op}: rgb must be three band indices [red, green, blue] (non-negative integers), got ${JSON.stringify(rgb)}`);
  }
  if (new Set(rgb).size !== 3) throw new RangeError(`${op}: rgb must name three different bands, got [${rgb.join(', ')}]`);
  return [rgb[0], rgb[1], rgb[2]] as Rgb;
}

/**
 * The RGB bands of batch `x` for the ops in `what` (e.g. 'hue', or '' when no op needs them):
 * `rgb` if declared (each index must be < C), [0, 1, 2] when C is 3, null when C is 1 (saturation,
 * hue and grayscale leave one channel as it is, as torchvision) or when nothing needs them. Any
 * other C without `rgb` is an Error naming the op, the channel count and the fix (`instead`).
 */
export function resolveRgb(op: string, what: string, x: Tensor, rgb: Rgb | undefined, instead: string): Rgb | null {
  const c = x.shape[1]!;
  if (rgb) {
    const bad = rgb.find((b) => b >= c);
    if (bad !== undefined) throw new RangeError(`${op}: rgb [${rgb.join(', ')}] names band ${bad}, but the images have ${c} channels (bands 0 to ${c - 1})`);
    return rgb;
  }
  if (c === 3) return [0, 1, 2];
  if (c === 1 || what === '') return null;
  throw new Error(
    `${op}: ${what} ${what.includes(' and ') ? 'need' : 'needs'} an RGB triple, but the images have ${c} channels; declare rgb: [red, green, blue] `
    + `(the band indices, e.g. rgb: [3, 2, 1] for Sentinel-2's B4, B3, B2) or ${instead}`,
  );
}

/** Whether `rgb` is all of `x`, in order (3 channels, [0, 1, 2]): the ops then run on `x` itself. */
export function isWholeRgb(x: Tensor, rgb: Rgb): boolean {
  return x.shape[1] === 3 && rgb[0] === 0 && rgb[1] === 1 && rgb[2] === 2;
}

/**
 * Runs `fn_` in place on bands `rgb` of `x` (N, C, H, W), in place on `x`: the (N, 3, H, W)
 * triple is gathered, changed by `fn_` and written back; the other bands stay. When the triple is
 * all of `x`, `fn_` runs on `x` itself. Returns `x`.
 */
export function onRgb_(x: Tensor, rgb: Rgb, fn_: (t: Tensor) => void): Tensor {
  if (isWholeRgb(x, rgb)) {
    fn_(x);
    return x;
  }
  scope(() => {
    const index = tensor(BigInt64Array.from(rgb, (b) => BigInt(b)), { device: x.device }); // (3,) int64
    const t = x.indexSelect(1, index); // (N, 3, H, W)
    fn_(t);
    x.indexCopy_(1, index, t);
  });
  return x;
}
