import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getRngState, memory, randn, scope, tensor } from '../../src/index.js';
import { kmeans, normalizedMutualInfo } from '../../src/eval/index.js';
import { clustered, gaussian, kmeansObjective, lloyd, randomLabels, squaredDistance } from './reference.js';

function run(x: number[][], k: number, o: Parameters<typeof kmeans>[2] = {}) {
  return scope(() => {
    const r = kmeans(tensor(x, { dtype: 'float64' }), k, o);
    return {
      assignments: r.assignments.toArray() as number[],
      centroids: r.centroids.toArray() as number[][],
      inertia: r.inertia,
      history: r.inertiaHistory,
      iterations: r.iterations,
      converged: r.converged,
    };
  });
}

test('from given centroids, kmeans equals Lloyd\'s algorithm by loops (assignments, centroids, objective per step)', () => {
  const x = gaussian(80, 3, 1);
  for (const k of [2, 5, 9]) {
    const init = x.slice(0, k).map((r) => r.map((v) => v + 0.01));
    const want = lloyd(x, init, 100);
    const got = run(x, k, { init: tensor(init, { dtype: 'float64' }), chunk: 17 });
    assert.deepEqual(got.assignments, want.assignments, `k=${k} assignments`);
    got.centroids.forEach((c, j) => c.forEach((v, d) => assert.ok(Math.abs(v - want.centroids[j]![d]!) < 1e-12, `k=${k} centroid ${j}`)));
    assert.equal(got.history.length, want.history.length, `k=${k} steps`);
    got.history.forEach((h, i) => assert.ok(Math.abs(h - want.history[i]!) < 1e-9 * (1 + h), `k=${k} objective step ${i}: ${h} vs ${want.history[i]}`));
  }
});

test('an empty cluster takes the farthest point (and the objective still falls), as the loop reference does', () => {
  const x = [[0], [1], [2], [10], [11], [12]];
  const init = [[0], [100], [11]]; // nobody is nearest to 100
  const got = run(x, 3, { init: tensor(init, { dtype: 'float64' }) });
  const want = lloyd(x, init, 100);
  assert.deepEqual(got.assignments, want.assignments);
  assert.deepEqual(got.centroids, want.centroids);
  assert.deepEqual(got.history, want.history);
  assert.deepEqual(got.assignments, [0, 0, 1, 2, 2, 2], 'x = 2 (farthest from its centre) moved into the empty cluster');
});

test('the k-means objective never increases, and inertia is the objective of the result', () => {
  for (const seed of [0, 1, 2, 3]) {
    const x = gaussian(300, 4, 10 + seed);
    const r = run(x, 7, { seed });
    for (let i = 1; i < r.history.length; i++) {
      assert.ok(r.history[i]! <= r.history[i - 1]! * (1 + 1e-12), `seed ${seed} step ${i}: ${r.history[i]} > ${r.history[i - 1]}`);
    }
    assert.ok(r.history[r.history.length - 1]! < r.history[0]!, 'Lloyd improves on the seeding');
    assert.ok(Math.abs(r.inertia - kmeansObjective(x, r.assignments, r.centroids)) < 1e-9 * r.inertia);
    assert.ok(r.converged, `seed ${seed} converged in ${r.iterations} iterations`);
    // At convergence every point sits with its nearest centroid.
    x.forEach((p, i) => {
      const mine = squaredDistance(p, r.centroids[r.assignments[i]!]!);
      for (const c of r.centroids) assert.ok(mine <= squaredDistance(p, c) + 1e-12, `point ${i} has a nearer centroid`);
    });
  }
});

test('k-means++ draws the next centre with probability proportional to D^2', () => {
  // Points 0, 1, 10 and k = 2: a seeding that covers 10 has objective 1. By D^2 sampling that happens
  // with probability (1/3)(100/101 + 81/82 + 1) = 0.993; by uniform sampling with 2/3.
  const x = [[0], [1], [10]];
  let covered = 0;
  const trials = 300;
  for (let seed = 0; seed < trials; seed++) if (run(x, 2, { seed, maxIter: 0 }).history[0] === 1) covered++;
  assert.ok(covered / trials > 0.96, `seedings covering the far point: ${covered} of ${trials}`);
});

test('kmeans is seeded by its own generator: same seed, same result; the global generator is untouched', () => {
  const x = gaussian(200, 5, 20);
  const state = scope(() => Array.from(getRngState().data() as Uint8Array));
  const a = run(x, 6, { seed: 5 });
  const b = run(x, 6, { seed: 5 });
  assert.deepEqual(a, b);
  assert.deepEqual(scope(() => Array.from(getRngState().data() as Uint8Array)), state);
  const c = run(x, 6, { seed: 6 });
  assert.notDeepEqual(c.history[0], a.history[0], 'another seed starts elsewhere');
});

test('kmeans recovers well-separated clusters (NMI 1 against the labels) and frees its blocks', () => {
  const y = randomLabels(500, 10, 30);
  const x = tensor(clustered(y, 16, 5, 0.1, 31));
  const before = memory();
  const labels = scope(() => kmeans(x, 10, { chunk: 64 }).assignments.toArray() as number[]);
  assert.deepEqual(memory(), before, 'memory().tensors is flat');
  assert.ok(Math.abs(normalizedMutualInfo(y, labels) - 1) < 1e-12, 'every class is one cluster');
});

test('duplicate points: fewer distinct points than k leaves a cluster empty without NaN', () => {
  const x = [[1, 1], [1, 1], [1, 1], [5, 5], [5, 5], [5, 5]];
  const r = run(x, 3);
  assert.equal(r.inertia, 0);
  assert.ok(r.centroids.flat().every(Number.isFinite));
  assert.equal(new Set(r.assignments).size, 2);
});

test('kmeans rejects bad input', () => {
  const x = tensor(gaussian(5, 2, 40));
  assert.throws(() => kmeans(x, 6), /k \(6\) exceeds the number of points \(5\)/);
  assert.throws(() => kmeans(x, 0), /k must be an integer >= 1/);
  assert.throws(() => kmeans(tensor([[1, Number.NaN]]), 1), /x holds NaN or infinite values/);
  assert.throws(() => kmeans(x, 2, { init: randn([3, 2]) }), /init must be \(k, D\) = \[2, 2\], got \[3, 2\]/);
  assert.throws(() => kmeans(x, 2, { seed: -1 }), /seed must be an integer >= 0/);
  assert.throws(() => kmeans(x, 2, { iterations: 3 } as never), /unknown option 'iterations'/);
});
