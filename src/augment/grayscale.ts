// RandomGrayscale (torchvision): luma with ITU-R 601-2 weights, copied to every channel, or to the
// three bands of a declared RGB triple of a multi-band image.
import { scope, where, type Tensor } from '../tensor/index.js';
import { checkRgb, isWholeRgb, onRgb_, resolveRgb, type Rgb } from './bands.js';
import { checkImages, checkProbability } from './check.js';
import { rgbToGrayscale } from './color.js';
import { bernoulli, perSampleMask } from './random.js';
import type { Augmentation } from './types.js';

/**
 * Converts each sample to grayscale with probability p (SimCLR, Chen et al. 2020: 0.2), keeping
 * 3 channels (all equal to 0.2989 R + 0.587 G + 0.114 B), as torchvision's `RandomGrayscale`.
 * 1-channel batches pass through unchanged (a copy). On C-band images `rgb` (band indices of
 * red, green, blue, e.g. [3, 2, 1] for Sentinel-2) names the triple that turns gray; the other
 * bands stay. C other than 1 or 3 without `rgb` is an Error at apply time.
 */
export class RandomGrayscale implements Augmentation {
  readonly p: number;
  readonly rgb: Rgb | undefined;
  constructor(o: { p?: number; rgb?: Rgb } = {}) {
    this.p = checkProbability('RandomGrayscale', 'p', o.p ?? 0.1);
    this.rgb = checkRgb('RandomGrayscale', o.rgb);
  }
  get name(): string {
    return `RandomGrayscale(p=${this.p}${this.rgb ? `, rgb=[${this.rgb.join(', ')}]` : ''})`;
  }
  apply(x: Tensor): Tensor {
    checkImages('RandomGrayscale', x);
    const rgb = resolveRgb('RandomGrayscale', 'grayscale', x, this.rgb, 'leave RandomGrayscale out');
    const mask = bernoulli(x.shape[0]!, this.p);
    if (rgb === null) return x.clone();
    const gray = (t: Tensor): Tensor => where(perSampleMask(mask, t), rgbToGrayscale(t).expand(t.shape), t); // (N, 3, H, W)
    return scope(() => (isWholeRgb(x, rgb) ? gray(x) : onRgb_(x.clone(), rgb, (t) => void t.copy_(gray(t)))));
  }
}
