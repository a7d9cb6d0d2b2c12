import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, randn, scope, type Tensor } from '../../src/index.js';
import { DCLLoss, DCLWLoss, InfoNCELoss, LogisticLoss, NTXentLoss, SupConLoss } from '../../src/losses/index.js';
import { gaussian, ntXentRef, supConRef } from './reference.js';
import { near, t } from './util.js';

function finiteWithGrads(f: (a: Tensor, b: Tensor) => Tensor, dtype: 'float32' | 'float64'): number {
  return scope(() => {
    const a = F.normalize(randn([64, 32], { dtype })).requiresGrad_();
    const b = F.normalize(a.detach().add(randn([64, 32], { dtype }).mul(0.05))).requiresGrad_(); // near-duplicates: large logits
    const l = f(a, b);
    l.backward();
    assert.ok(a.grad !== null, 'a gradient reaches the embeddings');
    for (const g of [a.grad, b.grad]) if (g) assert.equal(g.isfinite().all().item(), 1, 'gradients are finite');
    return l.item();
  });
}

test('temperature 0.01 with unit-norm embeddings: no NaN or infinity in values or gradients', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const labels = Array.from({ length: 64 }, (_, i) => i % 8);
    const cases: [string, (a: Tensor, b: Tensor) => Tensor][] = [
      ['NTXentLoss', (a, b) => new NTXentLoss({ temperature: 0.01 }).forward(a, b)],
      ['InfoNCELoss', (a, b) => new InfoNCELoss({ temperature: 0.01 }).forward(a, b, F.normalize(randn([128, 32], { dtype })))],
      ['DCLLoss', (a, b) => new DCLLoss({ temperature: 0.01 }).forward(a, b)],
      ['DCLWLoss', (a, b) => new DCLWLoss({ temperature: 0.01, sigma: 0.01 }).forward(a, b)],
      ['SupConLoss', (a) => new SupConLoss({ temperature: 0.01 }).forward(a, labels)],
      ['LogisticLoss', (a) => new LogisticLoss({ temperature: 0.01 }).forward(a, labels)],
    ];
    for (const [name, f] of cases) {
      const v = finiteWithGrads(f, dtype);
      assert.ok(Number.isFinite(v), `${name} ${dtype}: ${v}`);
    }
  }
});

test('temperature 0.01: values still match the references', () => {
  const z1 = gaussian(8, 4, 1);
  const z2 = z1.map((r) => r.map((v) => v + 0.01));
  near(scope(() => new NTXentLoss({ temperature: 0.01 }).forward(t(z1, 'float32'), t(z2, 'float32')).item()), ntXentRef(z1, z2, 0.01), 'NT-Xent float32', 1e-4);
  near(scope(() => new NTXentLoss({ temperature: 0.01 }).forward(t(z1), t(z2)).item()), ntXentRef(z1, z2, 0.01), 'NT-Xent float64');
  const labels = [0, 0, 1, 1, 2, 2, 3, 3];
  near(scope(() => new SupConLoss({ temperature: 0.01 }).forward(t(z1), labels).item()), supConRef(z1, labels, 0.01), 'SupCon float64');
});
