import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manualSeed, memory, randperm, scope, type Tensor, tensor } from '../../src/index.js';
import { CosineSimilarity } from '../../src/losses/distances/cosine-similarity.js';
import { LpDistance } from '../../src/losses/distances/lp-distance.js';
import { ContrastiveLoss } from '../../src/losses/contrastive-loss.js';
import { AngularMiner } from '../../src/losses/miners/angular-miner.js';
import { BatchEasyHardMiner } from '../../src/losses/miners/batch-easy-hard-miner.js';
import { DistanceWeightedMiner } from '../../src/losses/miners/distance-weighted-miner.js';
import { HDCMiner } from '../../src/losses/miners/hdc-miner.js';
import { MaximumLossMiner } from '../../src/losses/miners/maximum-loss-miner.js';
import { MultiSimilarityMiner } from '../../src/losses/miners/multi-similarity-miner.js';
import { UniformHistogramMiner } from '../../src/losses/miners/uniform-histogram-miner.js';
import { COS, distMatrix, gaussian, L2, pairs } from './reference.js';
import { angularRef, batchEasyHardRef, distanceWeightsRef, hdcRef, histogramBinsRef, type Strategy } from './reference-miners.js';
import { sortTuples, t, tuples } from './util.js';

const SIZES = [1, 2, 5, 16];
const LAYOUTS: Record<string, (n: number) => number[]> = {
  balanced: (n) => Array.from({ length: n }, (_, i) => Math.floor(i / 2)),
  singleton: (n) => Array.from({ length: n }, (_, i) => (i < n - 1 ? i % 3 : 99)),
  distinct: (n) => Array.from({ length: n }, (_, i) => i),
};
const cases = function* (): Generator<[number, string, number[], number[][]]> {
  for (const n of SIZES) for (const [name, layout] of Object.entries(LAYOUTS)) yield [n, name, layout(n), gaussian(n, 4, 500 + n)];
};
const ids = (x: Tensor): number[] => Array.from(x.data() as BigInt64Array, Number);

test('BatchEasyHardMiner matches the per-anchor loop for every strategy pair, ranges and both distances', () => {
  const combos: [Strategy, Strategy][] = [
    ['easy', 'semihard'], ['easy', 'hard'], ['easy', 'easy'], ['hard', 'hard'], ['hard', 'semihard'], ['semihard', 'hard'],
    ['semihard', 'easy'], ['all', 'hard'], ['easy', 'all'], ['all', 'all'],
  ];
  for (const [n, name, labels, x] of cases()) for (const [ps, ns] of combos) for (const [dn, dist, ref] of [['L2', () => new LpDistance(), L2], ['cos', () => new CosineSimilarity(), COS]] as const) {
    if ((dn === 'cos' && n !== 16) || (n < 5 && ps !== 'easy' && ps !== 'all')) continue;
    scope(() => {
      const got = tuples(new BatchEasyHardMiner({ posStrategy: ps, negStrategy: ns, distance: dist() }).mine(t(x), labels));
      const want = batchEasyHardRef(x, labels, ps, ns, ref);
      assert.deepEqual(got, [sortTuples(want.pos), sortTuples(want.neg)], `n=${n} ${name} ${ps}/${ns} ${dn}`);
    });
  }
  // allowed ranges (inclusive)
  for (const [n, name, labels, x] of cases()) {
    scope(() => {
      const o = { posStrategy: 'hard', negStrategy: 'hard', allowedPosRange: [0.3, 1.2], allowedNegRange: [0.6, 1.6] } as const;
      const got = tuples(new BatchEasyHardMiner(o).mine(t(x), labels));
      const want = batchEasyHardRef(x, labels, 'hard', 'hard', L2, [0.3, 1.2], [0.6, 1.6]);
      assert.deepEqual(got, [sortTuples(want.pos), sortTuples(want.neg)], `range n=${n} ${name}`);
    });
  }
  const m = new BatchEasyHardMiner();
  assert.deepEqual([m.posStrategy, m.negStrategy, m.allowedPosRange, m.allowedNegRange], ['easy', 'semihard', null, null]);
});

