import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cat, memory, randn, scope, type Tensor, tensor } from '../../src/index.js';
import { CosineSimilarity } from '../../src/losses/distances/cosine-similarity.js';
import { LpDistance } from '../../src/losses/distances/lp-distance.js';
import { CrossBatchMemory } from '../../src/losses/cross-batch-memory.js';
import { ContrastiveLoss } from '../../src/losses/contrastive-loss.js';
import { FastAPLoss } from '../../src/losses/fast-ap-loss.js';
import { HistogramLoss } from '../../src/losses/histogram-loss.js';
import { InstanceLoss } from '../../src/losses/instance-loss.js';
import { BatchHardMiner } from '../../src/losses/miners/batch-hard-miner.js';
import { MeanReducer } from '../../src/losses/reducers/mean-reducer.js';
import { SupConLoss } from '../../src/losses/supcon-loss.js';
import { TripletMarginLoss } from '../../src/losses/triplet-margin-loss.js';
import { gaussian } from './reference.js';
import { fastApRef, fifoSlots, histogramRef, instanceRef, xbmBatchHardRef, xbmContrastiveRef } from './reference-rank-memory.js';
import { assertGrad, LAYOUTS, near, t, value } from './util.js';

const SIZES = [1, 2, 5, 16];
const LABELS: Record<string, (n: number) => number[]> = {
  ...LAYOUTS,
  distinct: (n) => Array.from({ length: n }, (_, i) => 3 * i + 1), // no positives
  shuffled: (n) => Array.from({ length: n }, (_, i) => (7 * i + 3) % Math.max(1, Math.ceil(n / 3))),
};

function grads(x: Tensor): number[] {
  return Array.from(x.grad!.data() as Float64Array);
}

function finiteEverywhere(make: () => { forward(e: Tensor, l: number[]): Tensor }, what: string): void {
  scope(() => {
    const e = tensor(Array.from({ length: 5 }, () => [0.3, -1.2, 0.5, 2]), { dtype: 'float64' }).requiresGrad_();
    const l = make().forward(e, [0, 0, 1, 1, 2]);
    assert.ok(Number.isFinite(l.item()), `${what}: value ${l.item()}`);
    l.backward();
    assert.ok(grads(e).every(Number.isFinite), `${what}: non-finite gradient`);
  });
}

// ---- FastAPLoss ------------------------------------------------------------------------------

test('FastAPLoss matches the naive histogram AP over batch sizes, layouts and bin counts', () => {
  let seed = 100;
  for (const n of SIZES) for (const [name, layout] of Object.entries(LABELS)) for (const numBins of [10, 3]) {
    const x = gaussian(n, 4, seed++);
    const labels = layout(n);
    const loss = new FastAPLoss({ numBins });
    const expected = fastApRef(x, labels, numBins);
    near(value(() => loss.forward(t(x), labels)), expected, `n=${n} ${name} L=${numBins} float64`, 1e-9);
    near(value(() => loss.forward(t(x, 'float32'), labels)), expected, `n=${n} ${name} L=${numBins} float32`, 1e-4);
  }
});

test('FastAPLoss: defaults, miner weights from an index tuple, and the indices it reports', () => {
  const loss = new FastAPLoss();
  assert.equal(loss.numBins, 10);
  assert.ok(loss.distance instanceof LpDistance && loss.distance.power === 2);
  assert.ok(loss.reducer instanceof MeanReducer);
  assert.equal(loss.takesIndicesTuple, false);
  const x = gaussian(6, 3, 7);
  const labels = [0, 0, 1, 1, 1, 2];
  // Triplets (0,1,2), (0,1,5), (2,3,0): counts 0:3 1:2 2:2 3:1 5:1 4:0 -> weights count / 3.
  const weights = [3, 2, 2, 1, 0, 1].map((c) => c / 3);
  const got = value(() => loss.forward(t(x), labels, [tensor([0n, 0n, 2n]), tensor([1n, 1n, 3n]), tensor([2n, 5n, 0n])]));
  near(got, fastApRef(x, labels, 10, weights), 'weighted by the tuple', 1e-9);
  scope(() => {
    const dict = (loss as unknown as { computeLoss(e: Tensor, l: Tensor, u: undefined): Record<string, { indices: Tensor; reductionType: string }> })
      .computeLoss(t(x), tensor(labels), undefined);
    assert.deepEqual(Array.from(dict.loss!.indices.data() as BigInt64Array, Number), [0, 1, 2, 3, 4]);
    assert.equal(dict.loss!.reductionType, 'element');
  });
});

