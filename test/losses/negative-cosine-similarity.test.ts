import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NegativeCosineSimilarity } from '../../src/losses/index.js';
import { gaussian, negCosRef } from './reference.js';
import { assertGrad, near, t, value } from './util.js';

test('NegativeCosineSimilarity matches -mean cos across batch sizes and dims', () => {
  let seed = 900;
  for (const n of [1, 3, 10]) for (const d of [2, 16]) {
    const a = gaussian(n, d, seed++);
    const b = gaussian(n, d, seed++);
    near(value(() => new NegativeCosineSimilarity().forward(t(a), t(b))), negCosRef(a, b), `n=${n} d=${d}`);
    near(value(() => new NegativeCosineSimilarity().forward(t(a, 'float32'), t(b, 'float32'))), negCosRef(a, b), `float32 n=${n} d=${d}`);
    // dim 0 compares columns.
    const tr = (m: number[][]): number[][] => m[0]!.map((_, j) => m.map((r) => r[j]!));
    near(value(() => new NegativeCosineSimilarity({ dim: 0 }).forward(t(a), t(b))), negCosRef(tr(a), tr(b)), `dim 0 n=${n} d=${d}`);
  }
});

test('NegativeCosineSimilarity defaults: dim 1, eps 1e-8; identical inputs give -1', () => {
  const l = new NegativeCosineSimilarity();
  assert.deepEqual([l.dim, l.eps], [1, 1e-8]);
  const a = gaussian(4, 5, 1);
  near(value(() => l.forward(t(a), t(a))), -1, 'identical');
});

test('NegativeCosineSimilarity gradients match finite differences', () => {
  assertGrad((x, y) => new NegativeCosineSimilarity().forward(x!, y!), [t(gaussian(4, 3, 2)), t(gaussian(4, 3, 3))], 'both');
});
