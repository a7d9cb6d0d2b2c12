// Normalize (torchvision): per-channel (x - mean) / std. Deterministic, no random draws.
import type { Tensor } from '../tensor/index.js';
import { normalize } from './color.js';
import type { Augmentation } from './types.js';

/** ImageNet's channel statistics, as torchvision's reference scripts use them. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** Standardises each channel: (x - mean[c]) / std[c]. */
export class Normalize implements Augmentation {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  constructor(o: { mean: readonly number[]; std: readonly number[] }) {
    if (typeof o !== 'object' || o === null || !Array.isArray(o.mean) || !Array.isArray(o.std)) {
      throw new TypeError('Normalize: options must be { mean: number[], std: number[] }');
    }
    if (o.mean.length !== o.std.length) throw new RangeError(`Normalize: mean (${o.mean.length}) and std (${o.std.length}) lengths differ`);
    if (o.std.some((s) => !(s > 0))) throw new RangeError(`Normalize: std must be positive, got [${o.std.join(', ')}]`);
    this.mean = [...o.mean];
    this.std = [...o.std];
  }
  get name(): string {
    return `Normalize(mean=[${this.mean.join(', ')}], std=[${this.std.join(', ')}])`;
  }
  apply(x: Tensor): Tensor {
    return normalize(x, this.mean, this.std);
  }
}
