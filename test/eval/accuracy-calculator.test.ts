// pytorch-metric-learning AccuracyCalculator's mean_average_precision, mean_reciprocal_rank and AMI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, tensor } from '../../src/index.js';
import { adjustedMutualInfo, normalizedMutualInfo, retrievalMetrics } from '../../src/eval/index.js';
import { gaussian, randomLabels, rankingReference, retrievalReference, split } from './reference.js';

function close(actual: object, expected: object, what: string, tol = 1e-12): void {
  const got = actual as Record<string, number>;
  const want = expected as Record<string, number>;
  for (const key of Object.keys(want)) {
    assert.ok(Math.abs(got[key]! - want[key]!) <= tol, `${what}: ${key} ${got[key]} vs ${want[key]}`);
  }
}

test('MAP and MRR by hand: six points on a line, every reference ranked, and k = 2', () => {
  // Ranked labels (self left out) and their AP / RR, worked by hand:
  //   x=0 (y0): 0 1 0 1 1 -> (1 + 2/3)/2 = 5/6, 1      x=1 (y0): 0 1 0 1 1 -> 5/6, 1
  //   x=2.5 (y1): 0 0 0 1 1 -> (1/4 + 2/5)/2 = 13/40, 1/4   x=5.2 (y0): 1 0 1 0 1 -> (1/2 + 2/4)/2 = 1/2, 1/2
  //   x=10 (y1): 1 0 1 0 0 -> 5/6, 1                    x=11 (y1): 1 0 1 0 0 -> 5/6, 1
  // MAP = (4 * 5/6 + 13/40 + 1/2) / 6 = 499/720, MRR = 4.75/6 = 19/24. With k = 2 the AP divides by
  // the hits within k: 1, 1, 0, (1/2)/1, 1, 1 -> 3/4; RR within 2: 1, 1, 0, 1/2, 1, 1 -> 3/4.
  const x = [[0], [1], [2.5], [5.2], [10], [11]];
  const y = [0, 0, 1, 0, 1, 1];
  const all = retrievalMetrics(split(x, y), undefined, { normalize: false });
  close(all, { meanAveragePrecision: 499 / 720, meanReciprocalRank: 19 / 24, precisionAt1: 4 / 6, mapAtR: 2.25 / 6, queries: 6 }, 'all');
  close(rankingReference(x, y, x, y, true, false), { meanAveragePrecision: 499 / 720, meanReciprocalRank: 19 / 24 }, 'the naive reference agrees');
  for (const k of [2, 'maxBinCount'] as const) { // max R = 3 - 1
    const got = retrievalMetrics(split(x, y), undefined, { normalize: false, k });
    close(got, { meanAveragePrecision: 3 / 4, meanReciprocalRank: 3 / 4, precisionAt1: 4 / 6, rPrecision: 2.5 / 6, mapAtR: 2.25 / 6 }, `k=${k}`);
  }
  // k = 1: AP@1 = RR@1 = precision@1; k beyond the references is every reference.
  const one = retrievalMetrics(split(x, y), undefined, { normalize: false, k: 1 });
  close(one, { meanAveragePrecision: 4 / 6, meanReciprocalRank: 4 / 6, rPrecision: 2.5 / 6, mapAtR: 2.25 / 6 }, 'k=1 (the @R metrics still see R)');
  close(retrievalMetrics(split(x, y), undefined, { normalize: false, k: 50 }), all, 'k=50');
});

