// Rotation by a per-sample angle, with one affine_grid + grid_sample for the whole batch.
import { F, scope, tensor, type Tensor } from '../tensor/index.js';
import { checkImages, checkProbability, checkRange } from './check.js';
import { bernoulli, uniform } from './random.js';
import type { Augmentation } from './types.js';

/**
 * Rotates each sample counter-clockwise by `degrees[i]` about its centre, as torchvision's
 * `rotate(img, angle, interpolation, expand=False, center=None, fill=None)`: pixels from outside
 * the image are 0. `mode` 'bilinear' (default) or 'nearest'.
 */
export function rotate(x: Tensor, degrees: Float32Array | readonly number[], mode: 'bilinear' | 'nearest' = 'bilinear'): Tensor {
  checkImages('rotate', x);
  const [n, , h, w] = x.shape as [number, number, number, number];
  if (degrees.length !== n) throw new RangeError(`rotate: expected ${n} angles (one per image), got ${degrees.length}`);
  // Output pixel (X, Y), centred, samples the input at [[cos, -sin], [sin, cos]] (X, Y); in
  // grid_sample's normalised coordinates the off-diagonal terms scale by the aspect ratio.
  const theta = new Float32Array(n * 6); // (N, 2, 3)
  for (let i = 0; i < n; i++) {
    const a = (degrees[i]! * Math.PI) / 180;
    if (!Number.isFinite(a)) throw new RangeError(`rotate: angle ${i} is not finite`);
    const c = Math.cos(a), s = Math.sin(a);
    theta.set([c, (-s * h) / w, 0, (s * w) / h, c, 0], i * 6);
  }
  return scope(() => {
    const t = tensor(theta, { shape: [n, 2, 3], dtype: x.dtype, device: x.device });
    const grid = F.affineGrid(t, x.shape, false); // (N, H, W, 2)
    return F.gridSample(x, grid, { mode, paddingMode: 'zeros', alignCorners: false });
  });
}

/**
 * Rotates each sample by an angle uniform in `degrees` ([min, max], or a number d for [-d, d]),
 * with probability p (default 1), as torchvision's `RandomRotation` (fill 0; see `rotate`).
 */
export class RandomRotation implements Augmentation {
  readonly degrees: readonly [number, number];
  readonly p: number;
  readonly mode: 'bilinear' | 'nearest';

  constructor(o: { degrees: number | readonly [number, number]; p?: number; mode?: 'bilinear' | 'nearest' }) {
    if (typeof o !== 'object' || o === null) throw new TypeError('RandomRotation: options must be an object with degrees');
    const d = o.degrees;
    if (typeof d === 'number' && !(d >= 0)) throw new RangeError(`RandomRotation: degrees must be >= 0 when a single number, got ${d}`);
    this.degrees = typeof d === 'number' ? [-d, d] : checkRange('RandomRotation', 'degrees', d);
    this.p = checkProbability('RandomRotation', 'p', o.p ?? 1);
    this.mode = o.mode ?? 'bilinear';
    if (this.mode !== 'bilinear' && this.mode !== 'nearest') throw new TypeError(`RandomRotation: mode must be 'bilinear' or 'nearest', got '${String(o.mode)}'`);
  }

  get name(): string {
    return `RandomRotation(degrees=[${this.degrees.join(', ')}], p=${this.p})`;
  }

  apply(x: Tensor): Tensor {
    checkImages('RandomRotation', x);
    const n = x.shape[0]!;
    const angles = uniform(n, this.degrees[0], this.degrees[1]);
    const on = bernoulli(n, this.p);
    for (let i = 0; i < n; i++) if (!on[i]) angles[i] = 0;
    return rotate(x, angles, this.mode);
  }
}
