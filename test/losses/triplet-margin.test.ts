import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randn, scope } from '../../src/index.js';
import {
  AvgNonZeroReducer, BatchHardMiner, PairMarginMiner, CosineSimilarity, LpDistance, TripletMarginLoss, TripletMarginMiner,
} from '../../src/losses/index.js';
import { batchHardRef, COS, distMatrix, gaussian, L2, meanNonZero, pairMarginRef, softplus, tripletMarginMinerRef, tripletRef } from './reference.js';
import { assertGrad, LAYOUTS, near, t, value } from './util.js';

test('TripletMarginLoss matches the naive triplet formula: margins, swap, smooth, L2 and cosine', () => {
  let seed = 200;
  for (const n of [4, 8, 12]) for (const [name, layout] of Object.entries(LAYOUTS)) {
    for (const margin of [0.05, 0.2, 1]) for (const swap of [false, true]) for (const smooth of [false, true]) {
      const x = gaussian(n, 5, seed++);
      const labels = layout(n);
      const loss = new TripletMarginLoss({ margin, swap, smoothLoss: smooth });
      near(value(() => loss.forward(t(x), labels)), tripletRef(x, labels, { margin, swap, smooth }), `L2 n=${n} ${name} m=${margin} swap=${swap} smooth=${smooth}`);
    }
    const x = gaussian(n, 5, seed++);
    const labels = layout(n);
    const cos = new TripletMarginLoss({ margin: 0.3, swap: true, distance: new CosineSimilarity() });
    near(value(() => cos.forward(t(x), labels)), tripletRef(x, labels, { margin: 0.3, swap: true, d: COS }), `cosine n=${n} ${name}`);
    near(value(() => cos.forward(t(x, 'float32'), labels)), tripletRef(x, labels, { margin: 0.3, swap: true, d: COS }), `cosine float32 n=${n} ${name}`);
  }
});

test('TripletMarginLoss defaults: margin 0.05, no swap, hard margin, LpDistance, AvgNonZeroReducer', () => {
  const loss = new TripletMarginLoss();
  assert.deepEqual([loss.margin, loss.swap, loss.smoothLoss], [0.05, false, false]);
  assert.ok(loss.distance instanceof LpDistance);
  assert.ok(loss.reducer instanceof AvgNonZeroReducer);
});

test('TripletMarginLoss with BatchHardMiner equals the naive batch-hard loss', () => {
  for (const [seed, n] of [[1, 8], [2, 12], [3, 16]] as const) {
    const x = gaussian(n, 4, 300 + seed);
    const labels = LAYOUTS.interleaved!(n);
    const m = distMatrix(x, L2);
    const expected = meanNonZero(batchHardRef(x, labels).map(([a, p, k]) => Math.max(0, m[a]![p]! - m[a]![k]! + 0.2)));
    const loss = new TripletMarginLoss({ margin: 0.2, miner: new BatchHardMiner() });
    near(value(() => loss.forward(t(x), labels)), expected, `batch hard n=${n}`);
    // Passing the mined tuple explicitly is the same.
    near(value(() => new TripletMarginLoss({ margin: 0.2 }).forward(t(x), labels, new BatchHardMiner().mine(t(x), labels))), expected, 'explicit tuple');
  }
});

test('TripletMarginLoss with semihard TripletMarginMiner and soft margin matches the naive loss', () => {
  const x = gaussian(12, 4, 333);
  const labels = LAYOUTS.balanced!(12);
  const m = distMatrix(x, L2);
  const mined = tripletMarginMinerRef(x, labels, 0.3, 'semihard');
  assert.ok(mined.length > 0);
  const expected = meanNonZero(mined.map(([a, p, k]) => softplus(m[a]![p]! - m[a]![k]! + 0.1)));
  const loss = new TripletMarginLoss({ margin: 0.1, smoothLoss: true, miner: new TripletMarginMiner({ margin: 0.3, typeOfTriplets: 'semihard' }) });
  near(value(() => loss.forward(t(x), labels)), expected, 'semihard soft');
});

test('TripletMarginLoss on pair tuples joins positives and negatives of the same anchor (PML convert_to_triplets)', () => {
  const x = gaussian(9, 3, 17);
  const labels = LAYOUTS.interleaved!(9);
  const mined = pairMarginRef(x, labels, 0.8, 1.2);
  const m = distMatrix(x, L2);
  const joined: number[] = [];
  for (const [a1, p] of mined.pos) for (const [a2, k] of mined.neg) if (a1 === a2) joined.push(Math.max(0, m[a1]![p]! - m[a1]![k]! + 0.4));
  assert.ok(joined.length > 0);
  const pairsTuple = new PairMarginMiner({ posMargin: 0.8, negMargin: 1.2 }).mine(t(x), labels);
  near(value(() => new TripletMarginLoss({ margin: 0.4 }).forward(t(x), labels, pairsTuple)), meanNonZero(joined), 'joined pairs');
});

test('TripletMarginLoss gradients match finite differences (plain, swap, smooth, mined)', () => {
  const x = t(gaussian(8, 3, 41));
  const labels = LAYOUTS.interleaved!(8);
  assertGrad((e) => new TripletMarginLoss({ margin: 0.3 }).forward(e, labels), [x], 'plain');
  assertGrad((e) => new TripletMarginLoss({ margin: 0.3, swap: true }).forward(e, labels), [x], 'swap');
  assertGrad((e) => new TripletMarginLoss({ smoothLoss: true, distance: new CosineSimilarity() }).forward(e, labels), [x], 'smooth cosine');
  assertGrad((e) => new TripletMarginLoss({ margin: 0.3, miner: new BatchHardMiner() }).forward(e, labels), [x], 'batch hard');
});

test('TripletMarginLoss: no valid triplet gives a zero that backpropagates', () => {
  scope(() => {
    const e = randn([3, 4], { dtype: 'float64' }).requiresGrad_();
    const l = new TripletMarginLoss().forward(e, [0, 1, 2]);
    assert.equal(l.item(), 0);
    l.backward();
    assert.ok(e.grad !== null);
  });
});
