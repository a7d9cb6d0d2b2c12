// RandomResizedCrop (Szegedy et al. 2015, "Going deeper with convolutions"; the SimCLR crop),
// batched: every sample gets its own box, and one grid_sample resizes them all.
import { cat, F, scope, tensor, type Tensor } from '../tensor/index.js';
import { checkImages, checkProbability, checkRange, checkSize } from './check.js';
import { bernoulli, uniform } from './random.js';
import type { Augmentation } from './types.js';

/** Crop boxes, one per sample, in pixels: rows [top, top + height), columns [left, left + width). */
export interface Boxes {
  top: Int32Array;
  left: Int32Array;
  height: Int32Array;
  width: Int32Array;
}

/** Python's round(): halves go to the even neighbour (torchvision rounds crop sizes with it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Crops each sample to its box and resizes it to `size` with bilinear interpolation, as
 * torchvision's `resized_crop(img, top, left, height, width, size, BILINEAR, antialias=False)`
 * on each image (half-pixel centres; samples clamped to the box edges). `hflip[i]` mirrors the
 * output of sample i (a free horizontal flip). (N, C, H, W) -> (N, C, size[0], size[1]).
 */
export function resizedCrop(x: Tensor, boxes: Boxes, size: number | readonly [number, number], hflip?: Uint8Array): Tensor {
  checkImages('resizedCrop', x);
  const [oh, ow] = checkSize('resizedCrop', size);
  const [n, , ih, iw] = x.shape as [number, number, number, number];
  for (const k of ['top', 'left', 'height', 'width'] as const) {
    if (!(boxes[k] instanceof Int32Array) || boxes[k].length !== n) throw new RangeError(`resizedCrop: boxes.${k} must be an Int32Array of ${n} entries`);
  }
  // Sampling positions, in normalised coordinates of grid_sample (align_corners=False).
  const gx = new Float32Array(n * ow);
  const gy = new Float32Array(n * oh);
  for (let i = 0; i < n; i++) {
    const t = boxes.top[i]!, l = boxes.left[i]!, h = boxes.height[i]!, w = boxes.width[i]!;
    if (!(h > 0 && w > 0 && t >= 0 && l >= 0 && t + h <= ih && l + w <= iw)) {
      throw new RangeError(`resizedCrop: box ${i} (top ${t}, left ${l}, height ${h}, width ${w}) lies outside the ${ih}x${iw} image`);
    }
    const flip = hflip?.[i] === 1;
    for (let k = 0; k < ow; k++) {
      // Source column of output column k, as upsample_bilinear2d: (k + 0.5) * w / ow - 0.5, clamped to the box.
      const src = Math.min(Math.max(((k + 0.5) * w) / ow - 0.5, 0), w - 1) + l;
      gx[i * ow + (flip ? ow - 1 - k : k)] = (2 * src + 1) / iw - 1;
    }
    for (let k = 0; k < oh; k++) {
      const src = Math.min(Math.max(((k + 0.5) * h) / oh - 0.5, 0), h - 1) + t;
      gy[i * oh + k] = (2 * src + 1) / ih - 1;
    }
  }
  return scope(() => {
    const o = { dtype: x.dtype, device: x.device } as const;
    const xs = tensor(gx, { shape: [n, 1, ow, 1], ...o }).expand([n, oh, ow, 1]); // (N, oh, ow, 1)
    const ys = tensor(gy, { shape: [n, oh, 1, 1], ...o }).expand([n, oh, ow, 1]);
    const grid = cat([xs, ys], 3); // (N, oh, ow, 2)
    return F.gridSample(x, grid, { mode: 'bilinear', paddingMode: 'border', alignCorners: false }); // (N, C, oh, ow)
  });
}

export interface RandomResizedCropOptions {
  /** Output size: a number (square) or [height, width]. */
  size: number | readonly [number, number];
  /** Range of the crop's area as a fraction of the image's; default [0.08, 1] (SimCLR, Inception). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio w / h, drawn log-uniformly; default [3/4, 4/3]. */
  ratio?: readonly [number, number];
  /**
   * Probability of mirroring each crop left-right, fused into the resampling grid (the same
   * result as a RandomHorizontalFlip after the crop, without its extra pass); default 0.
   */
  hflip?: number;
}

