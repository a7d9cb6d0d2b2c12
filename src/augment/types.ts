// The two shapes a batched augmentation takes.
import type { Tensor } from '../tensor/index.js';

/**
 * A batched augmentation: maps float images (N, C, H, W) in [0, 1], on any device, to
 * augmented images (N, C, H', W') on the same device, drawing per-sample random parameters from
 * the engine's seeded generator (so `manualSeed(s)` makes it repeat exactly). The result is a
 * new tensor owned by the caller's scope; intermediates are freed before `apply` returns.
 */
export interface Augmentation {
  /** A short description, e.g. `ColorJitter(brightness=0.4, ...)`. */
  readonly name: string;
  apply(x: Tensor): Tensor;
}

/**
 * Several augmented views of one batch: two views (SimCLR), asymmetric views (BYOL) or
 * multi-crop (SwAV). Each view is a new tensor owned by the caller's scope.
 */
export interface ViewTransform {
  readonly name: string;
  views(x: Tensor): Tensor[];
}

/** Whether `t` produces several views (else it is a single `Augmentation`). */
export function isViewTransform(t: Augmentation | ViewTransform): t is ViewTransform {
  return typeof (t as ViewTransform).views === 'function';
}