test('HDCMiner keeps the ceil(f * count) hardest positive and negative pairs', () => {
  // Negative pairs (i, j) and (j, i) tie, so compare the kept distances, not the pairs.
  const kept = (x: number[][], list: number[][], d: typeof L2): number[] => {
    const m = distMatrix(x, d);
    return list.map(([i, j]) => m[i!]![j!]!).sort((u, v) => u - v);
  };
  const close = (a: number[], b: number[], what: string): void => {
    assert.equal(a.length, b.length, what);
    a.forEach((v, k) => assert.ok(Math.abs(v - b[k]!) < 1e-9, `${what}: ${v} vs ${b[k]}`));
  };
  for (const [n, name, labels, x] of cases()) for (const f of [0.5, 0.3, 1]) for (const [dn, dist, ref] of [['L2', () => new LpDistance(), L2], ['cos', () => new CosineSimilarity(), COS]] as const) {
    scope(() => {
      const want = hdcRef(x, labels, f, ref);
      const [pos, neg] = tuples(new HDCMiner({ filterPercentage: f, distance: dist() }).mine(t(x), labels));
      close(kept(x, pos!, ref), kept(x, want.pos, ref), `${dn} pos n=${n} ${name} f=${f}`);
      close(kept(x, neg!, ref), kept(x, want.neg, ref), `${dn} neg n=${n} ${name} f=${f}`);
      if (f === 1) assert.deepEqual([pos, neg], [sortTuples(want.pos), sortTuples(want.neg)]);
    });
  }
  assert.equal(new HDCMiner().filterPercentage, 0.5);
});

test('AngularMiner keeps the triplets whose angle at the negative exceeds the threshold', () => {
  for (const [n, name, labels, x] of cases()) for (const angle of [20, 35, 60, 90]) {
    scope(() => assert.deepEqual(tuples(new AngularMiner({ angle }).mine(t(x), labels))[0], sortTuples(angularRef(x, labels, angle)), `n=${n} ${name} angle=${angle}`));
  }
  assert.equal(new AngularMiner().angle, 20);
});

test('DistanceWeightedMiner: negatives follow q(d)^-1 with the cutoffs, positives are uniform, seeded runs repeat', () => {
  // Rows 0-3 label 0, rows 4-7 label 1; a few points close together so the 0.5 cutoff matters.
  const base = gaussian(8, 3, 77);
  const x = base.map((r, i) => (i === 5 ? base[0]!.map((v, k) => v + 0.05 * (k + 1)) : i === 6 ? base[0]!.map((v, k) => v - 0.04 * k) : r));
  const labels = [0, 0, 0, 0, 1, 1, 1, 1];
  const P = distanceWeightsRef(x, labels, 0.5, 1.4);
  const counts = Array.from({ length: 8 }, () => new Array<number>(8).fill(0));
  const posCounts = Array.from({ length: 8 }, () => new Array<number>(8).fill(0));
  const miner = new DistanceWeightedMiner();
  manualSeed(1234);
  const dm = distMatrix(x, L2);
  for (let rep = 0; rep < 110; rep++) {
    scope(() => {
      const [a, p, n] = miner.mine(t(x, 'float32'), labels).map(ids);
      const expected = labels.reduce((s, l, i) => s + (P[i]!.some((v) => v > 0) ? labels.filter((m) => m === l).length : 0), 0);
      assert.equal(a!.length, expected, 'k = label size triplets per anchor with a weighted negative');
      a!.forEach((ai, k) => {
        assert.ok(p![k] !== ai && labels[p![k]!] === labels[ai], 'positive: same label, not the anchor');
        assert.ok(labels[n![k]!] !== labels[ai] && dm[ai]![n![k]!]! < 1.4, 'negative: other label, below nonzeroLossCutoff');
        counts[ai]![n![k]!]!++;
        posCounts[ai]![p![k]!]!++;
      });
    });
  }
  for (let i = 0; i < 8; i++) {
    const total = counts[i]!.reduce((s, v) => s + v, 0);
    for (let j = 0; j < 8; j++) {
      const pij = P[i]![j]!;
      const f = total === 0 ? 0 : counts[i]![j]! / total;
      assert.ok(Math.abs(f - pij) <= 0.03 + 4 * Math.sqrt((pij * (1 - pij)) / Math.max(total, 1)), `anchor ${i} negative ${j}: ${f} vs ${pij} (${total} draws)`);
      if (labels[j] === labels[i] && j !== i) {
        const pt = posCounts[i]!.reduce((s, v) => s + v, 0);
        assert.ok(Math.abs(posCounts[i]![j]! / pt - 1 / 3) < 0.08, `anchor ${i} positive ${j} uniform`);
      }
    }
  }
  // rows 5 and 6 are both within the 0.5 cutoff of row 0: the same weight
  assert.ok(dm[0]![5]! < 0.5 && dm[0]![6]! < 0.5 && Math.abs(P[0]![5]! - P[0]![6]!) < 1e-12);
  const run = (): number[][] => scope(() => { manualSeed(99); return miner.mine(t(x), labels).map(ids); });
  assert.deepEqual(run(), run(), 'manualSeed repeats the sample');
  // no positives / no negatives / tiny batches: empty
  for (const [n, name, labels2, x2] of cases()) {
    scope(() => {
      const [a, p, nn] = miner.mine(t(x2), labels2);
      assert.ok(a.shape[0] === p.shape[0] && p.shape[0] === nn.shape[0], `n=${n} ${name}`);
      const W = distanceWeightsRef(x2, labels2, 0.5, 1.4);
      const anchors = new Set(ids(a));
      for (let i = 0; i < n; i++) {
        const ok = W[i]!.some((v) => v > 0) && labels2.some((l, j) => j !== i && l === labels2[i]);
        assert.equal(anchors.has(i), ok, `n=${n} ${name} anchor ${i}`);
      }
    });
  }
});

