// Batch samplers: which dataset indices form each batch of an epoch, reproducibly from a seed.
import { Rng } from './rng.js';

/** Yields the batches (arrays of dataset indices) of an epoch; the same (seed, epoch) gives the same batches. */
export interface BatchSampler {
  /** Batches per epoch. */
  readonly length: number;
  batches(epoch: number): Int32Array[];
}

export interface RandomBatchesOptions {
  /** Dataset length. */
  n: number;
  batchSize: number;
  /** Shuffle every epoch (default true); false keeps the dataset order. */
  shuffle?: boolean;
  /** Seed of the order; epoch e uses the stream (seed, e). Default 0. */
  seed?: number;
  /** Drop the last, smaller batch (default false). */
  dropLast?: boolean;
}

function checkPositiveInt(op: string, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`${op}: ${name} must be a positive integer, got ${String(v)}`);
  return v as number;
}

/** Shuffled (or sequential) batches, as a PyTorch DataLoader with `shuffle` and `drop_last`. */
export class RandomBatches implements BatchSampler {
  readonly n: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;

  constructor(o: RandomBatchesOptions) {
    if (!Number.isInteger(o.n) || o.n < 0) throw new RangeError(`RandomBatches: n must be a non-negative integer, got ${String(o.n)}`);
    this.n = o.n;
    this.batchSize = checkPositiveInt('RandomBatches', 'batchSize', o.batchSize);
    this.shuffle = o.shuffle ?? true;
    this.seed = o.seed ?? 0;
    if (!Number.isInteger(this.seed)) throw new TypeError(`RandomBatches: seed must be an integer, got ${String(o.seed)}`);
    this.dropLast = o.dropLast ?? false;
  }

  get length(): number {
    return this.dropLast ? Math.floor(this.n / this.batchSize) : Math.ceil(this.n / this.batchSize);
  }

  batches(epoch: number): Int32Array[] {
    const order = Int32Array.from({ length: this.n }, (_, i) => i);
    if (this.shuffle) new Rng(this.seed, epoch).shuffle(order);
    const out: Int32Array[] = [];
    for (let b = 0; b < this.length; b++) out.push(order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, this.n)));
    return out;
  }
}

export interface MPerClassOptions {
  /** The class of every dataset item. */
  labels: Int32Array | readonly number[];
  /** Items per class in each batch. */
  m: number;
  /** A multiple of m; batchSize / m classes per batch. */
  batchSize: number;
  /** Batches per epoch; default floor(dataset length / batchSize). */
  batchesPerEpoch?: number;
  seed?: number;
}

/**
 * M items from each of batchSize / M classes per batch (pytorch-metric-learning's
 * `MPerClassSampler`), for losses that need positives in the batch (SupCon, triplet, N-pair).
 * Classes are visited in shuffled rounds, so every class appears about equally often; within a
 * class, items come from a shuffled queue (M distinct items per batch, a new shuffled pass when
 * fewer than M are left), or with replacement when the class holds fewer than M items.
 */
export class MPerClassSampler implements BatchSampler {
  readonly m: number;
  readonly batchSize: number;
  readonly length: number;
  readonly seed: number;
  readonly #byClass: Int32Array[];

