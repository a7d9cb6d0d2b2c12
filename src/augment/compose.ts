// Compose and RandomApply: pipelines of batched augmentations with per-op probabilities.
import { empty, scope, type Tensor } from '../tensor/index.js';
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
 * Bytes of a CPU image batch a `Compose` runs its ops over at a time: 32 MiB, glibc's largest
 * threshold for serving an allocation from its heap rather than a fresh mmap. A pipeline makes
 * dozens of intermediate tensors and passes; in chunks of at most 32 MiB they come from memory
 * the heap reuses chunk after chunk (no page faults) and stay nearer the cache. Measured on the
 * simclr preset's view of 256 images, in one process (the note of issue 15): 224x224 took
 * 1.33 s as one batch and 0.85 s in chunks; 4 MiB chunks were slower at 96x96 (the per-chunk
 * work of small groups), 64 MiB ones at 224x224.
 */
export const COMPOSE_CHUNK_BYTES = 32 << 20;

/**
 * Applies ops in order (torchvision's `Compose`) to images or to sequences, handing every op the
 * batch's `lengths`; a step `{ op, p }` is applied to each sample with probability p.
 * Intermediate batches are freed as soon as the next op has run. A CPU image batch larger than
 * `chunkBytes` (default `COMPOSE_CHUNK_BYTES`) goes through the whole pipeline a chunk of rows
 * at a time (each sample still gets its own random parameters, drawn chunk by chunk from the
 * same seeded generator).
 */
export class Compose implements Augmentation {
  readonly ops: readonly Augmentation[];
  /** Bytes of a CPU image batch run through the ops at a time (`COMPOSE_CHUNK_BYTES`). */
  readonly chunkBytes: number;
  constructor(steps: readonly ComposeStep[], o: { chunkBytes?: number } = {}) {
    if (!Array.isArray(steps)) throw new TypeError('Compose: steps must be an array of augmentations');
    this.chunkBytes = o.chunkBytes ?? COMPOSE_CHUNK_BYTES;
    if (!Number.isInteger(this.chunkBytes) || this.chunkBytes < 1) throw new RangeError(`Compose: chunkBytes must be a positive integer, got ${String(o.chunkBytes)}`);
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
    const n = x.shape[0]!;
    const rows = x.ndim === 4 && x.device === 'cpu' ? Math.max(1, Math.floor(this.chunkBytes / ((x.numel() / n) * 4))) : n; // float32 rows
    if (rows >= n) return this.#run(x, lengths);
    let out: Tensor | null = null; // (N, C, H', W'), once the first chunk shows the output's shape
    for (let at = 0; at < n; at += rows) {
      const k = Math.min(rows, n - at);
      const y = scope(() => this.#run(x.narrow(0, at, k), null)); // (k, C, H', W')
      out ??= empty([n, ...y.shape.slice(1)], { dtype: y.dtype });
      scope(() => void out!.narrow(0, at, k).copy_(y));
      y.dispose();
    }
    return out!;
  }
  #run(x: Tensor, lengths: Tensor | null): Tensor {
    let y = x;
    for (const op of this.ops) {
      const prev = y;
      y = scope(() => op.apply(prev, lengths));
      if (prev !== x) prev.dispose();
    }
    return y === x ? x.clone() : y;
  }
}
