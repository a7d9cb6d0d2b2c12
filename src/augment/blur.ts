// Gaussian blur with a per-sample sigma (SimCLR, Chen et al. 2020, appendix A: "we blur the
// image 50% of the time using a Gaussian kernel ... sigma uniform in [0.1, 2.0] ... kernel size
// 10% of the image height/width").
import { F, scope, tensor, type Tensor } from '../tensor/index.js';
import { checkImages, checkProbability, checkRange } from './check.js';
import { applyToSamples, bernoulli, indicesOf, pick, uniform } from './random.js';
import type { Augmentation } from './types.js';

/** The 1-d Gaussian kernel of torchvision's `_get_gaussian_kernel1d`, normalised to sum 1. */
export function gaussianKernel1d(kernelSize: number, sigma: number): Float64Array {
  const half = (kernelSize - 1) / 2;
  const k = new Float64Array(kernelSize);
  let sum = 0;
  for (let i = 0; i < kernelSize; i++) {
    const x = -half + i;
    k[i] = Math.exp(-0.5 * (x / sigma) ** 2);
    sum += k[i]!;
  }
  for (let i = 0; i < kernelSize; i++) k[i]! /= sum;
  return k;
}

/** The odd kernel size SimCLR uses for an image side: 10% of it, made odd (224 -> 23, 96 -> 9, 32 -> 3). */
export function simclrKernelSize(side: number): number {
  return 2 * Math.floor(Math.floor(0.1 * side) / 2) + 1;
}

/**
 * Blurs sample i with a `kernelSize` Gaussian of standard deviation `sigma[i]`, as torchvision's
 * `gaussian_blur` (reflect padding, kernel from `_get_gaussian_kernel1d`); the 2-d kernel is
 * separable, so two 1-d depthwise convolutions do it. (N, C, H, W) -> (N, C, H, W).
 */
export function gaussianBlur(x: Tensor, kernelSize: number, sigma: Float32Array | readonly number[]): Tensor {
  checkImages('gaussianBlur', x);
  if (!Number.isInteger(kernelSize) || kernelSize <= 0 || kernelSize % 2 === 0) {
    throw new RangeError(`gaussianBlur: kernelSize must be a positive odd integer, got ${kernelSize}`);
  }
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (sigma.length !== n) throw new RangeError(`gaussianBlur: expected ${n} sigmas (one per image), got ${sigma.length}`);
  const pad = Math.floor(kernelSize / 2);
  if (pad >= h || pad >= w) throw new RangeError(`gaussianBlur: kernelSize ${kernelSize} is too large for ${h}x${w} images (reflect padding needs kernelSize / 2 < side)`);
  const weights = new Float32Array(n * c * kernelSize); // (N * C, k): sample i's kernel, repeated per channel
  for (let i = 0; i < n; i++) {
    if (!(sigma[i]! > 0)) throw new RangeError(`gaussianBlur: sigma must be > 0, got ${sigma[i]}`);
    const k = gaussianKernel1d(kernelSize, sigma[i]!);
    for (let ch = 0; ch < c; ch++) weights.set(k, (i * c + ch) * kernelSize);
  }
  return scope(() => {
    const o = { dtype: x.dtype, device: x.device } as const;
    const padded = F.pad(x, [pad, pad, pad, pad], 'reflect').reshape([1, n * c, h + 2 * pad, w + 2 * pad]); // (1, N*C, H+2p, W+2p)
    const kx = tensor(weights, { shape: [n * c, 1, 1, kernelSize], ...o });
    const ky = tensor(weights, { shape: [n * c, 1, kernelSize, 1], ...o });
    const rows = F.conv2d(padded, kx, null, { groups: n * c }); // (1, N*C, H+2p, W)
    return F.conv2d(rows, ky, null, { groups: n * c }).reshape([n, c, h, w]); // (N, C, H, W)
  });
}

export interface GaussianBlurOptions {
  /** Odd kernel size; SimCLR uses 10% of the image side (`simclrKernelSize`). */
  kernelSize: number;
  /** Range of sigma, drawn uniformly per sample; default [0.1, 2.0] (SimCLR, BYOL). */
  sigma?: readonly [number, number];
  /** Probability of blurring a sample; default 1. */
  p?: number;
}

/** Blurs each sample with probability p, sigma uniform in `sigma` (torchvision `GaussianBlur`). */
export class GaussianBlur implements Augmentation {
  readonly kernelSize: number;
  readonly sigma: readonly [number, number];
  readonly p: number;

  constructor(o: GaussianBlurOptions) {
    if (typeof o !== 'object' || o === null) throw new TypeError('GaussianBlur: options must be an object with a kernelSize');
    if (!Number.isInteger(o.kernelSize) || o.kernelSize <= 0 || o.kernelSize % 2 === 0) {
      throw new RangeError(`GaussianBlur: kernelSize must be a positive odd integer, got ${String(o.kernelSize)}`);
    }
    this.kernelSize = o.kernelSize;
    this.sigma = checkRange('GaussianBlur', 'sigma', o.sigma ?? [0.1, 2.0], 0);
    if (this.sigma[0] <= 0) throw new RangeError(`GaussianBlur: sigma must be > 0, got [${this.sigma.join(', ')}]`);
    this.p = checkProbability('GaussianBlur', 'p', o.p ?? 1);
  }

  get name(): string {
    return `GaussianBlur(kernelSize=${this.kernelSize}, sigma=[${this.sigma.join(', ')}], p=${this.p})`;
  }

  apply(x: Tensor): Tensor {
    checkImages('GaussianBlur', x);
    const n = x.shape[0]!;
    const sigma = uniform(n, this.sigma[0], this.sigma[1]);
    const on = indicesOf(bernoulli(n, this.p));
    const y = applyToSamples(x, on, (sub, idx) => gaussianBlur(sub, this.kernelSize, pick(sigma, idx)));
    return y === x ? x.clone() : y;
  }
}
