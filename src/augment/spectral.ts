// Spectral augmentations of multi-band images (N, C, H, W), standardised per band (values around
// 0): band dropout and per-band Gaussian noise, for self-supervised learning on multispectral
// remote sensing (Sentinel-2's 13 bands; SeCo, Mañas et al. 2021, "Seasonal Contrast:
// Unsupervised Pre-Training from Uncurated Remote Sensing Data"; SSL4EO-S12, Wang et al. 2022).
import { randn, scope, tensor, type Tensor } from '../tensor/index.js';
import { checkImages, checkProbability, checkRange } from './check.js';
import { applyToSamples, bernoulli, indicesOf, perSample, pick, uniform } from './random.js';
import { checkCount, checkPositive } from './sequence/base.js';
import type { Augmentation } from './types.js';

export interface RandomBandDropoutOptions {
  /** Probability that a sample loses bands at all; default 0.5 (SSL4EO-S12's). */
  p?: number;
  /**
   * Drop k bands, k uniform in 1..min(maxBands, C - 1), the k chosen uniformly; default
   * floor(C / 2) (6 of Sentinel-2's 13, SSL4EO-S12's `max_n_drop`). Not with `fraction`.
   */
  maxBands?: number;
  /** Instead of `maxBands`: drop each band with probability `fraction` (at least one band is kept). */
  fraction?: number;
}

/**
 * Band dropout: with probability p per sample, a random subset of its bands is set to 0 (the
 * per-band mean of standardised data), at least one band always kept; a 1-band image is never
 * changed. As SSL4EO-S12's `RandomChannelDrop` (Wang et al. 2022, "SSL4EO-S12: A Large-Scale
 * Multi-Modal, Multi-Temporal Dataset for Self-Supervised Learning in Earth Observation": 1 to 6
 * of 13 bands at p 0.5 in its pretraining augmentation), after DINO-MM's RandomSensorDrop (Wang et
 * al. 2022) and SpatialDropout's whole-map dropping (Tompson et al. 2015), without rescaling.
 * Draws (CPU generator): p's coin (N), then keys (N, C), then with `maxBands` the counts (N).
 */
export class RandomBandDropout implements Augmentation {
  readonly p: number;
  readonly maxBands: number | undefined;
  readonly fraction: number | undefined;

  constructor(o: RandomBandDropoutOptions = {}) {
    if (typeof o !== 'object' || o === null) throw new TypeError('RandomBandDropout: options must be an object');
    if (o.maxBands !== undefined && o.fraction !== undefined) {
      throw new TypeError(`RandomBandDropout: give maxBands or fraction, not both (got maxBands ${o.maxBands}, fraction ${o.fraction})`);
    }
    this.p = checkProbability('RandomBandDropout', 'p', o.p ?? 0.5);
    this.maxBands = o.maxBands === undefined ? undefined : checkCount('RandomBandDropout', 'maxBands', o.maxBands);
    this.fraction = o.fraction === undefined ? undefined : checkProbability('RandomBandDropout', 'fraction', o.fraction);
  }

  get name(): string {
    const how = this.fraction !== undefined ? `fraction=${this.fraction}` : `maxBands=${this.maxBands ?? 'C/2'}`;
    return `RandomBandDropout(p=${this.p}, ${how})`;
  }

  /** Draws which bands drop for `n` samples of `c` bands: a row-major (n, c) mask, 1 = set to 0; every row keeps a band. */
  sampleMask(n: number, c: number): Uint8Array {
    const on = bernoulli(n, this.p);
    const keys = uniform(n * c); // (n, c)
    const drop = new Uint8Array(n * c);
    const kmax = Math.min(this.maxBands ?? Math.floor(c / 2), c - 1);
    const counts = this.fraction === undefined ? uniform(n) : null;
    const order = Array.from({ length: c }, (_, j) => j);
    for (let i = 0; i < n; i++) {
      if (!on[i] || c === 1) continue;
      const row = keys.subarray(i * c, (i + 1) * c);
      if (this.fraction !== undefined) {
        let kept = 0;
        for (let j = 0; j < c; j++) if (row[j]! < this.fraction) drop[i * c + j] = 1; else kept++;
        if (kept === 0) drop[i * c + row.indexOf(Math.max(...row))] = 0; // keep the band least likely dropped
      } else if (kmax > 0) {
        const k = 1 + Math.floor(counts![i]! * kmax); // 1..kmax
        order.sort((a, b) => row[a]! - row[b]!); // a uniform permutation: its first k bands drop
        for (let j = 0; j < k; j++) drop[i * c + order[j]!] = 1;
      }
    }
    return drop;
  }

  apply(x: Tensor): Tensor {
    checkImages('RandomBandDropout', x);
    const [n, c] = x.shape as [number, number];
    const drop = this.sampleMask(n, c);
    if (!drop.includes(1)) return x.clone();
    return scope(() => x.maskedFill(tensor(drop, { shape: [n, c, 1, 1], device: x.device }).to('bool'), 0)); // (N, C, 1, 1) over (N, C, H, W)
  }
}

export interface RandomBandNoiseOptions {
  /** Noise standard deviation (in the data's units: standard deviations of each band), or [lo, hi] to draw per sample; default [0, 0.1]. */
  std?: number | readonly [number, number];
  /** Probability that a sample gets noise; default 0.5. */
  p?: number;
}

/**
 * Additive Gaussian noise per band: with probability p per sample, every pixel of every band
 * gets independent N(0, sigma^2) noise, sigma drawn per sample uniformly from `std`. Noise
 * injection is a standard augmentation for multi- and hyperspectral data (Nalepa et al. 2020,
 * "Training- and Test-Time Data Augmentation for Hyperspectral Image Segmentation"), as
 * jittering is for sensor signals (Um et al. 2017); on standardised bands sigma is a fraction of
 * each band's spread. sigma and the coins come from the CPU generator, the noise from the
 * generator of the images' device (`manualSeed` seeds both), so a seed repeats it on one device.
 */
export class RandomBandNoise implements Augmentation {
  readonly std: readonly [number, number];
  readonly p: number;

  constructor(o: RandomBandNoiseOptions = {}) {
    if (typeof o !== 'object' || o === null) throw new TypeError('RandomBandNoise: options must be an object');
    const s = o.std ?? [0, 0.1];
    this.std = typeof s === 'number' ? [checkPositive('RandomBandNoise', 'std', s, true), s] : checkRange('RandomBandNoise', 'std', s, 0);
    this.p = checkProbability('RandomBandNoise', 'p', o.p ?? 0.5);
  }

  get name(): string {
    return `RandomBandNoise(std=[${this.std.join(', ')}], p=${this.p})`;
  }

  apply(x: Tensor): Tensor {
    checkImages('RandomBandNoise', x);
    const n = x.shape[0]!;
    const sigma = uniform(n, this.std[0], this.std[1]);
    const on = indicesOf(bernoulli(n, this.p));
    const y = applyToSamples(x, on, (sub, idx) => scope(() => {
      const noise = randn(sub.shape, { dtype: sub.dtype, device: sub.device }); // (k, C, H, W)
      return noise.mul_(perSample(pick(sigma, idx), sub)).add_(sub);
    }));
    return y === x ? x.clone() : y;
  }
}
