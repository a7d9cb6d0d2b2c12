// Augmentations of a sequence's time axis: time warp, window slice and segment permutation. Each
// maps every valid output step to a position in the same sequence's valid part, so lengths and
// padding stay as they were.
import type { Tensor } from '../../tensor/index.js';
import { checkRange } from '../check.js';
import { checkCount, SequenceAugmentation } from './base.js';
import { gatherSteps, interpolateSteps } from './resample.js';
import { RandomCurves } from './spline.js';

/** The slowest speed a time warp's curve may take, so that its time map keeps increasing. */
const MIN_SPEED = 0.01;

/**
 * Time warp: a smooth random monotone time map per sequence, resampled by linear interpolation
 * within its valid length (Um et al. 2017's `DA_TimeWarp`: sigma 0.2, 4 knots, the defaults here).
 * A speed curve, the cubic spline through knots + 2 values ~ N(1, sigma^2) (at least 0.01), is
 * integrated (trapezoids) into tau, scaled so that tau(0) = 0 and tau(L - 1) = L - 1; output
 * step t reads the sequence at tau(t). All channels share the map (Um et al. warp each channel
 * on its own; one map keeps a multivariate series' channels aligned).
 */
export class TimeWarp extends RandomCurves {
  protected drawShape(n: number): number[] {
    return [n, this.knots + 2];
  }
  protected run(x: Tensor, _lengths: Tensor | null, steps: Int32Array, draws: Tensor): Tensor {
    const [n, t] = x.shape as [number, number, number];
    const k = this.knots + 2;
    const z = draws.data() as Float32Array; // (N, K + 2)
    const positions = new Float32Array(n * t);
    const tau = new Float64Array(t);
    for (let i = 0; i < n; i++) {
      const l = steps[i]!;
      if (l < 2) continue;
      const w = this.basis.weights(l); // (L, K + 2)
      let prev = 0;
      for (let s = 0; s < l; s++) {
        let speed = 0;
        for (let j = 0; j < k; j++) speed += w[s * k + j]! * (1 + this.sigma * z[i * k + j]!);
        speed = Math.max(speed, MIN_SPEED);
        tau[s] = s === 0 ? 0 : tau[s - 1]! + (prev + speed) / 2;
        prev = speed;
      }
      for (let s = 0; s < l; s++) positions[i * t + s] = ((l - 1) * tau[s]!) / tau[l - 1]!;
    }
    return interpolateSteps(x, positions, steps);
  }
}

/**
 * Window slice (Le Guennec et al. 2016, "Data Augmentation for Time Series Classification using
 * Convolutional Neural Networks": slices of 90% of the series): a random window of each
 * sequence's valid part, w = round(f L) steps with f uniform in `scale` (default [0.9, 0.9], Le
 * Guennec's), at a uniform start, resampled back to L steps as `F.interpolate(window, L,
 * mode='linear', align_corners=False)`: a random resized crop of time.
 */
export class WindowSlice extends SequenceAugmentation {
  readonly scale: readonly [number, number];
  readonly perStep = false;
  protected readonly normal = false;
  constructor(o: { scale?: readonly [number, number] } = {}) {
    super();
    this.scale = checkRange('WindowSlice', 'scale', o.scale ?? [0.9, 0.9], 0);
    if (!(this.scale[0] > 0 && this.scale[1] <= 1)) throw new RangeError(`WindowSlice: scale must lie in (0, 1], got [${this.scale.join(', ')}]`);
  }
  get name(): string {
    return `WindowSlice(scale=[${this.scale.join(', ')}])`;
  }
  protected drawShape(n: number): number[] {
    return [n, 2]; // (N, 2): the window's fraction, its start
  }
  protected run(x: Tensor, _lengths: Tensor | null, steps: Int32Array, draws: Tensor): Tensor {
    const [n, t] = x.shape as [number, number, number];
    const u = draws.data() as Float32Array;
    const [lo, hi] = this.scale;
    const positions = new Float32Array(n * t);
    for (let i = 0; i < n; i++) {
      const l = steps[i]!;
      const w = Math.min(Math.max(Math.round((lo + (hi - lo) * u[2 * i]!) * l), 1), l);
      const start = Math.floor(u[2 * i + 1]! * (l - w + 1));
      for (let s = 0; s < l; s++) positions[i * t + s] = start + Math.min(Math.max(((s + 0.5) * w) / l - 0.5, 0), w - 1);
    }
    return interpolateSteps(x, positions, steps);
  }
}

/**
 * Segment permutation (Um et al. 2017's `DA_Permutation`; TS-TCC's strong view, Eldele et al.
 * 2021: "splitting the signal into a random number of segments with a maximum of M and randomly
 * shuffling them"): each sequence's valid part is cut at up to maxSegments - 1 random steps
 * into up to `maxSegments` (default 5, TS-TCC's) non-empty segments, the number uniform in
 * 1..maxSegments, which are put back in a uniformly random order.
 */
export class SegmentPermutation extends SequenceAugmentation {
  readonly maxSegments: number;
  readonly perStep = false;
  protected readonly normal = false;
  constructor(o: { maxSegments?: number } = {}) {
    super();
    this.maxSegments = checkCount('SegmentPermutation', 'maxSegments', o.maxSegments ?? 5);
  }
  get name(): string {
    return `SegmentPermutation(maxSegments=${this.maxSegments})`;
  }
  protected drawShape(n: number): number[] {
    return [n, 2 * this.maxSegments]; // (N, 2M): the count, M - 1 cuts, M order keys
  }
  protected run(x: Tensor, _lengths: Tensor | null, steps: Int32Array, draws: Tensor): Tensor {
    const [n, t] = x.shape as [number, number, number];
    const m = this.maxSegments;
    const u = draws.data() as Float32Array;
    const index = new Int32Array(n * t);
    for (let i = 0; i < n; i++) {
      const l = steps[i]!;
      const row = u.subarray(2 * m * i, 2 * m * (i + 1));
      const count = Math.min(1 + Math.floor(row[0]! * m), m);
      const cuts = [...new Set(Array.from(row.subarray(1, count), (c) => 1 + Math.floor(c * (l - 1))))].filter((c) => c < l).sort((a, b) => a - b);
      const bounds = [0, ...cuts, l];
      const order = Array.from({ length: bounds.length - 1 }, (_, j) => j).sort((a, b) => row[m + a]! - row[m + b]!);
      let s = 0;
      for (const j of order) for (let p = bounds[j]!; p < bounds[j + 1]!; p++) index[i * t + s++] = p;
      for (; s < t; s++) index[i * t + s] = s; // padding reads itself
    }
    return gatherSteps(x, index);
  }
}
