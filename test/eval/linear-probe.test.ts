import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, tensor, zeros } from '../../src/index.js';
import { linearProbe, minimizeLbfgs } from '../../src/eval/index.js';
import { runTorch } from '../helpers.js';
import { clustered, gaussian, randomLabels, split } from './reference.js';

test('minimizeLbfgs finds the minimum of a convex quadratic (A^-1 b, by Gaussian elimination)', () => {
  const n = 6;
  const m = gaussian(n, n, 1);
  const a = m.map((r, i) => m.map((s, j) => r.reduce((acc, v, k) => acc + v * s[k]!, 0) + (i === j ? 0.5 : 0))); // M M^T + I/2
  const b = gaussian(1, n, 2)[0]!;
  // Solve A x = b in JS.
  const aug = a.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    const p = aug.reduce((best, r, i) => (i >= c && Math.abs(r[c]!) > Math.abs(aug[best]![c]!) ? i : best), c);
    [aug[c], aug[p]] = [aug[p]!, aug[c]!];
    for (let r = 0; r < n; r++) if (r !== c) {
      const f = aug[r]![c]! / aug[c]![c]!;
      for (let k = c; k <= n; k++) aug[r]![k]! -= f * aug[c]![k]!;
    }
  }
  const solution = aug.map((r, i) => r[n]! / r[i]!);
  const A = tensor(a, { dtype: 'float64' });
  const B = tensor(b, { dtype: 'float64' });
  const theta = zeros([n], { dtype: 'float64' }).requiresGrad_();
  const r = minimizeLbfgs(theta, () => theta.unsqueeze(0).mm(A).mm(theta.unsqueeze(1)).squeeze().mul(0.5).sub(theta.mul(B).sum()), { maxIter: 200, tolGrad: 1e-9, tolChange: 0 });
  const got = theta.toArray() as number[];
  got.forEach((v, i) => assert.ok(Math.abs(v - solution[i]!) < 1e-8, `x[${i}] ${v} vs ${solution[i]}`));
  assert.ok(r.iterations <= 30, `quadratic in ${n} dims took ${r.iterations} iterations`);
  for (const t of [A, B, theta]) t.dispose();
});

test('minimizeLbfgs solves Rosenbrock from (-1.2, 1) to (1, 1)', () => {
  const theta = tensor([-1.2, 1], { dtype: 'float64' }).requiresGrad_();
  minimizeLbfgs(theta, () => {
    const x = theta.select(0, 0);
    const y = theta.select(0, 1);
    return x.neg().add(1).square().add(y.sub(x.square()).square().mul(100));
  }, { maxIter: 500, tolGrad: 1e-10, tolChange: 0 });
  const [x, y] = theta.toArray() as number[];
  assert.ok(Math.abs(x! - 1) < 1e-5 && Math.abs(y! - 1) < 1e-5, `(${x}, ${y})`);
  theta.dispose();
});

test('linearProbe reaches the optimum torch.optim.LBFGS reaches on the same objective', () => {
  const trainY = randomLabels(300, 4, 10);
  const testY = randomLabels(100, 4, 11);
  const train = clustered(trainY, 5, 1, 1.2, 12).map((r) => r.map((v, j) => v * (j + 1) + j)); // unequal scales
  const test_ = clustered(testY, 5, 1, 1.2, 13).map((r) => r.map((v, j) => v * (j + 1) + j));
  const l2 = 0.01;
  const ref = runTorch<{ loss: number; top1: number }>(`
import json, sys, torch
import torch.nn.functional as F
d = json.load(sys.stdin)
x = torch.tensor(d['train'], dtype=torch.float64); y = torch.tensor(d['trainY'])
xt = torch.tensor(d['test'], dtype=torch.float64); yt = torch.tensor(d['testY'])
mean, std = x.mean(0), x.std(0, unbiased=False)
x, xt = (x - mean) / std, (xt - mean) / std
W = torch.zeros(4, 5, dtype=torch.float64, requires_grad=True)
b = torch.zeros(4, dtype=torch.float64, requires_grad=True)
opt = torch.optim.LBFGS([W, b], lr=1, max_iter=1000, tolerance_grad=1e-12, tolerance_change=1e-15, history_size=10, line_search_fn='strong_wolfe')
def closure():
    opt.zero_grad()
    loss = F.cross_entropy(x @ W.t() + b, y) + d['l2'] / 2 * W.pow(2).sum()
    loss.backward()
    return loss
opt.step(closure)
with torch.no_grad():
    loss = F.cross_entropy(x @ W.t() + b, y) + d['l2'] / 2 * W.pow(2).sum()
    top1 = ((xt @ W.t() + b).argmax(1) == yt).double().mean()
print(json.dumps({'loss': loss.item(), 'top1': top1.item()}))
`, { train, trainY, test: test_, testY, l2 });
  const got = linearProbe(split(train, trainY), split(test_, testY), { l2, maxIter: 500 });
  assert.ok(Math.abs(got.loss - ref.loss) < 1e-9, `loss ${got.loss} vs PyTorch ${ref.loss}`);
  assert.equal(got.top1, ref.top1);
});

