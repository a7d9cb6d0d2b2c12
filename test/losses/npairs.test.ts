import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randn, scope } from '../../src/index.js';
import { DotProductSimilarity, LpDistance, MeanReducer, NPairsLoss } from '../../src/losses/index.js';
import { dot, gaussian, mean, nPairsRef } from './reference.js';
import { assertGrad, LAYOUTS, near, t, value } from './util.js';

test('NPairsLoss matches the naive Sohn 2016 formula across batch sizes and layouts', () => {
  let seed = 400;
  for (const n of [4, 7, 12, 16]) for (const [name, layout] of Object.entries(LAYOUTS)) {
    const x = gaussian(n, 5, seed++);
    const labels = layout(n);
    near(value(() => new NPairsLoss().forward(t(x), labels)), nPairsRef(x, labels), `n=${n} ${name}`);
    near(value(() => new NPairsLoss().forward(t(x, 'float32'), labels)), nPairsRef(x, labels), `float32 n=${n} ${name}`);
  }
  // Shuffled label order: one pair per label, the first two members of each class.
  const x = gaussian(9, 4, 1);
  const labels = [2, 0, 1, 2, 0, 1, 2, 0, 1];
  near(value(() => new NPairsLoss().forward(t(x), labels)), nPairsRef(x, labels), 'shuffled');
});

test('NPairsLoss defaults: DotProductSimilarity on normalised embeddings, MeanReducer', () => {
  const loss = new NPairsLoss();
  assert.ok(loss.distance instanceof DotProductSimilarity);
  assert.equal(loss.distance.normalizeEmbeddings, true);
  assert.ok(loss.reducer instanceof MeanReducer);
});

test('NPairsLoss with an unnormalised dot product uses raw inner products', () => {
  const x = gaussian(6, 3, 5).map((r) => r.map((v) => v * 0.3));
  const labels = [0, 0, 1, 1, 2, 2];
  const pairs = [[0, 1], [2, 3], [4, 5]] as const;
  const expected = mean(pairs.map(([a, p], k) => Math.log1p(pairs.reduce((s, [, pj], j) => (j === k ? s : s + Math.exp(dot(x[a]!, x[pj]!) - dot(x[a]!, x[p]!))), 0))));
  const loss = new NPairsLoss({ distance: new DotProductSimilarity({ normalizeEmbeddings: false }) });
  near(value(() => loss.forward(t(x), labels)), expected, 'raw dot');
});

test('NPairsLoss gradients match finite differences', () => {
  assertGrad((e) => new NPairsLoss().forward(e, LAYOUTS.interleaved!(9)), [t(gaussian(9, 3, 7))], 'dot');
  assertGrad((e) => new NPairsLoss({ distance: new LpDistance() }).forward(e, LAYOUTS.balanced!(8)), [t(gaussian(8, 3, 8))], 'L2');
});

test('NPairsLoss: no positive pair gives a zero that backpropagates', () => {
  scope(() => {
    const e = randn([4, 3], { dtype: 'float64' }).requiresGrad_();
    const l = new NPairsLoss().forward(e, [0, 1, 2, 3]);
    assert.equal(l.item(), 0);
    l.backward();
    assert.ok(e.grad !== null);
  });
});
