// Augmentations of a sequence's values: jitter, scaling and magnitude warp (Um et al. 2017,
// "Data Augmentation of Wearable Sensor Data for Parkinson's Disease Monitoring using
// Convolutional Neural Networks", section 3.2 and their code's DA_Jitter, DA_Scaling, DA_MagWarp).
import { tensor, where, type Tensor } from '../../tensor/index.js';
import { checkPositive, SequenceAugmentation, validSteps } from './base.js';
import { RandomCurves } from './spline.js';

/** Draws as a tensor with the dtype and device of `x`. */
function like(draws: Tensor, x: Tensor): Tensor {
  return draws.to({ dtype: x.dtype, device: x.device });
}

/**
 * Jitter: additive Gaussian noise, y = x + sigma eps with eps ~ N(0, 1) per step and channel, on
 * the valid steps only. Um et al. 2017 (sigma 0.05, the default here); TS-TCC's jitter (Eldele et
 * al. 2021) is the same with sigma 0.8. sigma is in the data's units: standardise the data first.
 */
export class RandomJitter extends SequenceAugmentation {
  readonly sigma: number;
  readonly perStep = true;
  protected readonly normal = true;
  constructor(o: { sigma?: number } = {}) {
    super();
    this.sigma = checkPositive('RandomJitter', 'sigma', o.sigma ?? 0.05, true);
  }
  get name(): string {
    return `RandomJitter(sigma=${this.sigma})`;
  }
  protected drawShape(n: number, t: number, c: number): number[] {
    return [n, t, c];
  }
  protected run(x: Tensor, lengths: Tensor | null, _steps: Int32Array, draws: Tensor): Tensor {
    const noise = like(draws, x).mul(this.sigma); // (N, T, C)
    const valid = validSteps(lengths, x.shape[1]!);
    return x.add(valid ? where(valid, noise, 0) : noise);
  }
}

/**
 * Scaling: each channel of each sequence multiplied by its own factor ~ N(mean, sigma^2) (Um et
 * al. 2017: mean 1, sigma 0.1, the defaults here). TS-TCC's weak view scales with mean 2 and
 * sigma 1.1 (Eldele et al. 2021's code: `np.random.normal(loc=2., scale=sigma)`). Padding, zero,
 * stays zero.
 */
export class Scaling extends SequenceAugmentation {
  readonly mean: number;
  readonly sigma: number;
  readonly perStep = false;
  protected readonly normal = true;
  constructor(o: { mean?: number; sigma?: number } = {}) {
    super();
    this.mean = o.mean ?? 1;
    if (typeof this.mean !== 'number' || !Number.isFinite(this.mean)) throw new RangeError(`Scaling: mean must be a finite number, got ${String(o.mean)}`);
    this.sigma = checkPositive('Scaling', 'sigma', o.sigma ?? 0.1, true);
  }
  get name(): string {
    return `Scaling(mean=${this.mean}, sigma=${this.sigma})`;
  }
  protected drawShape(n: number, _t: number, c: number): number[] {
    return [n, c];
  }
  protected run(x: Tensor, _lengths: Tensor | null, _steps: Int32Array, draws: Tensor): Tensor {
    const factor = like(draws, x).mul(this.sigma).add(this.mean).unsqueeze(1); // (N, 1, C)
    return x.mul(factor);
  }
}

/**
 * Magnitude warp: the sequence times a smooth random curve, per channel: the cubic spline through
 * knots + 2 values ~ N(1, sigma^2) spread evenly over each sequence's valid steps (Um et al.
 * 2017's `DA_MagWarp`: sigma 0.2, 4 knots, the defaults here). Padding becomes zero.
 */
export class MagnitudeWarp extends RandomCurves {
  protected drawShape(n: number, _t: number, c: number): number[] {
    return [n, this.knots + 2, c];
  }
  protected run(x: Tensor, _lengths: Tensor | null, steps: Int32Array, draws: Tensor): Tensor {
    const [n, t] = x.shape as [number, number, number];
    const k = this.knots + 2;
    const w = new Float32Array(n * t * k); // (N, T, K + 2): the spline's weights at each valid step, zero past the end
    steps.forEach((l, i) => w.set(this.basis.weights(l), i * t * k));
    const weights = tensor(w, { shape: [n, t, k], dtype: x.dtype, device: x.device });
    const curve = weights.bmm(like(draws, x).mul(this.sigma).add(1)); // (N, T, K + 2) @ (N, K + 2, C) -> (N, T, C)
    return x.mul(curve);
  }
}
