// ColorJitter (torchvision): brightness, contrast, saturation and hue factors drawn per sample,
// applied in a random order per sample, the whole jitter with probability p (SimCLR: p 0.8).
import { scope, tensor, type Tensor } from '../tensor/index.js';
import { checkImages, checkProbability, checkRange } from './check.js';
import { brightness_, contrast_, hue_, saturation_ } from './color.js';
import { bernoulli, permutations, pick, uniform } from './random.js';
import type { Augmentation } from './types.js';

/** A jitter strength: j means [max(0, 1 - j), 1 + j] (hue: [-j, j]), or an explicit [min, max]. */
export type Jitter = number | readonly [number, number];

export interface ColorJitterOptions {
  brightness?: Jitter;
  contrast?: Jitter;
  saturation?: Jitter;
  /** At most 0.5 (half the colour circle). */
  hue?: Jitter;
  /** Probability that a sample is jittered at all (torchvision's RandomApply); default 1. */
  p?: number;
}

type Op = (x: Tensor, f: Float32Array) => Tensor;
// In place on the working copy (see color.ts): a fresh batch per op would cost more than the op.
const OPS: readonly Op[] = [brightness_, contrast_, saturation_, hue_];
const NAMES = ['brightness', 'contrast', 'saturation', 'hue'] as const;

function factorRange(name: (typeof NAMES)[number], j: Jitter | undefined): readonly [number, number] | null {
  if (j === undefined) return null;
  if (typeof j === 'number') {
    if (!(j >= 0)) throw new RangeError(`ColorJitter: ${name} must be >= 0, got ${j}`);
    if (j === 0) return null;
    if (name === 'hue') {
      if (j > 0.5) throw new RangeError(`ColorJitter: hue must be in [0, 0.5], got ${j}`);
      return [-j, j];
    }
    return [Math.max(0, 1 - j), 1 + j];
  }
  const r = checkRange('ColorJitter', name, j, name === 'hue' ? -0.5 : 0);
  if (name === 'hue' && r[1] > 0.5) throw new RangeError(`ColorJitter: hue must lie in [-0.5, 0.5], got [${r.join(', ')}]`);
  const identity = name === 'hue' ? 0 : 1;
  return r[0] === identity && r[1] === identity ? null : r;
}

/**
 * Randomly changes brightness, contrast, saturation and hue, as torchvision's `ColorJitter`
 * (`get_params`: a random order of the four ops and a uniform factor for each), but with the
 * order and factors drawn per sample. The ops are torchvision's `adjust_*` (see color.ts).
 */
export class ColorJitter implements Augmentation {
  /** [min, max] factor per op, null when the op is off. */
  readonly ranges: readonly (readonly [number, number] | null)[];
  readonly p: number;

  constructor(o: ColorJitterOptions = {}) {
    if (typeof o !== 'object' || o === null) throw new TypeError('ColorJitter: options must be an object');
    this.ranges = [factorRange('brightness', o.brightness), factorRange('contrast', o.contrast), factorRange('saturation', o.saturation), factorRange('hue', o.hue)];
    this.p = checkProbability('ColorJitter', 'p', o.p ?? 1);
  }

  get name(): string {
    const parts = NAMES.map((n, i) => `${n}=${this.ranges[i] ? `[${this.ranges[i]!.map((v) => +v.toFixed(4)).join(', ')}]` : 'off'}`);
    return `ColorJitter(${parts.join(', ')}, p=${this.p})`;
  }

  /**
   * Draws the parameters for `n` samples: `order` (n, 4) op indices (0 brightness, 1 contrast,
   * 2 saturation, 3 hue), `factors` (4 arrays of n), and `on` (which samples are jittered).
   */
  sampleParams(n: number): { order: Uint8Array; factors: Float32Array[]; on: Uint8Array } {
    const on = bernoulli(n, this.p);
    const order = permutations(n, 4);
    const factors = this.ranges.map((r) => uniform(n, r ? r[0] : 0, r ? r[1] : 0));
    return { order, factors, on };
  }

  /** Applies given parameters (see `sampleParams`): for each sample, its ops in its order. */
  applyParams(x: Tensor, params: { order: Uint8Array; factors: Float32Array[]; on: Uint8Array }): Tensor {
    checkImages('ColorJitter', x, [1, 3]);
    const n = x.shape[0]!;
    if (!params || params.order?.length !== 4 * n || params.on?.length !== n || params.factors?.length !== 4 || params.factors.some((f) => f.length !== n)) {
      throw new RangeError(`ColorJitter.applyParams: params must hold order (${n} x 4), on (${n}) and 4 factor arrays of ${n}, for a batch of ${n}`);
    }
    return scope(() => {
      const out = x.clone(); // written in place, sample subsets at a time
      for (let position = 0; position < 4; position++) {
        for (let op = 0; op < 4; op++) {
          if (!this.ranges[op]) continue;
          const idx: number[] = [];
          for (let i = 0; i < n; i++) if (params.on[i] && params.order[i * 4 + position] === op) idx.push(i);
          if (idx.length === 0) continue;
          scope(() => {
            if (idx.length === n) {
              OPS[op]!(out, params.factors[op]!);
              return;
            }
            const index = tensor(BigInt64Array.from(idx, (i) => BigInt(i)), { device: x.device }); // (k,)
            const sub = OPS[op]!(out.indexSelect(0, index), pick(params.factors[op]!, idx)); // (k, C, H, W)
            out.indexCopy_(0, index, sub);
          });
        }
      }
      return out;
    });
  }

  apply(x: Tensor): Tensor {
    checkImages('ColorJitter', x, [1, 3]);
    return this.applyParams(x, this.sampleParams(x.shape[0]!));
  }
}