/**
 * RandomResizedCrop: a random box of area fraction in `scale` and aspect ratio in `ratio`
 * (log-uniform) per sample, resized to `size`. The box is drawn as torchvision's
 * `RandomResizedCrop.get_params`: up to 10 attempts, then a central crop fallback.
 */
export class RandomResizedCrop implements Augmentation {
  readonly size: readonly [number, number];
  readonly scale: readonly [number, number];
  readonly ratio: readonly [number, number];
  readonly hflip: number;

  constructor(o: RandomResizedCropOptions) {
    if (typeof o !== 'object' || o === null) throw new TypeError('RandomResizedCrop: options must be an object with a size');
    this.size = checkSize('RandomResizedCrop', o.size);
    this.scale = checkRange('RandomResizedCrop', 'scale', o.scale ?? [0.08, 1], 0);
    this.ratio = checkRange('RandomResizedCrop', 'ratio', o.ratio ?? [3 / 4, 4 / 3]);
    if (this.scale[1] <= 0) throw new RangeError('RandomResizedCrop: scale must allow a positive area');
    if (this.ratio[0] <= 0) throw new RangeError(`RandomResizedCrop: ratio must be positive, got [${this.ratio.join(', ')}]`);
    this.hflip = checkProbability('RandomResizedCrop', 'hflip', o.hflip ?? 0);
  }

  get name(): string {
    return `RandomResizedCrop(size=[${this.size.join(', ')}], scale=[${this.scale.join(', ')}], ratio=[${this.ratio.map((r) => r.toFixed(3)).join(', ')}]${this.hflip ? `, hflip=${this.hflip}` : ''})`;
  }

  /** Draws `n` boxes for an `height` x `width` image (20 uniforms per sample, always). */
  sampleBoxes(n: number, height: number, width: number): Boxes {
    const area = height * width;
    const [s0, s1] = this.scale;
    const [lr0, lr1] = [Math.log(this.ratio[0]), Math.log(this.ratio[1])];
    const u = uniform(n * 22); // (n, 22): 10 attempts x (scale, ratio), then (i, j)
    const b: Boxes = { top: new Int32Array(n), left: new Int32Array(n), height: new Int32Array(n), width: new Int32Array(n) };
    for (let s = 0; s < n; s++) {
      let h = 0, w = 0, found = false;
      for (let a = 0; a < 10 && !found; a++) {
        const targetArea = area * (s0 + (s1 - s0) * u[s * 22 + 2 * a]!);
        const aspect = Math.exp(lr0 + (lr1 - lr0) * u[s * 22 + 2 * a + 1]!);
        w = roundHalfEven(Math.sqrt(targetArea * aspect));
        h = roundHalfEven(Math.sqrt(targetArea / aspect));
        found = w > 0 && w <= width && h > 0 && h <= height;
      }
      let top: number, left: number;
      if (found) {
        top = Math.floor(u[s * 22 + 20]! * (height - h + 1));
        left = Math.floor(u[s * 22 + 21]! * (width - w + 1));
      } else {
        // torchvision's fallback: the central crop with the ratio clamped to the range.
        const inRatio = width / height;
        if (inRatio < this.ratio[0]) [w, h] = [width, roundHalfEven(width / this.ratio[0])];
        else if (inRatio > this.ratio[1]) [w, h] = [roundHalfEven(height * this.ratio[1]), height];
        else [w, h] = [width, height];
        top = Math.floor((height - h) / 2);
        left = Math.floor((width - w) / 2);
      }
      b.top[s] = top;
      b.left[s] = left;
      b.height[s] = h;
      b.width[s] = w;
    }
    return b;
  }

  apply(x: Tensor): Tensor {
    checkImages('RandomResizedCrop', x);
    const n = x.shape[0]!;
    const boxes = this.sampleBoxes(n, x.shape[2]!, x.shape[3]!);
    return resizedCrop(x, boxes, this.size, this.hflip > 0 ? bernoulli(n, this.hflip) : undefined);
  }
}
