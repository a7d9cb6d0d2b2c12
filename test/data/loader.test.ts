// The loader: seeded order, batching, dropLast, the M-per-class sampler, prefetch (the next
// reads start before the current batch is done and overlap it), determinism of order and
// augmentations, and the memory model (an epoch leaves memory().tensors flat).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualSeed, memory, tensor } from '../../src/index.js';
import { simclr } from '../../src/augment/index.js';
import { Loader, MPerClassSampler, RandomBatches, Rng, TensorDataset, type Dataset, type RawBatch } from '../../src/data/index.js';
import { flat } from '../helpers.js';

/** n images (1, 2, 2) whose pixels all equal their index (mod 256), labels index mod 10. */
function numbered(n: number): TensorDataset {
  const data = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) data.fill(i % 256, i * 4, i * 4 + 4);
  return new TensorDataset(data, { shape: [n, 1, 2, 2], labels: Int32Array.from({ length: n }, (_, i) => i % 10) });
}

async function epochIndices(loader: Loader, e: number): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of loader.epoch(e)) out.push([...b.indices]);
  return out;
}

describe('batching and order', () => {
  test('every item once per epoch; sizes with and without dropLast; x and y match the items', async () => {
    const ds = numbered(103);
    const loader = new Loader(ds, { batchSize: 10, seed: 3 });
    assert.equal(loader.length, 11);
    let seen: number[] = [];
    for await (const b of loader) {
      assert.deepEqual(b.x.shape, [b.indices.length, 1, 2, 2]);
      assert.equal(b.x.dtype, 'float32');
      // pixel value = index / 255; label = index mod 10
      assert.deepEqual(flat(b.x.select(1, 0).select(1, 0).select(1, 0)).map((v) => Math.round(v * 255)), [...b.indices]);
      assert.deepEqual(flat(b.y!), [...b.indices].map((i) => i % 10));
      seen.push(...b.indices);
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), [...Array(103).keys()]);
    assert.notDeepEqual(seen, [...Array(103).keys()], 'shuffled');
    const sizes = (await epochIndices(new Loader(ds, { batchSize: 10, dropLast: true }), 0)).map((b) => b.length);
    assert.deepEqual(sizes, new Array(10).fill(10));
    seen = (await epochIndices(new Loader(ds, { batchSize: 10, shuffle: false }), 0)).flat();
    assert.deepEqual(seen, [...Array(103).keys()]);
  });

  test('seeded: the same (seed, epoch) gives the same order; another epoch or seed another', async () => {
    const ds = numbered(50);
    const a = await epochIndices(new Loader(ds, { batchSize: 8, seed: 7 }), 2);
    const b = await epochIndices(new Loader(ds, { batchSize: 8, seed: 7 }), 2);
    const c = await epochIndices(new Loader(ds, { batchSize: 8, seed: 7 }), 3);
    const d = await epochIndices(new Loader(ds, { batchSize: 8, seed: 8 }), 2);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.notDeepEqual(a, d);
    // `for await` over the loader runs epochs 0, 1, ... in turn
    const l = new Loader(ds, { batchSize: 8, seed: 7 });
    const e0: number[][] = [];
    for await (const x of l) e0.push([...x.indices]);
    const e1: number[][] = [];
    for await (const x of l) e1.push([...x.indices]);
    assert.deepEqual(e0, await epochIndices(l, 0));
    assert.deepEqual(e1, await epochIndices(l, 1));
  });

  test('the shuffle is uniform: each item lands in each position equally often (chi-square)', () => {
    const n = 5, trials = 20000;
    const counts = Array.from({ length: n }, () => new Array(n).fill(0));
    for (let t = 0; t < trials; t++) {
      const order = new Rng(1, t).shuffle(Int32Array.from({ length: n }, (_, i) => i));
      order.forEach((item, pos) => counts[item]![pos]++);
    }
    const expected = trials / n;
    const chi2 = counts.flat().reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    assert.ok(chi2 < 55, `chi-square ${chi2.toFixed(1)} with 16 degrees of freedom (p 1e-6 at 55)`);
  });
});

