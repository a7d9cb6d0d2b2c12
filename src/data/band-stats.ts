// Per-band statistics of an image dataset, for normalising multi-band rasters.
import type { Dataset } from './dataset.js';
import { Rng } from './rng.js';
import { evenlySpaced } from './subset.js';

/** The least std returned: a constant band gets this, not 0, so that dividing by it is safe. */
export const BAND_STD_EPSILON = 1e-6;

/** Items per `ds.read` call. */
const BATCH = 64;

/** Per-band standardisation constants: x' = (x - mean[c]) / std[c]. */
export interface BandStats {
  mean: number[];
  std: number[];
}

export interface BandStatisticsOptions {
  /** Items read (all when the dataset has fewer); default 512. */
  sample?: number;
  /** Given: a seeded random choice of the items (`Rng(seed)`); absent: items spread evenly (`evenlySpaced`). */
  seed?: number;
}

/**
 * Per-band mean and (population) std over every pixel of a sample of the items of an image
 * dataset (sampleShape (C, H, W)), as the per-channel normalisation constants of
 * torchvision's `Normalize(mean, std)`. Items are read in batches through `ds.read` (an
 * unreadable item is left out); uint8 data is scaled by 1/255, as the loader does. Each batch's
 * band sums are taken in float64 (two passes) and merged into the running ones with Chan,
 * Golub & LeVeque's pairwise update (1979). The std is at least `BAND_STD_EPSILON`: a constant
 * band gives that epsilon, never 0.
 */
export async function bandStatistics(ds: Dataset, o: BandStatisticsOptions = {}): Promise<BandStats> {
  if (ds.sampleShape.length !== 3) throw new RangeError(`bandStatistics: the dataset's items must be images (C, H, W), got [${ds.sampleShape.join(', ')}]`);
  const sample = o.sample ?? 512;
  if (!Number.isInteger(sample) || sample < 1) throw new RangeError(`bandStatistics: sample must be a positive integer, got ${sample}`);
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new RangeError(`bandStatistics: seed must be an integer, got ${o.seed}`);
  const [c, h, w] = ds.sampleShape as [number, number, number];
  const hw = h * w;
  const indices = chooseItems(ds.length, sample, o.seed);
  const n = new Float64Array(c);
  const mean = new Float64Array(c);
  const m2 = new Float64Array(c); // sum of squared deviations from the mean
  for (let at = 0; at < indices.length; at += BATCH) {
    const batch = await ds.read(indices.subarray(at, at + BATCH));
    const scale = batch.data instanceof Uint8Array ? 1 / 255 : 1;
    const items = batch.indices.length;
    for (let b = 0; b < c; b++) {
      let sum = 0;
      for (let i = 0; i < items; i++) for (let p = (i * c + b) * hw, e = p + hw; p < e; p++) sum += batch.data[p]! * scale;
      const nb = items * hw;
      if (nb === 0) continue;
      const mb = sum / nb;
      let sq = 0;
      for (let i = 0; i < items; i++) for (let p = (i * c + b) * hw, e = p + hw; p < e; p++) sq += (batch.data[p]! * scale - mb) ** 2;
      const total = n[b]! + nb;
      const delta = mb - mean[b]!;
      mean[b] = mean[b]! + (delta * nb) / total;
      m2[b] = m2[b]! + sq + (delta * delta * n[b]! * nb) / total;
      n[b] = total;
    }
  }
  if (n[0] === 0) throw new RangeError(`bandStatistics: none of the ${indices.length} items sampled could be read`);
  return { mean: Array.from(mean), std: Array.from(m2, (v, b) => Math.max(Math.sqrt(v / n[b]!), BAND_STD_EPSILON)) };
}

/** `sample` distinct indices of [0, length), ascending: seeded (a shuffled prefix) or evenly spaced. */
function chooseItems(length: number, sample: number, seed: number | undefined): Int32Array {
  if (seed === undefined || sample >= length) return evenlySpaced(length, sample);
  const all = Int32Array.from({ length }, (_, i) => i);
  return new Rng(seed).shuffle(all).subarray(0, sample).sort();
}
