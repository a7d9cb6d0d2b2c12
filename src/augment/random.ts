// Per-sample random parameters, drawn from the engine's seeded generator (`manualSeed`), and
// the helpers that apply an op to the samples a random draw selected.
import { rand, scope, tensor, type Tensor } from '../tensor/index.js';

/**
 * `n` draws uniform on [lo, hi), from the engine's CPU generator: the same `manualSeed` gives
 * the same draws, whatever device the images live on. As `torch.empty(n).uniform_(lo, hi)`.
 */
export function uniform(n: number, lo = 0, hi = 1): Float32Array {
  const u = scope(() => rand([n]).data()) as Float32Array; // (n,)
  if (lo !== 0 || hi !== 1) for (let i = 0; i < n; i++) u[i] = lo + (hi - lo) * u[i]!;
  return u;
}

/** `n` coin flips, each 1 with probability `p` (a uint8 mask). Always draws `n` numbers. */
export function bernoulli(n: number, p: number): Uint8Array {
  const u = uniform(n);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = u[i]! < p ? 1 : 0;
  return mask;
}

/** `n` random permutations of 0..k-1 (row-major (n, k)), as `torch.randperm(k)` per sample. */
export function permutations(n: number, k: number): Uint8Array {
  const u = uniform(n * k); // (n, k) keys: argsort of i.i.d. uniforms is a uniform permutation
  const out = new Uint8Array(n * k);
  const order = Array.from({ length: k }, (_, i) => i);
  for (let s = 0; s < n; s++) {
    order.sort((a, b) => u[s * k + a]! - u[s * k + b]!);
    for (let j = 0; j < k; j++) out[s * k + j] = order[j]!;
    order.sort((a, b) => a - b);
  }
  return out;
}

/**
 * A per-sample value as a (N, 1, 1, 1) tensor with the dtype and device of `like`; with
 * `channels` c > 1, row-major (N, c) values (one per sample and band) as a (N, c, 1, 1) tensor.
 */
export function perSample(values: Float32Array | readonly number[], like: Tensor, channels = 1): Tensor {
  const v = values instanceof Float32Array ? values : Float32Array.from(values);
  return tensor(v, { shape: [v.length / channels, channels, 1, 1], dtype: like.dtype, device: like.device });
}

/** A (N, 1, 1, 1) bool mask on the device of `like`. */
export function perSampleMask(mask: Uint8Array, like: Tensor): Tensor {
  return tensor(mask, { shape: [mask.length, 1, 1, 1], device: like.device }).to('bool');
}

/** The indices where `mask` is set. */
export function indicesOf(mask: Uint8Array): number[] {
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) idx.push(i);
  return idx;
}

/**
 * Applies `fn` to the samples `idx` of `x` only (gather, op, scatter), so that an op with
 * probability p costs p of its full-batch price. `fn` gets the sub-batch, the positions of its
 * samples in `x` and, for sequences, their `lengths` (null stays null), and must keep the shape.
 * Returns a new tensor (or `x` itself when idx is empty).
 */
export function applyToSamples(
  x: Tensor, idx: readonly number[], fn: (sub: Tensor, idx: readonly number[], lengths: Tensor | null) => Tensor, lengths: Tensor | null = null,
): Tensor {
  const n = x.shape[0]!;
  if (idx.length === 0) return x;
  if (idx.length === n) return fn(x, idx, lengths);
  return scope(() => {
    const index = tensor(BigInt64Array.from(idx, (i) => BigInt(i)), { device: x.device }); // (k,) int64
    const y = fn(x.indexSelect(0, index), idx, lengths && lengths.indexSelect(0, index)); // (k, ...) as x
    if (y.ndim !== x.ndim || y.shape.some((s, i) => i > 0 && s !== x.shape[i])) {
      const what = x.ndim === 3 ? 'sequence' : 'image';
      throw new Error(`applyToSamples: the op changed the ${what} shape from [${x.shape.slice(1).join(', ')}] to [${y.shape.slice(1).join(', ')}]`);
    }
    return x.indexCopy(0, index, y.to(x.dtype));
  });
}

/** Picks entries of a per-sample array at `idx`; with `width` w, rows of a row-major (N, w) array. */
export function pick(values: Float32Array, idx: readonly number[], width = 1): Float32Array {
  if (width === 1) return Float32Array.from(idx, (i) => values[i]!);
  const out = new Float32Array(idx.length * width);
  idx.forEach((i, k) => out.set(values.subarray(i * width, (i + 1) * width), k * width));
  return out;
}