describe('MPerClassSampler', () => {
  test('m items of batchSize / m distinct classes per batch; classes visited evenly', () => {
    const labels = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 10);
    const s = new MPerClassSampler({ labels, m: 4, batchSize: 32, seed: 1 });
    assert.equal(s.length, 31);
    const visits = new Array(10).fill(0);
    for (const batch of s.batches(0)) {
      assert.equal(batch.length, 32);
      const byClass = new Map<number, number>();
      for (const i of batch) byClass.set(labels[i]!, (byClass.get(labels[i]!) ?? 0) + 1);
      assert.equal(byClass.size, 8);
      for (const [c, count] of byClass) {
        assert.equal(count, 4);
        visits[c]++;
      }
    }
    const min = Math.min(...visits), max = Math.max(...visits);
    assert.ok(max - min <= 1, `class visits ${visits}`);
    assert.deepEqual(s.batches(0), new MPerClassSampler({ labels, m: 4, batchSize: 32, seed: 1 }).batches(0));
    assert.notDeepEqual(s.batches(0), s.batches(1));
  });

  test('a class smaller than m is sampled with replacement; bad settings are clear errors', () => {
    const labels = [0, 0, 0, 0, 0, 1, 2, 2, 2, 2];
    const s = new MPerClassSampler({ labels, m: 3, batchSize: 6, batchesPerEpoch: 20 });
    let withSingleton = 0;
    for (const b of s.batches(0)) {
      for (let j = 0; j < 6; j += 3) {
        const group = [...b.subarray(j, j + 3)];
        assert.equal(new Set(group.map((i) => labels[i])).size, 1, `a group of m holds one class: ${group}`);
        if (labels[group[0]!] === 1) {
          assert.deepEqual(group, [5, 5, 5], 'class 1 has one item: drawn with replacement');
          withSingleton++;
        } else {
          assert.equal(new Set(group).size, 3, 'classes with >= m items: no repeats within a group');
        }
      }
    }
    assert.ok(withSingleton >= 10, `class 1 appears in ${withSingleton} of 20 batches (2 of 3 classes per batch)`);
    assert.throws(() => new MPerClassSampler({ labels, m: 4, batchSize: 6 }), /batchSize \(6\) must be a multiple of m \(4\)/);
    assert.throws(() => new MPerClassSampler({ labels, m: 1, batchSize: 4 }), /needs 4 classes .* the labels hold 3/);
    assert.throws(() => new Loader(numbered(4), {}), /batchSize is required/);
    assert.throws(() => new RandomBatches({ n: 4, batchSize: 0 }), /batchSize must be a positive integer/);
  });

  test('the loader takes a sampler', async () => {
    const ds = numbered(100);
    const loader = new Loader(ds, { sampler: new MPerClassSampler({ labels: ds.labels!, m: 2, batchSize: 10 }) });
    for await (const b of loader) {
      const y = flat(b.y!);
      assert.equal(new Set(y).size, 5);
    }
  });
});

/** A dataset whose reads take `ms` of wall time off the main thread (as sharp's decodes do). */
class SlowDataset implements Dataset {
  readonly sampleShape = [1, 2, 2];
  readonly labels = null;
  readonly classes = [];
  readonly log: string[] = [];
  constructor(readonly length: number, readonly ms: number) {}
  read(indices: Int32Array): Promise<RawBatch> {
    this.log.push(`read ${indices[0]}`);
    return new Promise((resolve) => setTimeout(() => resolve({ data: new Float32Array(indices.length * 4), labels: null, indices }), this.ms));
  }
}

/**
 * A dataset whose read i (i > 0) finishes only when `release(i)` is called (or after 2 s), so a
 * test decides when the disk is done; with `auto` every read finishes at once. Records the order
 * of events.
 */
class GatedDataset implements Dataset {
  readonly sampleShape = [1];
  readonly labels = null;
  readonly classes = [];
  readonly events: string[] = [];
  readonly #gates = new Map<number, () => void>();
  constructor(readonly length: number, readonly auto: boolean) {}
  read(indices: Int32Array): Promise<RawBatch> {
    const i = indices[0]!;
    this.events.push(`read ${i} starts`);
    return new Promise((resolve) => {
      this.#gates.set(i, () => {
        this.events.push(`read ${i} done`);
        resolve({ data: new Float32Array(indices.length), labels: null, indices });
      });
      if (i === 0 || this.auto) this.release(i);
      else setTimeout(() => this.release(i), 2000).unref(); // a loader that waits for it fails the test instead of hanging
    });
  }
  /** Finishes read i if it started and is still outstanding; returns whether it was. */
  release(i: number): boolean {
    const done = this.#gates.get(i);
    this.#gates.delete(i);
    done?.();
    return done !== undefined;
  }
}

