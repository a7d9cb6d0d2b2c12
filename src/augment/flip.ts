// Random horizontal and vertical flips, per sample.
import { scope, where, type Tensor } from '../tensor/index.js';
import { checkImages, checkProbability } from './check.js';
import { bernoulli, perSampleMask } from './random.js';
import type { Augmentation } from './types.js';

/** Mirrors left-right: (N, C, H, W), column w -> W - 1 - w (torchvision `hflip`). */
export function hflip(x: Tensor): Tensor {
  checkImages('hflip', x);
  return x.flip(3);
}

/** Mirrors top-bottom: (N, C, H, W), row h -> H - 1 - h (torchvision `vflip`). */
export function vflip(x: Tensor): Tensor {
  checkImages('vflip', x);
  return x.flip(2);
}

abstract class RandomFlip implements Augmentation {
  readonly p: number;
  constructor(o: { p?: number } = {}) {
    this.p = checkProbability(this.constructor.name, 'p', o.p ?? 0.5);
  }
  abstract get name(): string;
  protected abstract dim: number;

  apply(x: Tensor): Tensor {
    checkImages(this.constructor.name, x);
    const mask = bernoulli(x.shape[0]!, this.p);
    return scope(() => where(perSampleMask(mask, x), x.flip(this.dim), x));
  }
}

/** Flips each sample left-right with probability p (default 0.5), as `RandomHorizontalFlip`. */
export class RandomHorizontalFlip extends RandomFlip {
  protected dim = 3;
  get name(): string {
    return `RandomHorizontalFlip(p=${this.p})`;
  }
}

/** Flips each sample top-bottom with probability p (default 0.5), as `RandomVerticalFlip`. */
export class RandomVerticalFlip extends RandomFlip {
  protected dim = 2;
  get name(): string {
    return `RandomVerticalFlip(p=${this.p})`;
  }
}
