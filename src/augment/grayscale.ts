// RandomGrayscale (torchvision): luma with ITU-R 601-2 weights, copied to every channel.
import { scope, where, type Tensor } from '../tensor/index.js';
import { checkImages, checkProbability } from './check.js';
import { rgbToGrayscale } from './color.js';
import { bernoulli, perSampleMask } from './random.js';
import type { Augmentation } from './types.js';

/**
 * Converts each sample to grayscale with probability p (SimCLR: 0.2), keeping 3 channels (all
 * equal to 0.2989 R + 0.587 G + 0.114 B), as torchvision's `RandomGrayscale`. 1-channel
 * batches pass through unchanged (a copy).
 */
export class RandomGrayscale implements Augmentation {
  readonly p: number;
  constructor(o: { p?: number } = {}) {
    this.p = checkProbability('RandomGrayscale', 'p', o.p ?? 0.1);
  }
  get name(): string {
    return `RandomGrayscale(p=${this.p})`;
  }
  apply(x: Tensor): Tensor {
    checkImages('RandomGrayscale', x, [1, 3]);
    const mask = bernoulli(x.shape[0]!, this.p);
    if (x.shape[1] === 1) return x.clone();
    return scope(() => where(perSampleMask(mask, x), rgbToGrayscale(x).expand(x.shape), x));
  }
}
