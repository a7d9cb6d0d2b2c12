// The two shapes a batched augmentation takes.
import type { Tensor } from '../tensor/index.js';

/**
 * A batched augmentation, on any device, drawing per-sample random parameters from the engine's
 * seeded generator (so `manualSeed(s)` makes it repeat exactly). It takes float images
 * (N, C, H, W) in [0, 1] to (N, C, H', W'), or float sequences (N, T, C), zero-padded after
 * each sequence's end, with their `lengths` (N) int64 (null: every sequence has all T steps) to
 * (N, T, C) with the same lengths and padding. Image augmentations ignore `lengths`. The result
 * is a new tensor owned by the caller's scope; intermediates are freed before `apply` returns.
 */
export interface Augmentation {
  /** A short description with every parameter, e.g. `ColorJitter(brightness=0.4, ...)`. */
  readonly name: string;
  apply(x: Tensor, lengths?: Tensor | null): Tensor;
}

/**
 * Several augmented views of one batch: two views (SimCLR), asymmetric views (BYOL) or
 * multi-crop (SwAV), of images or (with `lengths`) of sequences. Each view is a new tensor owned
 * by the caller's scope; sequence views keep the batch's lengths.
 */
export interface ViewTransform {
  readonly name: string;
  views(x: Tensor, lengths?: Tensor | null): Tensor[];
}

/** Whether `t` produces several views (else it is a single `Augmentation`). */
export function isViewTransform(t: Augmentation | ViewTransform): t is ViewTransform {
  return typeof (t as ViewTransform).views === 'function';
}

/**
 * Options of the two-view presets (`preset(name, options)`). The image presets take all of them;
 * the sequence presets (ts-weak, ts-strong, ts-simclr) keep each sequence's length and units, so
 * `size`, `normalize`, `colorStrength` and `rgb` are errors there, and `cropScale` applies to ts-simclr.
 */
export interface PresetOptions {
  /** Output side (square) or [height, width]. */
  size?: number | readonly [number, number];
  /** Appended per-channel standardisation, if given. */
  normalize?: { mean: readonly number[]; std: readonly number[] };
  /**
   * The crop's area range as fractions of the image (replaces the preset's, e.g. [0.08, 1]); for
   * sequences (ts-simclr) the window's length range as fractions of each sequence's length.
   */
  cropScale?: readonly [number, number];
  /**
   * SimCLR's colour-distortion strength s (appendix A): jitter brightness, contrast and saturation
   * 0.8 s, hue 0.2 s. Replaces the preset's (simclr and mnist28 1, cifar32 0.5; BYOL's own values
   * scale with s / 0.5). 0 turns jitter off.
   */
  colorStrength?: number;
  /**
   * The band indices of red, green and blue for C-band images (e.g. [3, 2, 1] for Sentinel-2's
   * B4, B3, B2): the presets' saturation, hue and grayscale act on these bands only. Needed for
   * simclr, byol and cifar32 on C other than 1 or 3 (else an Error at apply time); multispectral
   * adds grayscale p 0.2 on them when given.
   */
  rgb?: readonly [number, number, number];
}
