// Input validation shared by the augmentations: every op names itself and the problem.
import { isFloating, scope, Tensor } from '../tensor/index.js';

/**
 * Checks that `x` is a batch of float images (N, C, H, W), as the augmentations expect: values in
 * [0, 1] for the torchvision colour ops that clamp (the loader produces them; uint8 data is
 * divided by 255 first), any values and any C for the geometric ops (crop, flips, rotation, blur),
 * the spectral ops and `ColorJitter({ clamp: false })` (standardised multi-band images).
 * `channels` restricts C (the functional colour ops accept 1 or 3, as torchvision's `_assert_channels`).
 */
export function checkImages(op: string, x: unknown, channels?: readonly number[]): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor of images (N, C, H, W), got ${describe(x)}`);
  if (x.ndim !== 4) throw new TypeError(`${op}: expected images of shape (N, C, H, W), got shape [${x.shape.join(', ')}]`);
  if (!isFloating(x.dtype)) {
    throw new TypeError(`${op}: expected floating-point images in [0, 1], got dtype ${x.dtype} (divide uint8 images by 255 first)`);
  }
  if (channels && !channels.includes(x.shape[1]!)) {
    throw new TypeError(`${op}: expected ${channels.join(' or ')} channels, got ${x.shape[1]} (shape [${x.shape.join(', ')}])`);
  }
}

/**
 * Checks that `x` is a batch the multi-step transforms (`Compose`, `RandomApply`, `TwoViews`)
 * accept: float images (N, C, H, W) or float sequences (N, T, C). Each op checks the rest.
 */
export function checkBatch(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor of images (N, C, H, W) or sequences (N, T, C), got ${describe(x)}`);
  if (x.ndim === 4) return checkImages(op, x);
  if (x.ndim !== 3) throw new TypeError(`${op}: expected images (N, C, H, W) or sequences (N, T, C), got shape [${x.shape.join(', ')}]`);
  if (!isFloating(x.dtype)) throw new TypeError(`${op}: expected floating-point sequences, got dtype ${x.dtype}`);
}

/**
 * Checks a batch of sequences (N, T, C), floating point, zero-padded after each sequence's end,
 * and its `lengths`: null / undefined (every sequence has all T steps) or an integer tensor (N)
 * on the device of `x` with values in [1, T]. Returns the lengths as numbers (all T when null);
 * reading them is the only transfer from the device.
 */
export function checkSequences(op: string, x: unknown, lengths: unknown): Int32Array {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor of sequences (N, T, C), got ${describe(x)}`);
  if (x.ndim !== 3) throw new TypeError(`${op}: expected sequences of shape (N, T, C), got shape [${x.shape.join(', ')}]`);
  if (!isFloating(x.dtype)) throw new TypeError(`${op}: expected floating-point sequences, got dtype ${x.dtype}`);
  const [n, t] = x.shape as [number, number, number];
  if (lengths === null || lengths === undefined) return new Int32Array(n).fill(t);
  if (!(lengths instanceof Tensor)) throw new TypeError(`${op}: lengths must be a Tensor (N) or null, got ${describe(lengths)}`);
  if (lengths.ndim !== 1 || lengths.shape[0] !== n) {
    throw new TypeError(`${op}: lengths must have shape [${n}] (one per sequence), got [${lengths.shape.join(', ')}]`);
  }
  if (isFloating(lengths.dtype) || lengths.dtype === 'bool') throw new TypeError(`${op}: lengths must be integers (int64), got dtype ${lengths.dtype}`);
  if (lengths.device !== x.device) throw new TypeError(`${op}: lengths must be on ${x.device} with the sequences, got ${lengths.device}`);
  const steps = scope(() => lengths.to({ dtype: 'int32', device: 'cpu' }).data()) as Int32Array; // (N,)
  const bad = steps.findIndex((l) => l < 1 || l > t);
  if (bad >= 0) throw new RangeError(`${op}: lengths[${bad}] is ${steps[bad]}, outside [1, ${t}] (T = ${t})`);
  return steps;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x;
}

/** Checks a probability option. */
export function checkProbability(op: string, name: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${op}: ${name} must be a probability in [0, 1], got ${String(p)}`);
  return p;
}

/** Checks a boolean option (undefined gives `fallback`). */
export function checkBoolean(op: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** Checks a [min, max] range with min <= max, both finite and at least `lowest`. */
export function checkRange(op: string, name: string, r: unknown, lowest = -Infinity): readonly [number, number] {
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new TypeError(`${op}: ${name} must be a [min, max] pair of finite numbers, got ${JSON.stringify(r)}`);
  }
  const [lo, hi] = r as [number, number];
  if (lo > hi) throw new RangeError(`${op}: ${name} must have min <= max, got [${lo}, ${hi}]`);
  if (lo < lowest) throw new RangeError(`${op}: ${name} must be >= ${lowest}, got [${lo}, ${hi}]`);
  return [lo, hi];
}

/** Checks an output size: a positive integer (square) or [height, width]. */
export function checkSize(op: string, size: unknown): readonly [number, number] {
  const pair = typeof size === 'number' ? [size, size] : size;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v > 0)) {
    throw new TypeError(`${op}: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  }
  return [pair[0] as number, pair[1] as number];
}