describe('prefetch', () => {
  test('the next reads start before the current batch is handed out', async () => {
    const ds = new SlowDataset(5, 1);
    for await (const b of new Loader(ds, { batchSize: 1, shuffle: false, prefetch: 2 })) ds.log.push(`train ${b.indices[0]}`);
    assert.deepEqual(ds.log, ['read 0', 'read 1', 'read 2', 'train 0', 'read 3', 'train 1', 'read 4', 'train 2', 'train 3', 'train 4']);
    const noPrefetch = new SlowDataset(3, 1);
    for await (const b of new Loader(noPrefetch, { batchSize: 1, shuffle: false, prefetch: 0 })) noPrefetch.log.push(`train ${b.indices[0]}`);
    assert.deepEqual(noPrefetch.log, ['read 0', 'train 0', 'read 1', 'train 1', 'read 2', 'train 2']);
  });

  test('reading overlaps training: read i+1 is outstanding while step i runs (with prefetch), not without', async () => {
    const run = async (prefetch: number): Promise<{ events: string[]; outstanding: boolean[] }> => {
      const ds = new GatedDataset(5, prefetch === 0);
      const outstanding: boolean[] = [];
      for await (const b of new Loader(ds, { batchSize: 1, shuffle: false, prefetch })) {
        const i = b.indices[0]!;
        ds.events.push(`step ${i} starts`);
        outstanding.push(ds.release(i + 1)); // the disk finishes read i+1 while step i computes
        ds.events.push(`step ${i} ends`);
      }
      return { events: ds.events, outstanding };
    };
    const { events, outstanding } = await run(1);
    assert.deepEqual(outstanding, [true, true, true, true, false], 'each next read was in flight when its step began');
    for (let i = 0; i < 4; i++) {
      const at = (e: string): number => events.indexOf(e);
      assert.ok(at(`read ${i + 1} starts`) < at(`step ${i} starts`), `read ${i + 1} started before step ${i}: ${events.join(', ')}`);
      assert.ok(at(`step ${i} starts`) < at(`read ${i + 1} done`) && at(`read ${i + 1} done`) < at(`step ${i} ends`), `read ${i + 1} finished during step ${i}`);
    }
    const serial = await run(0);
    assert.deepEqual(serial.outstanding, [false, false, false, false, false], 'without prefetch no read is in flight during a step');
  });

  test('a read error surfaces at its batch, and batches not reached raise no unhandled rejection', async () => {
    const ds: Dataset = {
      length: 6, sampleShape: [1], labels: null, classes: [],
      read: async (idx) => {
        if (idx[0]! >= 2) throw new Error(`disk gone at ${idx[0]}`);
        return { data: new Float32Array(idx.length), labels: null, indices: idx };
      },
    };
    const got: number[] = [];
    await assert.rejects(async () => {
      for await (const b of new Loader(ds, { batchSize: 1, shuffle: false, prefetch: 3 })) got.push(b.indices[0]!);
    }, /disk gone at 2/);
    assert.deepEqual(got, [0, 1]);
  });
});

describe('memory and determinism', () => {
  test('an epoch with augmented views leaves memory().tensors flat, also when the loop breaks', async () => {
    const data = new Uint8Array(40 * 3 * 16 * 16).map((_, i) => (i * 37) % 256);
    const ds = new TensorDataset(data, { shape: [40, 3, 16, 16], labels: new Int32Array(40) });
    const loader = new Loader(ds, { batchSize: 8, transform: simclr({ size: 12 }) });
    const before = memory();
    let during = -1;
    for await (const b of loader) {
      assert.equal(b.views.length, 2);
      assert.deepEqual(b.views[0]!.shape, [8, 3, 12, 12]);
      if (during < 0) during = memory().tensors;
      else assert.equal(memory().tensors, during, 'one batch alive at a time');
    }
    assert.deepEqual(memory(), before);
    let held = null;
    for await (const b of loader) {
      held = b.x;
      break;
    }
    assert.ok(held!.isDisposed, 'break disposes the batch');
    assert.deepEqual(memory(), before);
  });

  test('same seeds -> same batches and views; another seed -> other views', async () => {
    const data = new Uint8Array(24 * 3 * 8 * 8).map((_, i) => (i * 91) % 256);
    const ds = new TensorDataset(data, { shape: [24, 3, 8, 8] });
    const run = async (seed: number): Promise<number[][]> => {
      manualSeed(seed);
      const out: number[][] = [];
      for await (const b of new Loader(ds, { batchSize: 8, seed, transform: simclr({ size: 8 }) }).epoch(0)) out.push([...b.indices], ...b.views.map((v) => flat(v)));
      return out;
    };
    const a = await run(5);
    assert.deepEqual(await run(5), a);
    assert.notDeepEqual(await run(6), a);
  });

  test('TensorDataset: nested arrays, tensors, float data; clear errors', async () => {
    const ds = new TensorDataset([[1, 2], [3, 4], [5, 6]], { labels: [0, 1, 1] });
    assert.deepEqual(ds.sampleShape, [2]);
    assert.deepEqual(ds.classes, ['0', '1']);
    for await (const b of new Loader(ds, { batchSize: 3, shuffle: false })) assert.deepEqual(b.x.toArray(), [[1, 2], [3, 4], [5, 6]]);
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual([...new TensorDataset(t).read(Int32Array.from([1])).data], [4, 5, 6]);
    t.dispose();
    assert.throws(() => new TensorDataset(new Uint8Array(6)), /needs options.shape/);
    assert.throws(() => new TensorDataset(new Uint8Array(6), { shape: [4, 2] }), /needs 8 values, the data has 6/);
    assert.throws(() => new TensorDataset([[1, 2], [3, 4]], { labels: [0] }), /1 labels for 2 items/);
    assert.throws(() => new TensorDataset([[1, 2], [3, 4]], { labels: [0, -1] }), /label 1 must be a non-negative integer/);
    assert.throws(() => ds.read(Int32Array.from([3])), /index 3 is out of range for 3 items/);
  });
});
