import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randn, scope, tensor } from '../../src/index.js';
import { AvgNonZeroReducer, ContrastiveLoss, CosineSimilarity, LpDistance, MeanReducer, PairMarginMiner } from '../../src/losses/index.js';
import { contrastiveRef, COS, gaussian, L2, pairMarginRef, distMatrix, mean } from './reference.js';
import { assertGrad, LAYOUTS, near, t, value } from './util.js';

test('ContrastiveLoss matches the naive Hadsell et al. formula (L2 and cosine, several margins and layouts)', () => {
  let seed = 100;
  for (const n of [4, 9, 14]) for (const [name, layout] of Object.entries(LAYOUTS)) {
    for (const [posMargin, negMargin] of [[0, 1], [0.2, 0.8], [0.5, 1.3]] as const) {
      const x = gaussian(n, 6, seed++);
      const labels = layout(n);
      const l2 = new ContrastiveLoss({ posMargin, negMargin });
      near(value(() => l2.forward(t(x), labels)), contrastiveRef(x, labels, posMargin, negMargin, L2), `L2 n=${n} ${name} ${posMargin}/${negMargin}`);
      near(value(() => l2.forward(t(x, 'float32'), labels)), contrastiveRef(x, labels, posMargin, negMargin, L2), `L2 float32 n=${n} ${name}`);
    }
    const x = gaussian(n, 6, seed++);
    const labels = layout(n);
    const cos = new ContrastiveLoss({ posMargin: 0.9, negMargin: 0.1, distance: new CosineSimilarity() });
    near(value(() => cos.forward(t(x), labels)), contrastiveRef(x, labels, 0.9, 0.1, COS), `cosine n=${n} ${name}`);
  }
});

test('ContrastiveLoss defaults: posMargin 0, negMargin 1, LpDistance, AvgNonZeroReducer', () => {
  const loss = new ContrastiveLoss();
  assert.equal(loss.posMargin, 0);
  assert.equal(loss.negMargin, 1);
  assert.ok(loss.distance instanceof LpDistance);
  assert.ok(loss.reducer instanceof AvgNonZeroReducer);
});

test('ContrastiveLoss with MeanReducer averages all pairs of each kind', () => {
  const x = gaussian(8, 4, 7);
  const labels = LAYOUTS.interleaved!(8);
  const m = distMatrix(x, L2);
  const pos: number[] = [];
  const neg: number[] = [];
  labels.forEach((a, i) => labels.forEach((b, j) => {
    if (i !== j && a === b) pos.push(Math.max(0, m[i]![j]! - 0.1));
    if (a !== b) neg.push(Math.max(0, 1 - m[i]![j]!));
  }));
  const loss = new ContrastiveLoss({ posMargin: 0.1, reducer: new MeanReducer() });
  near(value(() => loss.forward(t(x), labels)), mean(pos) + mean(neg), 'mean reducer');
});

test('ContrastiveLoss on PairMarginMiner pairs matches the naive loss over the mined pairs', () => {
  const x = gaussian(10, 4, 11);
  const labels = LAYOUTS.interleaved!(10);
  const mined = pairMarginRef(x, labels, 0.9, 1.1);
  const m = distMatrix(x, L2);
  const expected = mean(mined.pos.map(([i, j]) => m[i]![j]!).filter((v) => v > 0))
    + mean(mined.neg.map(([i, j]) => 1 - m[i]![j]!).filter((v) => v > 0));
  const loss = new ContrastiveLoss({ miner: new PairMarginMiner({ posMargin: 0.9, negMargin: 1.1 }) });
  near(value(() => loss.forward(t(x), labels)), expected, 'mined');
});

test('ContrastiveLoss gradients match finite differences', () => {
  const x = t(gaussian(7, 3, 21));
  assertGrad((e) => new ContrastiveLoss({ posMargin: 0.1, negMargin: 1.2 }).forward(e, LAYOUTS.interleaved!(7)), [x], 'L2');
  assertGrad((e) => new ContrastiveLoss({ posMargin: 0.8, negMargin: 0.2, distance: new CosineSimilarity() }).forward(e, LAYOUTS.interleaved!(7)), [x], 'cosine');
});

test('ContrastiveLoss: no pairs gives a zero that backpropagates', () => {
  scope(() => {
    const e = randn([1, 4], { dtype: 'float64' }).requiresGrad_();
    const l = new ContrastiveLoss().forward(e, tensor([3]));
    assert.equal(l.item(), 0);
    l.backward();
    assert.ok(e.grad !== null);
  });
});
