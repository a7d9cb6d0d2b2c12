import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VICRegLoss } from '../../src/losses/index.js';
import { gaussian, vicRegRef } from './reference.js';
import { assertGrad, near, t, value } from './util.js';

test('VICRegLoss matches the naive Bardes et al. formula across sizes and weights', () => {
  let seed = 1100;
  for (const n of [2, 5, 16]) for (const d of [2, 8]) for (const [lambda, mu, nu] of [[25, 25, 1], [1, 0.5, 3]] as const) {
    const scale = seed % 2 === 0 ? 0.3 : 2; // both sides of the variance hinge
    const z1 = gaussian(n, d, seed++).map((r) => r.map((v) => v * scale));
    const z2 = gaussian(n, d, seed++).map((r) => r.map((v) => v * scale));
    const loss = new VICRegLoss({ lambdaParam: lambda, muParam: mu, nuParam: nu });
    near(value(() => loss.forward(t(z1), t(z2))), vicRegRef(z1, z2, lambda, mu, nu), `n=${n} d=${d} ${lambda}/${mu}/${nu}`);
    near(value(() => loss.forward(t(z1, 'float32'), t(z2, 'float32'))), vicRegRef(z1, z2, lambda, mu, nu), `float32 n=${n} d=${d}`, 2e-5);
  }
});

test('VICRegLoss defaults: 25, 25, 1, eps 1e-4', () => {
  const l = new VICRegLoss();
  assert.deepEqual([l.lambdaParam, l.muParam, l.nuParam, l.eps], [25, 25, 1, 1e-4]);
});

test('VICRegLoss gradients match finite differences', () => {
  const z1 = gaussian(5, 3, 1).map((r) => r.map((v) => v * 0.5));
  const z2 = gaussian(5, 3, 2).map((r) => r.map((v) => v * 0.5));
  assertGrad((a, b) => new VICRegLoss().forward(a!, b!), [t(z1), t(z2)], 'both');
});