test('FastAPLoss gradients match finite differences', () => {
  const x = t(gaussian(6, 3, 11));
  assertGrad((e) => new FastAPLoss().forward(e, [0, 0, 1, 1, 2, 2]), [x], 'numBins 10');
  assertGrad((e) => new FastAPLoss({ numBins: 4, distance: new LpDistance({ power: 1 }) }).forward(e, [0, 1, 0, 1, 1, 3]), [x], 'numBins 4, power 1');
});

// ---- HistogramLoss ---------------------------------------------------------------------------

test('HistogramLoss matches the naive Ustinova-Lempitsky histograms over batch sizes, layouts and bins', () => {
  let seed = 200;
  for (const n of SIZES) for (const [name, layout] of Object.entries(LABELS)) for (const nBins of [100, 7]) {
    const x = gaussian(n, 4, seed++);
    const labels = layout(n);
    const expected = histogramRef(x, labels, nBins);
    const loss = new HistogramLoss({ nBins });
    near(value(() => loss.forward(t(x), labels)), expected, `n=${n} ${name} R=${nBins} float64`, 1e-9);
    near(value(() => loss.forward(t(x, 'float32'), labels)), expected, `n=${n} ${name} R=${nBins} float32`, 1e-4);
  }
});

test('HistogramLoss: nBins and delta, defaults, and gradients', () => {
  assert.equal(new HistogramLoss().nBins, 100);
  assert.equal(new HistogramLoss().delta, 0.02);
  assert.ok(new HistogramLoss().distance instanceof CosineSimilarity);
  assert.equal(new HistogramLoss({ delta: 0.25 }).nBins, 8);
  assert.equal(new HistogramLoss({ delta: 0.5, nBins: 4 }).delta, 0.5);
  const x = gaussian(6, 3, 13);
  near(value(() => new HistogramLoss({ delta: 0.25 }).forward(t(x), [0, 0, 1, 1, 2, 2])), histogramRef(x, [0, 0, 1, 1, 2, 2], 8), 'delta 0.25');
  assertGrad((e) => new HistogramLoss({ nBins: 10 }).forward(e, [0, 0, 1, 1, 2, 2]), [t(x)], 'nBins 10');
});

// ---- InstanceLoss ----------------------------------------------------------------------------

test('InstanceLoss matches the naive cross-entropy over the batch across sizes, layouts and gamma', () => {
  let seed = 300;
  for (const n of SIZES) for (const [name, layout] of Object.entries(LABELS)) for (const gamma of [64, 2]) {
    const x = gaussian(n, 4, seed++);
    const labels = layout(n);
    // MeanReducer: a row whose target is itself and far from the rest has a loss of about 1e-15,
    // which rounding puts on either side of AvgNonZeroReducer's threshold.
    const expected = instanceRef(x, labels, gamma, 'mean');
    near(value(() => new InstanceLoss({ gamma, reducer: new MeanReducer() }).forward(t(x), labels)), expected, `n=${n} ${name} gamma=${gamma}`, 1e-9);
  }
  for (const n of [2, 6]) {
    const x = gaussian(n, 4, 400 + n);
    const labels = LABELS.shuffled!(n);
    near(value(() => new InstanceLoss({ gamma: 2 }).forward(t(x), labels)), instanceRef(x, labels, 2), `default reducer n=${n}`, 1e-9);
  }
  const x = gaussian(5, 4, 9);
  near(value(() => new InstanceLoss({ gamma: 2 }).forward(t(x, 'float32'), [4, 2, 2, 9, 0])), instanceRef(x, [4, 2, 2, 9, 0], 2), 'float32', 1e-5);
});

test('InstanceLoss: defaults, indices, and gradients', () => {
  const loss = new InstanceLoss();
  assert.equal(loss.gamma, 64);
  assert.equal(loss.takesIndicesTuple, false);
  assert.ok(loss.distance instanceof CosineSimilarity);
  const x = t(gaussian(5, 3, 17));
  assertGrad((e) => new InstanceLoss({ gamma: 3 }).forward(e, [2, 0, 0, 1, 5]), [x], 'gamma 3');
});

// ---- shared checks ---------------------------------------------------------------------------

