import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randn, scope, tensor } from '../../src/index.js';
import { CosineSimilarity, LpDistance, PairMarginMiner, SupConLoss, SumReducer } from '../../src/losses/index.js';
import { gaussian, supConRef } from './reference.js';
import { assertGrad, LAYOUTS, near, t, value } from './util.js';

test('SupConLoss matches the naive Khosla et al. formula across batch sizes, temperatures and layouts', () => {
  let seed = 1;
  for (const n of [4, 7, 12]) for (const temperature of [0.05, 0.1, 0.5, 1]) for (const [name, layout] of Object.entries(LAYOUTS)) {
    const x = gaussian(n, 5, seed++);
    const labels = layout(n);
    const expected = supConRef(x, labels, temperature);
    const loss = new SupConLoss({ temperature });
    near(value(() => loss.forward(t(x), labels)), expected, `n=${n} T=${temperature} ${name} float64`);
    near(value(() => loss.forward(t(x, 'float32'), labels)), expected, `n=${n} T=${temperature} ${name} float32`, 2e-5);
  }
});

test('SupConLoss defaults to temperature 0.1 and cosine similarity', () => {
  const loss = new SupConLoss();
  assert.equal(loss.temperature, 0.1);
  assert.ok(loss.distance instanceof CosineSimilarity);
  const x = gaussian(6, 4, 99);
  near(value(() => loss.forward(t(x), [0, 0, 1, 1, 2, 2])), supConRef(x, [0, 0, 1, 1, 2, 2], 0.1), 'defaults');
});

test('SupConLoss gradients match finite differences', () => {
  const x = t(gaussian(7, 4, 5));
  for (const temperature of [0.1, 0.7]) {
    const loss = new SupConLoss({ temperature });
    assertGrad((e) => loss.forward(e, LAYOUTS.singletons!(7)), [x], `T=${temperature}`);
  }
  const lp = new SupConLoss({ distance: new LpDistance(), miner: new PairMarginMiner({ posMargin: 0.5, negMargin: 1.5 }) });
  assertGrad((e) => lp.forward(e, [0, 1, 0, 1, 2, 2, 0]), [x], 'LpDistance with a miner');
});

test('SupConLoss: a batch without positives or without negatives gives a zero that backpropagates', () => {
  const loss = new SupConLoss();
  for (const labels of [[0, 1, 2, 3], [5, 5, 5, 5]]) {
    scope(() => {
      const e = randn([4, 3], { dtype: 'float64' }).requiresGrad_();
      const l = loss.forward(e, labels);
      assert.equal(l.item(), 0);
      l.backward();
      assert.deepEqual(Array.from(e.grad!.data() as Float64Array), Array(12).fill(0));
    });
  }
});

test('SupConLoss with SumReducer sums the per-anchor losses', () => {
  const x = gaussian(6, 3, 8);
  const labels = [0, 0, 1, 1, 1, 2];
  const mean = value(() => new SupConLoss().forward(t(x), labels));
  const sum = value(() => new SupConLoss({ reducer: new SumReducer() }).forward(t(x), labels));
  // Anchors 0-4 have positives (non-zero losses), anchor 5 has none.
  near(sum, mean * 5, 'sum = 5 x mean over non-zero anchors');
  assert.ok(scope(() => new SupConLoss().forward(tensor(x), tensor(labels)).item()) > 0);
});
