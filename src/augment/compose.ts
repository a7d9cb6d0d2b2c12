// Compose and RandomApply: pipelines of batched augmentations with per-op probabilities.
import { scope, type Tensor } from '../tensor/index.js';
import { checkBatch, checkProbability } from './check.js';
import { applyToSamples, bernoulli, indicesOf } from './random.js';
import type { Augmentation } from './types.js';

/**
 * Applies `op` to each sample with probability p (torchvision's `RandomApply`), running it on
 * the selected samples only (with their lengths, for sequences). `op` must keep the shape.
 */
export class RandomApply implements Augmentation {
  readonly op: Augmentation;
  readonly p: number;
  constructor(op: Augmentation, p: number) {
    if (typeof op !== 'object' || op === null || typeof op.apply !== 'function') throw new TypeError('RandomApply: op must be an Augmentation');
    this.op = op;
    this.p = checkProbability('RandomApply', 'p', p);
  }
  get name(): string {
    return `RandomApply(${this.op.name}, p=${this.p})`;
  }
  apply(x: Tensor, lengths: Tensor | null = null): Tensor {
    checkBatch('RandomApply', x);
    const on = indicesOf(bernoulli(x.shape[0]!, this.p));
    const y = applyToSamples(x, on, (sub, _, subLengths) => this.op.apply(sub, subLengths), lengths);
    return y === x ? x.clone() : y;
  }
}

/** A step of a `Compose`: an op, or an op with a per-sample probability. */
export type ComposeStep = Augmentation | { op: Augmentation; p: number };

/**
 * Applies ops in order (torchvision's `Compose`) to images or to sequences, handing every op the
 * batch's `lengths`; a step `{ op, p }` is applied to each sample with probability p.
 * Intermediate batches are freed as soon as the next op has run.
 */
export class Compose implements Augmentation {
  readonly ops: readonly Augmentation[];
  constructor(steps: readonly ComposeStep[]) {
    if (!Array.isArray(steps)) throw new TypeError('Compose: steps must be an array of augmentations');
    this.ops = steps.map((s, i) => {
      if (s && typeof (s as Augmentation).apply === 'function') return s as Augmentation;
      if (s && typeof s === 'object' && 'op' in s) return new RandomApply(s.op, s.p);
      throw new TypeError(`Compose: step ${i} is neither an augmentation nor { op, p }`);
    });
  }
  get name(): string {
    return `Compose(${this.ops.map((o) => o.name).join(', ')})`;
  }
  apply(x: Tensor, lengths: Tensor | null = null): Tensor {
    checkBatch('Compose', x);
    let y = x;
    for (const op of this.ops) {
      const prev = y;
      y = scope(() => op.apply(prev, lengths));
      if (prev !== x) prev.dispose();
    }
    return y === x ? x.clone() : y;
  }
}