test('linearProbe: separable classes score 1.0, random labels near chance; a fixed budget; no tensors left', () => {
  const trainY = randomLabels(400, 10, 20);
  const testY = randomLabels(200, 10, 21);
  const train = split(clustered(trainY, 16, 3, 0.3, 22), trainY, 'float32');
  const test_ = split(clustered(testY, 16, 3, 0.3, 23), testY, 'float32');
  const before = memory();
  const sep = linearProbe(train, test_, { maxIter: 50 });
  assert.deepEqual(memory(), before, 'memory().tensors is flat');
  assert.equal(sep.top1, 1);
  assert.equal(sep.trainTop1, 1);
  assert.ok(sep.iterations <= 50);
  const rnd = linearProbe(split(gaussian(2000, 8, 24), randomLabels(2000, 10, 25), 'float32'), split(gaussian(1000, 8, 26), randomLabels(1000, 10, 27), 'float32'));
  assert.ok(rnd.top1 > 0.06 && rnd.top1 < 0.14, `random labels: test top-1 ${rnd.top1} near 0.1`);
});

test('linearProbe standardises with the train statistics: an affine change of each feature changes nothing', () => {
  const trainY = randomLabels(200, 3, 30);
  const testY = randomLabels(80, 3, 31);
  const train = clustered(trainY, 4, 1, 1, 32);
  const test_ = clustered(testY, 4, 1, 1, 33);
  const affine = (m: number[][]) => m.map((r) => r.map((v, j) => v * [0.001, 50, 3, 1e3][j]! + [5, -7, 1e3, 0][j]!));
  const a = linearProbe(split(train, trainY), split(test_, testY));
  const b = linearProbe(split(affine(train), trainY), split(affine(test_), testY));
  assert.equal(b.top1, a.top1);
  assert.ok(Math.abs(a.loss - b.loss) < 1e-8, `${a.loss} vs ${b.loss}`);
  // A constant feature is only centred (no division by zero).
  const withConstant = (m: number[][]) => m.map((r) => [...r, 4]);
  const c = linearProbe(split(withConstant(train), trainY), split(withConstant(test_), testY));
  assert.equal(c.top1, a.top1);
});

test('linearProbe rejects bad input', () => {
  const ok = split(gaussian(6, 3, 40), [0, 1, 2, 0, 1, 2]);
  assert.throws(() => linearProbe(ok, { embeddings: ok.embeddings, labels: tensor([0n, 1n]) }), /test\.labels has 2 entries for 6 embeddings/);
  assert.throws(() => linearProbe(ok, split([[1, 2, Number.NaN]], [0])), /test\.embeddings holds NaN or infinite values/);
  assert.throws(() => linearProbe(ok, split(gaussian(2, 4, 41), [0, 1])), /3 features but test\.embeddings has 4/);
  assert.throws(() => linearProbe(ok, ok, { l2: -1 }), /l2 must be a finite number >= 0/);
  assert.throws(() => linearProbe(ok, ok, { numClasses: 2 }), /label 2 is out of range for numClasses 2/);
  assert.throws(() => linearProbe(ok, ok, { epochs: 3 } as never), /unknown option 'epochs'/);
});
