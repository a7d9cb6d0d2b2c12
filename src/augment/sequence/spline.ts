// Smooth random curves: the cubic spline through a few random knots (Um et al. 2017).
import { checkCount, checkPositive, SequenceAugmentation } from './base.js';

/**
 * The not-a-knot cubic spline (SciPy's `CubicSpline` default, which Um et al. 2017 draw their
 * random curves with) through n = knots + 2 values y_0..y_{n-1} at the evenly spaced points
 * j / (n - 1) of [0, 1], as linear weights: the curve at u is sum_j w_j(u) y_j. With one knot
 * (n = 3) it is the parabola through the three points, as SciPy's.
 */
export class SplineBasis {
  readonly points: number;
  /** The spline's second derivatives at the points from the values: M = G y, row-major (n, n). */
  readonly #g: Float64Array;
  readonly #rows = new Map<number, Float32Array>();

  constructor(knots: number) {
    if (!Number.isInteger(knots) || knots < 1) throw new RangeError(`SplineBasis: knots must be a positive integer, got ${knots}`);
    const n = knots + 2;
    const h = 1 / (n - 1);
    this.points = n;
    // A M = R y: interior rows M_{i-1} + 4 M_i + M_{i+1} = 6 / h^2 (y_{i-1} - 2 y_i + y_{i+1}) (uniform
    // spacing); the end rows say the third derivative is continuous across the first and last
    // interior points (not-a-knot), or for n = 3 that M is constant (a parabola).
    const a = new Float64Array(n * n);
    const r = new Float64Array(n * n);
    for (let i = 1; i < n - 1; i++) {
      a.set([1, 4, 1], i * n + i - 1);
      r.set([6 / h ** 2, -12 / h ** 2, 6 / h ** 2], i * n + i - 1);
    }
    if (n === 3) {
      a.set([1, -1], 0);
      a.set([1, -1], 2 * n + 1);
    } else {
      a.set([1, -2, 1], 0);
      a.set([1, -2, 1], (n - 1) * n + n - 3);
    }
    this.#g = solve(a, r, n);
  }

  /**
   * The weights at `length` evenly spaced points of [0, 1] (u_t = t / (length - 1), or 0 for
   * length 1), row-major (length, n); computed once per length.
   */
  weights(length: number): Float32Array {
    const cached = this.#rows.get(length);
    if (cached) return cached;
    const n = this.points;
    const h = 1 / (n - 1);
    const g = this.#g;
    const out = new Float32Array(length * n);
    for (let t = 0; t < length; t++) {
      const u = length > 1 ? t / (length - 1) : 0;
      const i = Math.min(Math.floor(u / h), n - 2); // the interval [x_i, x_{i+1}] holding u
      const b = u / h - i;
      const a = 1 - b;
      const ca = ((a ** 3 - a) * h ** 2) / 6;
      const cb = ((b ** 3 - b) * h ** 2) / 6;
      for (let j = 0; j < n; j++) out[t * n + j] = ca * g[i * n + j]! + cb * g[(i + 1) * n + j]!;
      out[t * n + i]! += a;
      out[t * n + i + 1]! += b;
    }
    this.#rows.set(length, out);
    return out;
  }
}

/** A^-1 R for a small n x n system (Gauss-Jordan elimination with partial pivoting). */
function solve(a: Float64Array, r: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(r);
  const swap = (arr: Float64Array, i: number, j: number): void => {
    for (let k = 0; k < n; k++) [arr[i * n + k], arr[j * n + k]] = [arr[j * n + k]!, arr[i * n + k]!];
  };
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(m[i * n + col]!) > Math.abs(m[pivot * n + col]!)) pivot = i;
    swap(m, col, pivot);
    swap(x, col, pivot);
    for (let i = 0; i < n; i++) {
      if (i === col) continue;
      const f = m[i * n + col]! / m[col * n + col]!;
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        m[i * n + k]! -= f * m[col * n + k]!;
        x[i * n + k]! -= f * x[col * n + k]!;
      }
    }
  }
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) x[i * n + k]! /= m[i * n + i]!;
  return x;
}

/**
 * The shared part of magnitude warp and time warp: random smooth curves as Um et al. 2017's
 * `GenerateRandomCurves`, the spline through knots + 2 values 1 + sigma z, z ~ N(0, 1) (the
 * draws), spread evenly over each sequence's valid steps; defaults sigma 0.2 and 4 knots, theirs.
 */
export abstract class RandomCurves extends SequenceAugmentation {
  readonly sigma: number;
  readonly knots: number;
  readonly perStep = false;
  protected readonly normal = true;
  protected readonly basis: SplineBasis;
  constructor(o: { sigma?: number; knots?: number } = {}) {
    super();
    this.sigma = checkPositive(this.constructor.name, 'sigma', o.sigma ?? 0.2, true);
    this.knots = checkCount(this.constructor.name, 'knots', o.knots ?? 4);
    this.basis = new SplineBasis(this.knots);
  }
  get name(): string {
    return `${this.constructor.name}(sigma=${this.sigma}, knots=${this.knots})`;
  }
}
