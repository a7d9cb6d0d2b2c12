import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, scope } from '../../src/index.js';
import {
  BatchAllMiner, BatchHardMiner, CosineSimilarity, LpDistance, MultiSimilarityMiner, PairMarginMiner, TripletMarginMiner,
} from '../../src/losses/index.js';
import { batchHardRef, COS, gaussian, L2, multiSimilarityRef, pairMarginRef, triplets, tripletMarginMinerRef } from './reference.js';
import { LAYOUTS, sortTuples, t, tuples } from './util.js';

const CASES = [[6, 1], [9, 2], [16, 3]] as const;

test('BatchHardMiner picks the farthest positive and closest negative per anchor (L2 and cosine)', () => {
  for (const [n, seed] of CASES) for (const [name, layout] of Object.entries(LAYOUTS)) {
    const x = gaussian(n, 4, 1200 + seed);
    const labels = layout(n);
    scope(() => {
      assert.deepEqual(tuples(new BatchHardMiner().mine(t(x), labels))[0], sortTuples(batchHardRef(x, labels, L2)), `L2 n=${n} ${name}`);
      const cos = new BatchHardMiner({ distance: new CosineSimilarity() }).mine(t(x), labels);
      assert.deepEqual(tuples(cos)[0], sortTuples(batchHardRef(x, labels, COS)), `cosine n=${n} ${name}`);
    });
  }
});

test('BatchHardMiner with cosine similarity finds the true hardest negative when all negative similarities are < 0', () => {
  // Anchor 0's negatives (2, 3) both have negative cosine similarity; the hardest is 2 (-0.2 > -0.9).
  const x = [[1, 0], [0.9, 0.1], [-0.2, 0.98], [-0.9, -0.44]];
  const labels = [0, 0, 1, 1];
  const [a, , n] = new BatchHardMiner({ distance: new CosineSimilarity() }).mine(t(x), labels);
  assert.equal(Number((a.data() as BigInt64Array)[0]), 0);
  assert.equal(Number((n.data() as BigInt64Array)[0]), 2);
});

test('BatchAllMiner returns every valid triplet', () => {
  for (const [n, seed] of CASES) for (const [name, layout] of Object.entries(LAYOUTS)) {
    const labels = layout(n);
    scope(() => assert.deepEqual(tuples(new BatchAllMiner().mine(t(gaussian(n, 3, seed)), labels))[0], sortTuples(triplets(labels)), `n=${n} ${name}`));
  }
});

test('TripletMarginMiner keeps all / hard / semihard / easy triplets by the margin (L2 and cosine)', () => {
  for (const [n, seed] of CASES) for (const type of ['all', 'hard', 'semihard', 'easy'] as const) for (const margin of [0.1, 0.5]) {
    const x = gaussian(n, 4, 1300 + seed);
    const labels = LAYOUTS.interleaved!(n);
    scope(() => {
      const got = tuples(new TripletMarginMiner({ margin, typeOfTriplets: type }).mine(t(x), labels))[0];
      assert.deepEqual(got, sortTuples(tripletMarginMinerRef(x, labels, margin, type, L2)), `L2 n=${n} ${type} m=${margin}`);
      const cos = tuples(new TripletMarginMiner({ margin, typeOfTriplets: type, distance: new CosineSimilarity() }).mine(t(x), labels))[0];
      assert.deepEqual(cos, sortTuples(tripletMarginMinerRef(x, labels, margin, type, COS)), `cosine n=${n} ${type} m=${margin}`);
    });
  }
  const m = new TripletMarginMiner();
  assert.deepEqual([m.margin, m.typeOfTriplets], [0.2, 'all']);
});

test('MultiSimilarityMiner keeps the pairs of Wang et al. eq. 5-6', () => {
  for (const [n, seed] of CASES) for (const [name, layout] of Object.entries(LAYOUTS)) for (const epsilon of [0.05, 0.1, 0.5]) {
    const x = gaussian(n, 4, 1400 + seed);
    const labels = layout(n);
    scope(() => {
      const [pos, neg] = tuples(new MultiSimilarityMiner({ epsilon }).mine(t(x), labels));
      const ref = multiSimilarityRef(x, labels, epsilon);
      assert.deepEqual(pos, sortTuples(ref.pos), `positives n=${n} ${name} eps=${epsilon}`);
      assert.deepEqual(neg, sortTuples(ref.neg), `negatives n=${n} ${name} eps=${epsilon}`);
    });
  }
  const m = new MultiSimilarityMiner();
  assert.equal(m.epsilon, 0.1);
  assert.ok(m.distance instanceof CosineSimilarity);
});

test('PairMarginMiner keeps positives beyond posMargin and negatives within negMargin (L2 and cosine)', () => {
  for (const [n, seed] of CASES) for (const [name, layout] of Object.entries(LAYOUTS)) {
    const x = gaussian(n, 4, 1500 + seed);
    const labels = layout(n);
    scope(() => {
      const [pos, neg] = tuples(new PairMarginMiner().mine(t(x), labels));
      const ref = pairMarginRef(x, labels, 0.2, 0.8, L2);
      assert.deepEqual([pos, neg], [sortTuples(ref.pos), sortTuples(ref.neg)], `L2 defaults n=${n} ${name}`);
      const [cp, cn] = tuples(new PairMarginMiner({ posMargin: 0.3, negMargin: -0.1, distance: new CosineSimilarity() }).mine(t(x), labels));
      const cref = pairMarginRef(x, labels, 0.3, -0.1, COS);
      assert.deepEqual([cp, cn], [sortTuples(cref.pos), sortTuples(cref.neg)], `cosine n=${n} ${name}`);
    });
  }
  assert.ok(new PairMarginMiner().distance instanceof LpDistance);
});

test('miners return int64 tensors, no gradient, and free their intermediates', () => {
  const x = t(gaussian(8, 4, 1)).requiresGrad_();
  const labels = LAYOUTS.interleaved!(8);
  const before = memory().tensors;
  scope(() => {
    for (const miner of [new BatchHardMiner(), new BatchAllMiner(), new TripletMarginMiner(), new MultiSimilarityMiner(), new PairMarginMiner()]) {
      const out = miner.mine(x, labels);
      for (const idx of out) {
        assert.equal(idx.dtype, 'int64');
        assert.equal(idx.requiresGrad, false);
      }
    }
  });
  assert.equal(memory().tensors, before);
  x.dispose();
});
