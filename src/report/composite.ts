// Multi-band images (remote sensing: Sentinel-2's 13 bands, standardised per band) as the report
// draws them: an RGB composite of three bands (or one band in gray), each band stretched from its
// 2nd to its 98th percentile over every image of the figure, plus each band's mean and std.
import { rgbBands } from '../data/bands.js';

/** Which bands make the red, green and blue of multi-band images: a configured triple, or 'auto' (see `rgbBands`). */
export type BandChoice = 'auto' | readonly [number, number, number];

/** Values of one band kept for its percentiles at most (evenly strided over the figure's pixels). */
export const STRETCH_SAMPLE = 1 << 20;

/** The per-band mean and std of a figure's images, in the values the loader hands on (uint8 scaled to [0, 1]). */
export interface BandSummary {
  /** Images they are taken over. */
  count: number;
  mean: number[];
  std: number[];
}

/** How one figure draws its multi-band images. */
export interface Composite {
  /** Bands of each image. */
  channels: number;
  /** Every band's name: the dataset's `bandNames`, else 'band i'. */
  names: string[];
  /** Bands drawn as red, green, blue; one band (drawn gray) for images of fewer than 3 bands. */
  bands: number[];
  /** Each drawn band's 2nd and 98th percentile over the figure's images: drawn as 0 and 255. */
  low: number[];
  high: number[];
  summary: BandSummary;
}

/** The `q` quantile (0..1) of sorted values, linearly interpolated (NumPy's default); NaN when empty. */
export function quantile(sorted: Float32Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Value `i` of `data` as the loader hands it on (uint8 / 255). */
function valueAt(data: Uint8Array | Float32Array, i: number): number {
  return data instanceof Uint8Array ? data[i]! / 255 : data[i]!;
}

/**
 * Gathers a figure's images (C, H, W), one at a time, for its Composite: every band's sum and
 * sum of squares, the range of all values, and an evenly strided sample of the drawn bands
 * (`bands`, from `rgbBands`) for their percentiles. Non-finite values (no-data) are skipped.
 */
export class BandAccumulator {
  readonly bands: number[];
  readonly #shape: readonly [number, number, number];
  readonly #stride: number;
  readonly #sum: Float64Array;
  readonly #sq: Float64Array;
  readonly #n: Float64Array;
  readonly #samples: number[][];
  #count = 0;
  /** Smallest and largest finite value seen, over every band. */
  min = Infinity;
  max = -Infinity;

  /**
   * For `items` images of `shape` (C, H, W) whose bands are named `names` (or null), drawn with
   * `configured` bands ('auto': Sentinel-2's B4/B3/B2 by name, else the first three; see `rgbBands`).
   */
  constructor(shape: readonly number[], items: number, names: readonly string[] | null, configured: BandChoice) {
    if (shape.length !== 3) throw new RangeError(`BandAccumulator: shape must be (C, H, W), got [${shape.join(', ')}]`);
    const [c, h, w] = shape as [number, number, number];
    this.#shape = [c, h, w];
    this.bands = rgbBands(c, names, configured) ?? [0];
    this.#stride = Math.max(1, Math.ceil((items * h * w) / STRETCH_SAMPLE));
    this.#sum = new Float64Array(c);
    this.#sq = new Float64Array(c);
    this.#n = new Float64Array(c);
    this.#samples = this.bands.map(() => []);
  }

  /** Adds the image at `offset` of `data` (channel-first). */
  add(data: Uint8Array | Float32Array, offset: number): void {
    const [c, h, w] = this.#shape;
    const hw = h * w;
    for (let b = 0; b < c; b++) {
      let s = 0, sq = 0, n = 0;
      const k = this.bands.indexOf(b);
      const base = offset + b * hw;
      for (let p = 0; p < hw; p++) {
        const v = valueAt(data, base + p);
        if (!Number.isFinite(v)) continue;
        s += v; sq += v * v; n++;
        if (v < this.min) this.min = v;
        if (v > this.max) this.max = v;
        if (k >= 0 && (this.#count * hw + p) % this.#stride === 0) this.#samples[k]!.push(v);
      }
      this.#sum[b]! += s; this.#sq[b]! += sq; this.#n[b]! += n;
    }
    this.#count++;
  }

  /** The composite of the images added, its bands named `names` (or 'band i'). */
  composite(names: readonly string[] | null): Composite {
    const c = this.#shape[0];
    const mean = Array.from(this.#sum, (s, b) => (this.#n[b]! ? s / this.#n[b]! : 0));
    const std = Array.from(this.#sq, (q, b) => (this.#n[b]! ? Math.sqrt(Math.max(0, q / this.#n[b]! - mean[b]! ** 2)) : 0));
    const sorted = this.#samples.map((v) => Float32Array.from(v).sort());
    return {
      channels: c,
      names: names && names.length === c ? [...names] : Array.from({ length: c }, (_, b) => `band ${b}`),
      bands: [...this.bands],
      low: sorted.map((v) => quantile(v, 0.02)),
      high: sorted.map((v) => quantile(v, 0.98)),
      summary: { count: this.#count, mean, std },
    };
  }
}

/**
 * The drawn bands of the image at `offset` of `data` (shape (C, H, W), channel-first), each
 * stretched linearly from its `low` (0) to its `high` (1) and clamped: (k, H, W) in [0, 1], k 3
 * (RGB) or 1 (gray). A band whose low equals its high, and a non-finite value, are drawn mid-gray.
 */
export function stretchImage(data: Uint8Array | Float32Array, offset: number, shape: readonly number[], c: Composite): Float32Array {
  const [, h, w] = shape as [number, number, number];
  const hw = h * w;
  const out = new Float32Array(c.bands.length * hw);
  c.bands.forEach((b, k) => {
    const lo = c.low[k]!;
    const span = c.high[k]! - lo;
    for (let p = 0; p < hw; p++) {
      const v = valueAt(data, offset + b * hw + p);
      const t = span > 0 && Number.isFinite(v) ? (v - lo) / span : 0.5;
      out[k * hw + p] = t <= 0 ? 0 : t >= 1 ? 1 : t;
    }
  });
  return out;
}

/** What a figure says of its composite: which bands make it, and the stretch, e.g. "RGB composite: B4, B3, B2 (bands 3, 2, 1 of 13)". */
export function compositeKey(c: Composite): string {
  const named = c.names.some((n, b) => n !== `band ${b}`);
  const list = c.bands.join(', ');
  const which = c.bands.length === 3
    ? `RGB composite: ${named ? `${c.bands.map((b) => c.names[b]).join(', ')} (bands ${list} of ${c.channels})` : `bands ${list} of ${c.channels}`}`
    : `Gray: ${named ? `${c.names[c.bands[0]!]} (band ${list} of ${c.channels})` : `band ${list} of ${c.channels}`}`;
  return `${which}; each band stretched from its 2nd percentile (black) to its 98th (full) over the ${c.summary.count} images of this figure, one stretch for all of them.`;
}