test('identical embeddings give finite values and gradients', () => {
  finiteEverywhere(() => new FastAPLoss(), 'FastAPLoss');
  finiteEverywhere(() => new HistogramLoss(), 'HistogramLoss');
  finiteEverywhere(() => new HistogramLoss({ nBins: 3 }), 'HistogramLoss nBins 3');
  finiteEverywhere(() => new InstanceLoss(), 'InstanceLoss');
  finiteEverywhere(() => new CrossBatchMemory(new ContrastiveLoss(), { embeddingSize: 4, memorySize: 8 }), 'CrossBatchMemory');
});

test('every option is validated by name', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => new FastAPLoss({ numBins: 0 }), /FastAPLoss: numBins/],
    [() => new FastAPLoss({ numBins: 2.5 }), /FastAPLoss: numBins/],
    [() => new FastAPLoss({ distance: new CosineSimilarity() }), /FastAPLoss: distance/],
    [() => new FastAPLoss({ distance: new LpDistance({ p: 1 }) }), /FastAPLoss: distance/],
    [() => new HistogramLoss({ nBins: 0 }), /HistogramLoss: nBins/],
    [() => new HistogramLoss({ delta: 0.3 }), /HistogramLoss: delta/],
    [() => new HistogramLoss({ delta: 3 }), /HistogramLoss: delta/],
    [() => new HistogramLoss({ delta: 0.5, nBins: 5 }), /HistogramLoss: delta and nBins/],
    [() => new InstanceLoss({ gamma: 0 }), /InstanceLoss: gamma/],
    [() => new InstanceLoss({ distance: new LpDistance() }), /InstanceLoss: distance/],
    [() => new InstanceLoss({ temperature: 1 } as never), /InstanceLoss: unknown option 'temperature'/],
    [() => new CrossBatchMemory({} as never, { embeddingSize: 4 }), /CrossBatchMemory: loss/],
    [() => new CrossBatchMemory(new FastAPLoss(), { embeddingSize: 4 }), /CrossBatchMemory: FastAPLoss does not/],
    [() => new CrossBatchMemory(new InstanceLoss(), { embeddingSize: 4 }), /CrossBatchMemory: InstanceLoss does not/],
    [() => new CrossBatchMemory(new ContrastiveLoss(), { embeddingSize: 0 }), /CrossBatchMemory: embeddingSize/],
    [() => new CrossBatchMemory(new ContrastiveLoss(), { embeddingSize: 4, memorySize: -1 }), /CrossBatchMemory: memorySize/],
    [() => new CrossBatchMemory(new ContrastiveLoss(), { embeddingSize: 4, miner: 3 as never }), /CrossBatchMemory: miner/],
    [() => new CrossBatchMemory(new ContrastiveLoss(), { embeddingSize: 4, size: 3 } as never), /CrossBatchMemory: unknown option 'size'/],
  ];
  for (const [f, re] of cases) assert.throws(f, re);
  const xbm = new CrossBatchMemory(new ContrastiveLoss(), { embeddingSize: 3, memorySize: 4 });
  scope(() => {
    assert.throws(() => xbm.forward(randn([5, 3]), [0, 0, 1, 1, 2]), /CrossBatchMemory: 5 rows to enqueue, more than memorySize 4/);
    assert.throws(() => xbm.forward(randn([2, 4]), [0, 0]), /CrossBatchMemory: embeddings have 4 features/);
    assert.throws(() => xbm.forward(randn([2, 3]), [0, 0], [tensor([0n]), tensor([1n]), tensor([1n])], [true, false]), /mutually exclusive/);
    assert.throws(() => xbm.forward(randn([2, 3]), [0, 0], undefined, [true]), /CrossBatchMemory: enqueueMask must have shape \[2\]/);
    assert.throws(() => xbm.forward(randn([2, 3]), [0, 0], undefined, tensor([1, 0])), /CrossBatchMemory: enqueueMask must be bool/);
  });
  assert.equal(xbm.numFilled, 0, 'failed calls enqueue nothing');
  xbm.dispose();
});

// ---- CrossBatchMemory ------------------------------------------------------------------------

/** The tuple XBM must build by hand: every (batch i, memory j) pair, shifted by B, minus i's own copy. */
function handPairs(batchLabels: number[], memoryLabels: number[], selfSlots: number[] | null): Tensor[] {
  const b = batchLabels.length;
  const [a1, p, a2, n]: bigint[][] = [[], [], [], []];
  batchLabels.forEach((l, i) => memoryLabels.forEach((m, j) => {
    if (l === m) {
      if (selfSlots === null || selfSlots[i] !== j) { a1!.push(BigInt(i)); p!.push(BigInt(b + j)); }
    } else { a2!.push(BigInt(i)); n!.push(BigInt(b + j)); }
  }));
  return [a1!, p!, a2!, n!].map((v) => tensor(v, { dtype: 'int64' }));
}