test('UniformHistogramMiner draws perBin pairs from every non-empty bin of each kind', () => {
  for (const [n, name, labels, x] of cases()) {
    scope(() => {
      const m = distMatrix(x, L2);
      const { pos, neg } = pairs(labels);
      const [a1, p, a2, nn] = new UniformHistogramMiner({ numBins: 4, posPerBin: 3, negPerBin: 5 }).mine(t(x), labels).map(ids);
      for (const [list, A, B, per] of [[pos, a1!, p!, 3], [neg, a2!, nn!, 5]] as const) {
        const values = list.map(([i, j]) => m[i]![j]!);
        const bins = list.length ? histogramBinsRef(values, 4) : [];
        const key = new Map(list.map(([i, j], k) => [`${i},${j}`, bins[k]!]));
        const perBinCount = new Map<number, number>();
        A.forEach((i, k) => {
          const b = key.get(`${i},${B[k]}`);
          assert.ok(b !== undefined, `n=${n} ${name}: (${i}, ${B[k]}) is a pair of the kind`);
          perBinCount.set(b, (perBinCount.get(b) ?? 0) + 1);
        });
        const nonEmpty = new Set(bins);
        assert.equal(A.length, per * nonEmpty.size, `n=${n} ${name}: ${per} per non-empty bin`);
        for (const b of nonEmpty) assert.equal(perBinCount.get(b), per, `n=${n} ${name} bin ${b}`);
      }
    });
  }
  const m = new UniformHistogramMiner();
  assert.deepEqual([m.numBins, m.posPerBin, m.negPerBin], [100, 10, 10]);
  const x = gaussian(8, 3, 5);
  const run = (): number[][] => scope(() => { manualSeed(7); return new UniformHistogramMiner({ numBins: 3 }).mine(t(x), [0, 0, 1, 1, 2, 2, 3, 3]).map(ids); });
  assert.deepEqual(run(), run());
});

test('MaximumLossMiner returns the highest-loss random subset', () => {
  const x = gaussian(10, 4, 31);
  const labels = [0, 0, 1, 1, 2, 2, 0, 1, 2, 3];
  const loss = new ContrastiveLoss();
  const miner = new MaximumLossMiner({ loss, miner: new MultiSimilarityMiner(), numTrials: 6, outputBatchSize: 6 });
  scope(() => {
    manualSeed(5);
    const got = ids(miner.mine(t(x), labels));
    manualSeed(5);
    let best: number[] = [];
    let bestLoss = -Infinity;
    for (let k = 0; k < 6; k++) {
      const idx = ids(randperm(10)).slice(0, 6);
      const e = t(idx.map((i) => x[i]!));
      const l = idx.map((i) => labels[i]!);
      const v = loss.forward(e, l, new MultiSimilarityMiner().mine(e, l)).item();
      if (v > bestLoss) [best, bestLoss] = [idx, v];
    }
    assert.deepEqual(got, best);
    assert.equal(new Set(got).size, 6, 'without replacement');
  });
  assert.equal(new MaximumLossMiner({ loss, outputBatchSize: 2 }).numTrials, 5);
  assert.throws(() => new MaximumLossMiner({ loss, outputBatchSize: 20 }).mine(t(x), labels), /outputBatchSize 20 exceeds/);
});