test('MAP and MRR equal the naive loops on random data: label layouts, k, query = reference or not, any chunking', () => {
  const layouts: [string, number[]][] = [
    ['6 random classes', randomLabels(40, 6, 21)],
    ['2 classes', randomLabels(40, 2, 22)],
    ['singletons and pairs', [...Array.from({ length: 20 }, (_, i) => i), ...Array.from({ length: 20 }, (_, i) => i % 10)]],
  ];
  const refX = gaussian(30, 5, 23);
  const refY = randomLabels(30, 8, 24); // classes 6 and 7 are never queried; some layouts' classes are absent
  for (const [name, y] of layouts) {
    const x = gaussian(y.length, 5, 25 + y.length + y[0]!);
    for (const k of [undefined, 3, 'maxBinCount'] as const) {
      const kNum = k === undefined ? Infinity : k === 'maxBinCount' ? Math.max(...y.map((c) => y.filter((d) => d === c).length - 1)) : k;
      const self = { ...rankingReference(x, y, x, y, true, true, kNum), ...retrievalReference(x, y, x, y, true, true) };
      const crossKNum = k === 'maxBinCount' ? Math.max(...y.map((c) => refY.filter((d) => d === c).length)) : kNum;
      const cross = { ...rankingReference(x, y, refX, refY, false, false, crossKNum), ...retrievalReference(x, y, refX, refY, false, false) };
      for (const [queryChunk, referenceChunk] of [[1000, 1000], [7, 11], [1, 40]]) {
        const o = { k, queryChunk, referenceChunk };
        close(retrievalMetrics(split(x, y), undefined, o), self, `${name} self k=${k} ${queryChunk}x${referenceChunk}`);
        close(retrievalMetrics(split(x, y), split(refX, refY), { ...o, normalize: false }), cross, `${name} cross k=${k} ${queryChunk}x${referenceChunk}`);
      }
    }
  }
});

test('MAP and MRR edge cases: all lone queries, separable classes, memory', () => {
  assert.deepEqual(
    retrievalMetrics(split([[1, 0], [0, 1]], [0, 1])),
    { precisionAt1: 0, rPrecision: 0, mapAtR: 0, meanAveragePrecision: 0, meanReciprocalRank: 0, queries: 0 },
    'all lone: 0 (as PML)',
  );
  const y = randomLabels(60, 4, 26);
  const data = split(y.map((c, i) => [c * 10 + (i % 7) * 0.01, 1]), y);
  const before = memory();
  const sep = retrievalMetrics(data, undefined, { normalize: false, queryChunk: 8, referenceChunk: 16 });
  assert.deepEqual(memory(), before, 'memory().tensors is flat');
  assert.deepEqual(sep, { precisionAt1: 1, rPrecision: 1, mapAtR: 1, meanAveragePrecision: 1, meanReciprocalRank: 1, queries: 60 });
});

test('retrievalMetrics validates k', () => {
  const q = split(gaussian(4, 3, 27), [0, 1, 0, 1]);
  for (const k of [0, 1.5, -2, 'all', null]) {
    assert.throws(() => retrievalMetrics(q, undefined, { k: k as never }), /retrievalMetrics: k must be an integer >= 1 or 'maxBinCount', got/);
  }
});

// Expected AMI values of scikit-learn's `adjusted_mutual_info_score` (average_method
// 'arithmetic'). sklearn is not installed here: these were computed once by an independent
// Python script written from Vinh et al. 2010 with only the standard library (math.lgamma for
// the hypergeometric EMI, in log space), which reproduces sklearn's own published test values
// (test_adjusted_mutual_info_score: 0.27821 and, for the arrays repeated 110 times, 0.38).
// D's labels: the LCG s = (1103515245 s + 12345) mod 2^31, label (s >> 16) mod c.
const lcg = (seed: number, n: number, c: number): number[] => {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = Number((1103515245n * BigInt(s) + 12345n) % 2147483648n);
    out.push((s >> 16) % c);
  }
  return out;
};
const E_TRUE = lcg(3, 60, 5);
const AMI_CASES: [string, number[], number[], number][] = [
  ['A', [0, 0, 0, 1, 1, 1, 2, 2, 2], [0, 0, 1, 1, 2, 2, 2, 0, 1], -0.03703703703703924],
  ['B', [0, 0, 1, 1, 1, 2, 2, 2, 2, 3], [1, 1, 1, 0, 0, 0, 2, 2, 3, 3], 0.2385839100723504],
  ['C', [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2], [4, 4, 0, 0, 1, 1, 2, 2, 3, 3, 3, 3], 0.44535973724743644],
  ['D', lcg(1, 40, 3), lcg(2, 40, 4), -0.015043043184586026],
  ['E', E_TRUE, E_TRUE.map((v, i) => (i % 3 ? v : (v + 1) % 5)), 0.5719098139439254],
];