  constructor(o: MPerClassOptions) {
    if (typeof o !== 'object' || o === null) throw new TypeError('MPerClassSampler: options must be an object');
    this.m = checkPositiveInt('MPerClassSampler', 'm', o.m);
    this.batchSize = checkPositiveInt('MPerClassSampler', 'batchSize', o.batchSize);
    if (this.batchSize % this.m !== 0) throw new RangeError(`MPerClassSampler: batchSize (${this.batchSize}) must be a multiple of m (${this.m})`);
    const labels = o.labels;
    if (!labels || typeof labels.length !== 'number') throw new TypeError('MPerClassSampler: labels must be an array of class indices');
    const groups = new Map<number, number[]>();
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i]!;
      if (!Number.isInteger(l)) throw new TypeError(`MPerClassSampler: label ${i} is not an integer (${l})`);
      (groups.get(l) ?? groups.set(l, []).get(l)!).push(i);
    }
    this.#byClass = [...groups.keys()].sort((a, b) => a - b).map((k) => Int32Array.from(groups.get(k)!));
    const classesPerBatch = this.batchSize / this.m;
    if (classesPerBatch > this.#byClass.length) {
      throw new RangeError(`MPerClassSampler: a batch needs ${classesPerBatch} classes (batchSize ${this.batchSize} / m ${this.m}) but the labels hold ${this.#byClass.length}`);
    }
    this.length = o.batchesPerEpoch ?? Math.floor(labels.length / this.batchSize);
    if (!Number.isInteger(this.length) || this.length < 0) throw new RangeError(`MPerClassSampler: batchesPerEpoch must be a non-negative integer, got ${String(o.batchesPerEpoch)}`);
    this.seed = o.seed ?? 0;
  }

  batches(epoch: number): Int32Array[] {
    const rng = new Rng(this.seed, epoch);
    const k = this.batchSize / this.m;
    const queues = this.#byClass.map((c) => rng.shuffle(Int32Array.from(c)));
    const heads = new Int32Array(queues.length);
    let round = rng.shuffle(Int32Array.from({ length: queues.length }, (_, i) => i));
    let r = 0;
    const out: Int32Array[] = [];
    for (let b = 0; b < this.length; b++) {
      const batch = new Int32Array(this.batchSize);
      const chosen = new Set<number>();
      for (let j = 0; j < k; j++) {
        // The next class of the current round not yet in this batch, swapped forward so that a
        // skipped class keeps its turn: every class appears once per round. (One is always found:
        // a round's classes already in this batch number at most k - 1 < the classes.)
        if (r === round.length) {
          round = rng.shuffle(round);
          r = 0;
        }
        let p = r;
        while (chosen.has(round[p]!)) p++;
        const c = round[p]!;
        round[p] = round[r]!;
        round[r++] = c;
        chosen.add(c);
        const q = queues[c]!;
        if (q.length >= this.m && heads[c]! + this.m > q.length) {
          rng.shuffle(q); // a new pass over the class; m distinct items always come from one pass
          heads[c] = 0;
        }
        for (let t = 0; t < this.m; t++) batch[j * this.m + t] = q.length < this.m ? q[rng.int(q.length)]! : q[heads[c]!++]!;
      }
      out.push(batch);
    }
    return out;
  }
}

/**
 * One rank's share of another sampler's batches, for data-parallel training (the role of
 * `torch.utils.data.DistributedSampler`): rank r of W takes rows [r n / W, (r + 1) n / W) of
 * every batch, so the ranks' batches together are exactly the global batch one process would
 * train on, reshuffled per (seed, epoch) by the sampler. Every batch must divide by W (drop the
 * last one), so every rank runs the same number of steps of the same size.
 */
export class ShardedBatches implements BatchSampler {
  readonly sampler: BatchSampler;
  readonly rank: number;
  readonly worldSize: number;

  constructor(sampler: BatchSampler, o: { rank: number; worldSize: number }) {
    this.worldSize = checkPositiveInt('ShardedBatches', 'worldSize', o.worldSize);
    if (!Number.isInteger(o.rank) || o.rank < 0 || o.rank >= o.worldSize) {
      throw new RangeError(`ShardedBatches: rank must be an integer in [0, ${o.worldSize}), got ${String(o.rank)}`);
    }
    this.sampler = sampler;
    this.rank = o.rank;
  }

  get length(): number {
    return this.sampler.length;
  }

  batches(epoch: number): Int32Array[] {
    return this.sampler.batches(epoch).map((b, i) => {
      if (b.length % this.worldSize) {
        throw new RangeError(`ShardedBatches: batch ${i} of epoch ${epoch} has ${b.length} items, which ${this.worldSize} ranks cannot share equally (use a batch size that divides by ${this.worldSize}, and drop the last batch)`);
      }
      const n = b.length / this.worldSize;
      return b.subarray(this.rank * n, (this.rank + 1) * n);
    });
  }
}