test('miner options are validated by name', () => {
  assert.throws(() => new BatchEasyHardMiner({ posStrategy: 'medium' as never }), /posStrategy must be/);
  assert.throws(() => new BatchEasyHardMiner({ negStrategy: 'x' as never }), /negStrategy must be/);
  assert.throws(() => new BatchEasyHardMiner({ posStrategy: 'semihard', negStrategy: 'semihard' }), /cannot both be 'semihard'/);
  assert.throws(() => new BatchEasyHardMiner({ posStrategy: 'all', negStrategy: 'semihard' }), /cannot be combined with 'all'/);
  assert.throws(() => new BatchEasyHardMiner({ allowedPosRange: [1, 0] }), /allowedPosRange must be/);
  assert.throws(() => new BatchEasyHardMiner({ allowedNegRange: [0] as never }), /allowedNegRange must be/);
  assert.throws(() => new HDCMiner({ filterPercentage: 1.5 }), /filterPercentage must be in \[0, 1\]/);
  assert.throws(() => new AngularMiner({ angle: Number.NaN }), /angle must be a finite number/);
  assert.throws(() => new AngularMiner({ distance: new CosineSimilarity() }), /distance must be LpDistance/);
  assert.throws(() => new DistanceWeightedMiner({ cutoff: -1 }), /cutoff must be >= 0/);
  assert.throws(() => new DistanceWeightedMiner({ nonzeroLossCutoff: Number.POSITIVE_INFINITY }), /nonzeroLossCutoff must be a finite number/);
  assert.throws(() => new DistanceWeightedMiner({ distance: new LpDistance({ power: 2 }) }), /distance must be LpDistance/);
  for (const k of ['numBins', 'posPerBin', 'negPerBin']) assert.throws(() => new UniformHistogramMiner({ [k]: 0 }), new RegExp(`${k} must be an integer >= 1`));
  assert.throws(() => new MaximumLossMiner({ loss: 3 as never, outputBatchSize: 2 }), /loss must be a loss/);
  assert.throws(() => new MaximumLossMiner({ loss: new ContrastiveLoss(), outputBatchSize: 2, miner: {} as never }), /miner must be a miner/);
  assert.throws(() => new MaximumLossMiner({ loss: new ContrastiveLoss(), outputBatchSize: 2, numTrials: 0 }), /numTrials must be an integer/);
  assert.throws(() => new MaximumLossMiner({ loss: new ContrastiveLoss(), outputBatchSize: 1.5 }), /outputBatchSize must be an integer/);
  assert.throws(() => new HDCMiner({ bogus: 1 } as never), /unknown option 'bogus'/);
});

test('the miners leave memory().tensors flat and work as a loss miner', () => {
  const x = tensor(gaussian(12, 4, 3), { dtype: 'float32' });
  const labels = [0, 0, 1, 1, 2, 2, 3, 3, 0, 1, 2, 3];
  const miners = [
    new BatchEasyHardMiner(), new HDCMiner(), new AngularMiner(), new DistanceWeightedMiner(), new UniformHistogramMiner({ numBins: 5 }),
  ];
  const losses = miners.map((miner) => new ContrastiveLoss({ miner }));
  const mlm = new MaximumLossMiner({ loss: new ContrastiveLoss(), outputBatchSize: 6 });
  const step = (): void => scope(() => {
    const w = x.mul(1).requiresGrad_();
    for (const l of losses) {
      const v = l.forward(w, labels);
      assert.ok(Number.isFinite(v.item()));
      v.backward();
    }
    mlm.mine(w, labels);
  });
  step();
  const before = memory();
  for (let i = 0; i < 3; i++) step();
  assert.deepEqual(memory(), before);
  x.dispose();
});