test('adjustedMutualInfo equals scikit-learn\'s values', () => {
  assert.deepEqual(lcg(1, 6, 3), [2, 1, 0, 1, 1, 2], 'the LCG as the script printed it');
  for (const [name, u, v, want] of AMI_CASES) {
    const got = adjustedMutualInfo(u, v);
    assert.ok(Math.abs(got - want) < 1e-12, `${name}: ${got} vs ${want}`);
    assert.ok(Math.abs(adjustedMutualInfo(v, u) - want) < 1e-12, `${name} is symmetric`);
  }
  // scikit-learn's test_adjusted_mutual_info_score (published to 5 and 2 decimals).
  const a = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3];
  const b = [1, 1, 1, 1, 2, 1, 2, 2, 2, 2, 3, 1, 3, 3, 3, 2, 2];
  assert.ok(Math.abs(adjustedMutualInfo(a, b) - 0.2782096465726973) < 1e-12, 'sklearn 0.27821');
  const rep = (x: number[]): number[] => Array.from({ length: 110 }, () => x).flat();
  assert.ok(Math.abs(adjustedMutualInfo(rep(a), rep(b)) - 0.3777351644367495) < 1e-10, 'sklearn 0.38 (N = 1,870)');
  // Tensors work as arrays do.
  assert.equal(adjustedMutualInfo(tensor(a, { dtype: 'int64' }), tensor(b, { dtype: 'int32' })), adjustedMutualInfo(a, b));
});

test('adjustedMutualInfo: identical labellings 1, one class 0 or 1, independent ones near 0, bad input', () => {
  // 1 up to rounding (scikit-learn's own test compares with pytest.approx(1.0)).
  assert.ok(Math.abs(adjustedMutualInfo([0, 0, 1, 1], [0, 0, 1, 1]) - 1) < 1e-14, 'identical');
  assert.ok(Math.abs(adjustedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0]) - 1) < 1e-14, 'renumbered');
  assert.ok(Math.abs(adjustedMutualInfo([1, 1, 2, 2], [2, 2, 3, 3]) - 1) < 1e-14, 'sklearn: 1.0');
  const y = randomLabels(500, 10, 28);
  assert.ok(Math.abs(adjustedMutualInfo(y, y.map((v) => (v * 7 + 3) % 10)) - 1) < 1e-12, 'a relabelled copy');
  assert.equal(adjustedMutualInfo([0, 0, 0, 0], [0, 1, 2, 3]), 0, 'sklearn: a class split into singletons is 0');
  assert.equal(adjustedMutualInfo([3, 3, 3], [5, 5, 5]), 1, 'both one class (no split): 1, as NMI');
  // Independent labellings: NMI stays clearly positive at this size; AMI removes chance.
  const u = randomLabels(2000, 10, 29);
  const v = randomLabels(2000, 10, 30);
  const ami = adjustedMutualInfo(u, v);
  assert.ok(Math.abs(ami) < 0.005 && normalizedMutualInfo(u, v) > ami, `independent: AMI ${ami}, NMI ${normalizedMutualInfo(u, v)}`);
  assert.throws(() => adjustedMutualInfo([0, 1], [0]), /adjustedMutualInfo: labelsTrue has 2 entries but labelsPred has 1/);
  assert.throws(() => adjustedMutualInfo([], []), /adjustedMutualInfo: the labellings are empty/);
  assert.throws(() => adjustedMutualInfo([0.5], [0]), /adjustedMutualInfo: labelsTrue must be an integer Tensor or an array of integers/);
  assert.throws(() => adjustedMutualInfo([0], tensor([0.5])), /adjustedMutualInfo: labelsPred must hold integers, got float32/);
});
