// Multi-view transforms: two views (SimCLR), asymmetric views (BYOL), multi-crop (SwAV).
import { scope, type Tensor } from '../tensor/index.js';
import { checkBatch, checkImages, checkRange, checkSize } from './check.js';
import { Compose } from './compose.js';
import { RandomResizedCrop } from './resized-crop.js';
import type { Augmentation, ViewTransform } from './types.js';

/**
 * Two views of each image or sequence (SimCLR, Chen et al. 2020: "two separate data augmentation
 * operators ... applied to each data example to obtain two correlated views"). With `second`,
 * the views come from different pipelines, as BYOL's asymmetric t and t' (Grill et al. 2020).
 * Sequences (N, T, C) come with their `lengths` (N), which both pipelines get.
 */
export class TwoViews implements ViewTransform {
  readonly first: Augmentation;
  readonly second: Augmentation;
  constructor(first: Augmentation, second?: Augmentation) {
    if (!first || typeof first.apply !== 'function') throw new TypeError('TwoViews: first must be an Augmentation');
    if (second !== undefined && typeof second.apply !== 'function') throw new TypeError('TwoViews: second must be an Augmentation');
    this.first = first;
    this.second = second ?? first;
  }
  get name(): string {
    return this.first === this.second ? `TwoViews(${this.first.name})` : `TwoViews(${this.first.name}; ${this.second.name})`;
  }
  views(x: Tensor, lengths: Tensor | null = null): Tensor[] {
    checkBatch('TwoViews', x);
    return [scope(() => this.first.apply(x, lengths)), scope(() => this.second.apply(x, lengths))];
  }
}

/** One group of crops of a multi-crop transform. */
export interface CropGroup {
  /** How many views of this group. */
  count: number;
  /** Output side (square) or [height, width]. */
  size: number | readonly [number, number];
  /** Area fraction range of the crop. */
  scale: readonly [number, number];
}

/**
 * Multi-crop (SwAV, Caron et al. 2020): "two standard resolution crops and ... V additional
 * low resolution crops that cover only small parts of the image". Each view is a
 * RandomResizedCrop of its group followed by `transform` (flip, colour, blur, ...). The default
 * groups are SwAV's: 2 x 224 at [0.14, 1] and 6 x 96 at [0.05, 0.14].
 */
export class MultiCrop implements ViewTransform {
  readonly groups: readonly CropGroup[];
  readonly transform: Augmentation | null;
  readonly #crops: RandomResizedCrop[];

  constructor(o: { groups?: readonly CropGroup[]; transform?: Augmentation | null } = {}) {
    const groups = o.groups ?? [{ count: 2, size: 224, scale: [0.14, 1] }, { count: 6, size: 96, scale: [0.05, 0.14] }];
    if (!Array.isArray(groups) || groups.length === 0) throw new TypeError('MultiCrop: groups must be a non-empty array');
    for (const [i, g] of groups.entries()) {
      if (!Number.isInteger(g.count) || g.count < 1) throw new RangeError(`MultiCrop: groups[${i}].count must be a positive integer, got ${String(g.count)}`);
      checkSize(`MultiCrop groups[${i}]`, g.size);
      checkRange(`MultiCrop groups[${i}]`, 'scale', g.scale, 0);
    }
    this.groups = groups;
    this.transform = o.transform ?? null;
    this.#crops = groups.map((g) => new RandomResizedCrop({ size: g.size, scale: g.scale }));
  }

  get name(): string {
    const g = this.groups.map((x) => `${x.count}x${checkSize('MultiCrop', x.size).join('x')}@[${x.scale.join(', ')}]`).join(' + ');
    return `MultiCrop(${g}${this.transform ? `, ${this.transform.name}` : ''})`;
  }

  views(x: Tensor): Tensor[] {
    checkImages('MultiCrop', x);
    const out: Tensor[] = [];
    this.groups.forEach((g, gi) => {
      const steps: Augmentation[] = this.transform ? [this.#crops[gi]!, this.transform] : [this.#crops[gi]!];
      const pipeline = new Compose(steps);
      for (let v = 0; v < g.count; v++) out.push(scope(() => pipeline.apply(x)));
    });
    return out;
  }
}