test('CrossBatchMemory keeps the last memorySize embeddings in FIFO order and matches the hand-built loss', () => {
  const size = 7;
  const inner = new ContrastiveLoss({ reducer: new MeanReducer() }); // the mean counts every pair, so a kept self pair would show
  const xbm = new CrossBatchMemory(inner, { embeddingSize: 3, memorySize: size });
  assert.equal(xbm.memorySize, size);
  assert.equal(new CrossBatchMemory(new ContrastiveLoss(), { embeddingSize: 3 }).memorySize, 1024);
  const batches: number[][][] = [];
  const labelBatches: number[][] = [];
  for (let k = 0; k < 5; k++) {
    const x = gaussian(3, 3, 40 + k);
    const labels = [k % 2, 1, (k + 1) % 3];
    batches.push(x);
    labelBatches.push(labels);
    const mem = fifoSlots(batches, labelBatches, size);
    scope(() => {
      const e = t(x).requiresGrad_();
      const l = xbm.forward(e, labels);
      near(l.item(), xbmContrastiveRef(x, labels, mem.rows, mem.labels, mem.lastSlots, 'mean'), `batch ${k}: reference`, 1e-9);
      // The wrapped loss on [batch; memory] with the pairs built by hand, and its gradient.
      const e2 = t(x).requiresGrad_();
      const handTuple = handPairs(labels, mem.labels, mem.lastSlots);
      const byHand = inner.forward(cat([e2, t(mem.rows)]), [...labels, ...mem.labels], handTuple as never);
      near(l.item(), byHand.item(), `batch ${k}: by hand`, 1e-12);
      l.backward();
      byHand.backward();
      grads(e).forEach((g, i) => near(g, grads(e2)[i]!, `batch ${k}: gradient ${i}`, 1e-9));
    });
    assert.equal(xbm.numFilled, Math.min(3 * (k + 1), size));
    assert.equal(xbm.queueIdx, (3 * (k + 1)) % size);
    scope(() => {
      assert.deepEqual(xbm.embeddingMemory.narrow(0, 0, xbm.numFilled).toArray(), mem.rows, `batch ${k}: memory rows by slot`);
      assert.deepEqual(Array.from(xbm.labelMemory.narrow(0, 0, xbm.numFilled).data() as BigInt64Array, Number), mem.labels);
    });
  }
  // After 15 rows through 7 slots: slot s holds stream row 14 - ((14 - s) mod 7), oldest at queueIdx 1.
  assert.equal(xbm.queueIdx, 1);
  assert.equal(xbm.embeddingMemory.requiresGrad, false);
  assert.deepEqual(Object.keys(xbm.stateDict()).sort(), ['embedding_memory', 'label_memory', 'num_enqueued']);
  xbm.reset();
  assert.equal(xbm.numFilled, 0);
  scope(() => assert.equal(xbm.embeddingMemory.abs().sum().item(), 0));
  const x = gaussian(3, 3, 99);
  near(value(() => xbm.forward(t(x), [0, 0, 1])), xbmContrastiveRef(x, [0, 0, 1], x, [0, 0, 1], [0, 1, 2], 'mean'), 'after reset: only the batch');
  xbm.dispose();
});

test('CrossBatchMemory: gradients reach only the current batch, and an enqueueMask splits anchors from queued rows', () => {
  const xbm = new CrossBatchMemory(new ContrastiveLoss(), { embeddingSize: 4, memorySize: 6 });
  scope(() => {
    const first = t(gaussian(4, 4, 5)).requiresGrad_();
    xbm.forward(first, [0, 1, 0, 1]).backward();
    const g1 = grads(first);
    const second = t(gaussian(4, 4, 6)).requiresGrad_();
    xbm.forward(second, [1, 1, 0, 2]).backward();
    assert.deepEqual(grads(first), g1, 'the earlier batch, now in memory, gets no gradient');
    assert.ok(grads(second).some((g) => g !== 0));
  });
  // With a mask: rows 1 and 3 are queued (no self comparisons removed), rows 0 and 2 are anchors.
  xbm.reset();
  const x = gaussian(4, 4, 8);
  const labels = [0, 1, 1, 0];
  const got = value(() => xbm.forward(t(x), labels, undefined, [false, true, false, true]));
  near(got, xbmContrastiveRef([x[0]!, x[2]!], [0, 1], [x[1]!, x[3]!], [1, 0], null), 'masked', 1e-9);
  assert.equal(xbm.numFilled, 2);
  assert.equal(value(() => xbm.forward(t(x), labels, undefined, [false, false, false, false])), value(() => xbm.forward(t(x), labels, undefined, tensor([false, false, false, false]))));
  assert.equal(xbm.numFilled, 2, 'an all-false mask enqueues nothing');
  assert.equal(value(() => xbm.forward(t(x), labels, undefined, [true, true, true, true])), 0, 'no anchors: zero');
  assert.equal(xbm.numFilled, 6);
  xbm.dispose();
});

