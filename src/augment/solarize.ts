// RandomSolarize (BYOL, Grill et al. 2020, table 6: solarization probability 0 / 0.2).
import { scope, where, type Tensor } from '../tensor/index.js';
import { checkImages, checkProbability } from './check.js';
import { solarize } from './color.js';
import { bernoulli, perSampleMask } from './random.js';
import type { Augmentation } from './types.js';

/** Solarizes each sample with probability p: pixels >= threshold (default 0.5) become 1 - x. */
export class RandomSolarize implements Augmentation {
  readonly threshold: number;
  readonly p: number;
  constructor(o: { threshold?: number; p?: number } = {}) {
    this.threshold = o.threshold ?? 0.5;
    if (typeof this.threshold !== 'number' || !(this.threshold >= 0 && this.threshold <= 1)) {
      throw new RangeError(`RandomSolarize: threshold must be in [0, 1], got ${String(o.threshold)}`);
    }
    this.p = checkProbability('RandomSolarize', 'p', o.p ?? 0.5);
  }
  get name(): string {
    return `RandomSolarize(threshold=${this.threshold}, p=${this.p})`;
  }
  apply(x: Tensor): Tensor {
    checkImages('RandomSolarize', x, [1, 3]);
    const mask = bernoulli(x.shape[0]!, this.p);
    return scope(() => where(perSampleMask(mask, x), solarize(x, this.threshold), x));
  }
}
