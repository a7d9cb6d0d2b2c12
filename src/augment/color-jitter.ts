// ColorJitter (torchvision): brightness, contrast, saturation and hue factors drawn per sample,
// applied in a random order per sample, the whole jitter with probability p (SimCLR: p 0.8);
// on C-band images too (saturation and hue on a declared RGB triple, per-band factors, no clamp).
import { scope, tensor, type Tensor } from '../tensor/index.js';
import { checkRgb, onRgb_, resolveRgb, type Rgb } from './bands.js';
import { checkBoolean, checkImages, checkProbability, checkRange } from './check.js';
import { brightness_, contrast_, hue_, saturation_, type BlendOptions } from './color.js';
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
  /**
   * The band indices of red, green and blue on C-band images (e.g. [3, 2, 1] for Sentinel-2's
   * B4, B3, B2); default [0, 1, 2] when C is 3, none otherwise. Saturation and hue change only
   * these three bands; asking for them on C other than 1 or 3 without `rgb` is an Error at apply time.
   */
  rgb?: Rgb;
  /**
   * Draw brightness and contrast factors per sample and band, and blend each band with its own
   * mean in contrast (instead of the grayscale mean): spectral rather than colour jitter, for
   * multispectral images; default false (one factor per sample; contrast blends every band with
   * one per-image mean: the grayscale mean on 3 channels, the mean of all bands otherwise).
   */
  perBand?: boolean;
  /** Clamp to [0, 1] after each op, as torchvision (default true); false for standardised data. */
  clamp?: boolean;
}

type Op = (x: Tensor, f: Float32Array, o: BlendOptions) => Tensor;
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
 * For multispectral images (C bands, standardised), `perBand` and `clamp: false` make it the
 * brightness / contrast jitter of remote-sensing SSL on all bands (SSL4EO-S12, Wang et al. 2022:
 * brightness and contrast 0.4 at p 0.8, contrast about each band's mean; SeCo, Mañas et al.
 * 2021), with factors drawn per band; `rgb` keeps saturation and hue on the visible bands.
 */
export class ColorJitter implements Augmentation {
  /** [min, max] factor per op, null when the op is off. */
  readonly ranges: readonly (readonly [number, number] | null)[];
  readonly p: number;
  readonly rgb: Rgb | undefined;
  readonly perBand: boolean;
  readonly clamp: boolean;

  constructor(o: ColorJitterOptions = {}) {
    if (typeof o !== 'object' || o === null) throw new TypeError('ColorJitter: options must be an object');
    this.ranges = [factorRange('brightness', o.brightness), factorRange('contrast', o.contrast), factorRange('saturation', o.saturation), factorRange('hue', o.hue)];
    this.p = checkProbability('ColorJitter', 'p', o.p ?? 1);
    this.rgb = checkRgb('ColorJitter', o.rgb);
    this.perBand = checkBoolean('ColorJitter', 'perBand', o.perBand, false);
    this.clamp = checkBoolean('ColorJitter', 'clamp', o.clamp, true);
  }

  get name(): string {
    const parts = NAMES.map((n, i) => `${n}=${this.ranges[i] ? `[${this.ranges[i]!.map((v) => +v.toFixed(4)).join(', ')}]` : 'off'}`);
    if (this.rgb) parts.push(`rgb=[${this.rgb.join(', ')}]`);
    if (this.perBand) parts.push('perBand');
    if (!this.clamp) parts.push('clamp=false');
    return `ColorJitter(${parts.join(', ')}, p=${this.p})`;
  }

  /** How many factors op `op` takes per sample on `channels` bands: C for brightness and contrast with `perBand`, else 1. */
  #width(op: number, channels: number): number {
    return this.perBand && op < 2 ? channels : 1;
  }

  /**
   * Draws the parameters for `n` samples of `channels` bands (default 1; it matters only with
   * `perBand`): `order` (n, 4) op indices (0 brightness, 1 contrast, 2 saturation, 3 hue),
   * `factors` (4 arrays of n; with `perBand`, brightness and contrast row-major (n, C)), and
   * `on` (which samples are jittered).
   */
  sampleParams(n: number, channels = 1): { order: Uint8Array; factors: Float32Array[]; on: Uint8Array } {
    const on = bernoulli(n, this.p);
    const order = permutations(n, 4);
    const factors = this.ranges.map((r, op) => uniform(n * this.#width(op, channels), r ? r[0] : 0, r ? r[1] : 0));
    return { order, factors, on };
  }

  /** Applies given parameters (see `sampleParams`): for each sample, its ops in its order. */
  applyParams(x: Tensor, params: { order: Uint8Array; factors: Float32Array[]; on: Uint8Array }): Tensor {
    checkImages('ColorJitter', x);
    const [n, c] = x.shape as [number, number];
    const widths = [0, 1, 2, 3].map((op) => this.#width(op, c));
    if (!params || params.order?.length !== 4 * n || params.on?.length !== n || params.factors?.length !== 4 || params.factors.some((f, op) => f.length !== n * widths[op]!)) {
      throw new RangeError(`ColorJitter.applyParams: params must hold order (${n} x 4), on (${n}) and 4 factor arrays of ${widths.map((w) => n * w).join(', ')}, for a batch of ${n} x ${c} bands`);
    }
    const wanted = NAMES.filter((_, op) => op >= 2 && this.ranges[op]);
    const rgb = resolveRgb('ColorJitter', wanted.join(' and '), x, this.rgb, `leave ${wanted.join(' and ')} out`);
    const blend: BlendOptions = { clamp: this.clamp, perBand: this.perBand };
    // Saturation and hue on the RGB triple (written back; no-ops on one channel), the rest on every band.
    const run = (op: number, t: Tensor, f: Float32Array): Tensor => (op < 2 || rgb === null ? OPS[op]!(t, f, blend) : onRgb_(t, rgb, (u) => OPS[op]!(u, f, blend)));
    // Samples grouped by their sequence of ops (at most 24 orders; samples left as they are
    // join no group): the batch is gathered once in group order, each group's ops run in place on
    // its contiguous rows (narrow views, no copy), and the rows go back once. Each op then runs
    // once per sample, with no gather and scatter per op.
    const groups = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      if (!params.on[i]) continue;
      const key = Array.from(params.order.subarray(i * 4, i * 4 + 4)).filter((op) => this.ranges[op]).join('');
      if (key === '') continue;
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    }
    if (groups.size === 0) return x.clone();
    return scope(() => {
      const members = [...groups.values()].flat();
      const index = tensor(BigInt64Array.from(members, (i) => BigInt(i)), { device: x.device }); // (k,)
      const work = x.indexSelect(0, index); // (k, C, H, W), groups in turn
      let start = 0;
      for (const [key, idx] of groups) {
        const rows = work.narrow(0, start, idx.length); // this group's samples, in place
        for (const op of key) run(Number(op), rows, pick(params.factors[Number(op)]!, idx, widths[Number(op)]));
        start += idx.length;
      }
      return members.length === n && members.every((m, j) => m === j) ? work : x.clone().indexCopy_(0, index, work);
    });
  }

  apply(x: Tensor): Tensor {
    checkImages('ColorJitter', x);
    return this.applyParams(x, this.sampleParams(x.shape[0]!, x.shape[1]!));
  }
}