test('CrossBatchMemory: a miner mines between the batch and the memory; a given tuple is added within the batch', () => {
  const margin = 0.05;
  const xbm = new CrossBatchMemory(new TripletMarginLoss({ margin }), { embeddingSize: 3, memorySize: 9, miner: new BatchHardMiner() });
  const batches: number[][][] = [];
  const labelBatches: number[][] = [];
  for (let k = 0; k < 4; k++) {
    const x = gaussian(4, 3, 60 + k);
    const labels = [0, 1, k % 3, 2];
    batches.push(x);
    labelBatches.push(labels);
    const mem = fifoSlots(batches, labelBatches, 9);
    near(value(() => xbm.forward(t(x), labels)), xbmBatchHardRef(x, labels, mem.rows, mem.labels, mem.lastSlots, margin), `batch ${k}`, 1e-9);
  }
  xbm.dispose();
  // The loss's own miner is used when none is given to CrossBatchMemory.
  assert.ok(new CrossBatchMemory(new TripletMarginLoss({ miner: new BatchHardMiner() }), { embeddingSize: 3 }).miner instanceof BatchHardMiner);
  // A given triplet tuple is converted to pairs and appended to the memory pairs.
  const inner = new ContrastiveLoss({ reducer: new MeanReducer() });
  const plain = new CrossBatchMemory(inner, { embeddingSize: 3, memorySize: 5 });
  const x = gaussian(3, 3, 70);
  const labels = [0, 0, 1];
  scope(() => {
    const got = plain.forward(t(x), labels, [tensor([0n]), tensor([1n]), tensor([2n])]).item();
    const [a1, p, a2, n] = handPairs(labels, labels, [0, 1, 2]);
    const tuple = [cat([a1!, tensor([0n])]), cat([p!, tensor([1n])]), cat([a2!, tensor([0n])]), cat([n!, tensor([2n])])];
    near(got, inner.forward(cat([t(x), t(x)]), [...labels, ...labels], tuple as never).item(), 'memory pairs + the given ones', 1e-12);
  });
  plain.dispose();
});

test('CrossBatchMemory follows the embeddings dtype and works with SupConLoss', () => {
  const xbm = new CrossBatchMemory(new SupConLoss(), { embeddingSize: 4, memorySize: 8 });
  assert.equal(xbm.embeddingMemory.dtype, 'float32');
  const v = value(() => xbm.forward(t(gaussian(4, 4, 3)), [0, 0, 1, 1]));
  assert.ok(Number.isFinite(v) && v > 0);
  assert.equal(xbm.embeddingMemory.dtype, 'float64');
  xbm.dispose();
});

test('forward + backward leaves memory().tensors flat', () => {
  const w = randn([5, 4]).requiresGrad_();
  const labels = tensor([0, 0, 1, 1, 2, 2]);
  const xbm = new CrossBatchMemory(new ContrastiveLoss(), { embeddingSize: 4, memorySize: 10 });
  const mined = new CrossBatchMemory(new TripletMarginLoss(), { embeddingSize: 4, memorySize: 10, miner: new BatchHardMiner() });
  const losses = [new FastAPLoss(), new HistogramLoss(), new InstanceLoss(), xbm, mined];
  const step = (): void => {
    for (const loss of losses) scope(() => (loss as FastAPLoss).forward(randn([6, 5]).mm(w), labels).backward());
    scope(() => xbm.forward(randn([6, 5]).mm(w), labels, undefined, [true, false, true, false, true, false]).backward());
  };
  step();
  const before = memory();
  for (let i = 0; i < 4; i++) step();
  assert.deepEqual(memory(), before);
  xbm.dispose();
  mined.dispose();
  w.dispose();
  labels.dispose();
});
