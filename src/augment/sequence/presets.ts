// Two-view presets for sequences: TS-TCC's weak and strong views, and a SimCLR-style default.
import { Compose } from '../compose.js';
import type { PresetOptions } from '../types.js';
import { TwoViews } from '../views.js';
import { RandomJitter, Scaling } from './magnitude.js';
import { TimestampMask } from './masking.js';
import { SegmentPermutation, TimeWarp, WindowSlice } from './time.js';

/** Rejects the options a sequence preset does not take (the image options; `cropScale` without a crop). */
function checkOptions(name: string, o: PresetOptions, crop: boolean): void {
  if (typeof o !== 'object' || o === null) throw new TypeError(`${name}: options must be an object, got ${String(o)}`);
  for (const k of ['size', 'normalize', 'colorStrength', 'rgb'] as const) {
    if (o[k] !== undefined) throw new TypeError(`${name}: ${k} is an image option (sequence presets keep each sequence's length and units), got ${JSON.stringify(o[k])}`);
  }
  if (!crop && o.cropScale !== undefined) throw new TypeError(`${name}: cropScale does not apply (the preset has no crop), got ${JSON.stringify(o.cropScale)}`);
}

/**
 * TS-TCC's weak view for both views (Eldele et al. 2021, "Time-Series Representation Learning
 * via Temporal and Contextual Contrasting", section 4.1: "a jitter-and-scale strategy ... we add
 * random variations to the signal and scale up its magnitude"), with TS-TCC's defaults: jitter
 * sigma 0.8, then scaling by factors ~ N(2, 1.1^2) per channel (their code's `jitter_ratio` and
 * `jitter_scale_ratio`; its weak view applies the scaling alone). For standardised data.
 */
export function tsWeak(o: PresetOptions = {}): TwoViews {
  checkOptions('ts-weak', o, false);
  return new TwoViews(new Compose([new RandomJitter({ sigma: 0.8 }), new Scaling({ mean: 2, sigma: 1.1 })]));
}

/**
 * TS-TCC's strong view for both views (Eldele et al. 2021, section 4.1: "permutation-and-jitter
 * ... splitting the signal into a random number of segments with a maximum of M and randomly
 * shuffling them. Next, a random jittering is added"), with TS-TCC's defaults: up to M = 5
 * segments, jitter sigma 0.8. For standardised data.
 */
export function tsStrong(o: PresetOptions = {}): TwoViews {
  checkOptions('ts-strong', o, false);
  return new TwoViews(new Compose([new SegmentPermutation({ maxSegments: 5 }), new RandomJitter({ sigma: 0.8 })]));
}

/**
 * The default for sequences: SimCLR's recipe (Chen et al. 2020: a random crop composed with
 * appearance distortions, the same pipeline for both views) in sequence form. No paper fixes one;
 * this is our choice, strong but label-preserving, every op a batched pass:
 * - a window slice of 50-100% of each sequence (`cropScale`), resampled to its length: SimCLR's
 *   random resized crop, its most important augmentation, along time;
 * - time warp (sigma 0.2, 4 knots; Um et al. 2017's) for half the sequences: local speed changes;
 * - scaling per channel (factor ~ N(1, 0.2^2)) for 80%: the colour-jitter analogue, as SimCLR's
 *   jitter p 0.8;
 * - jitter sigma 0.05 (Um et al.'s): sensor noise;
 * - timestamp masking p 0.1 (TS2Vec's masking, lighter since it hits the input, not latents).
 * Left out as not label-preserving in general: segment permutation (it reorders events, which
 * the label can depend on) and channel dropout (a univariate series would vanish). Magnitudes
 * are in the data's units: for data scaled to about [0, 1] or standardised.
 */
export function tsSimclr(o: PresetOptions = {}): TwoViews {
  checkOptions('ts-simclr', o, true);
  return new TwoViews(new Compose([
    new WindowSlice({ scale: o.cropScale ?? [0.5, 1] }),
    { op: new TimeWarp({ sigma: 0.2, knots: 4 }), p: 0.5 },
    { op: new Scaling({ mean: 1, sigma: 0.2 }), p: 0.8 },
    new RandomJitter({ sigma: 0.05 }),
    new TimestampMask({ p: 0.1 }),
  ]));
}
