import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BarlowTwinsLoss } from '../../src/losses/index.js';
import { barlowTwinsRef, gaussian } from './reference.js';
import { assertGrad, near, t, value } from './util.js';

test('BarlowTwinsLoss matches the naive Zbontar et al. formula (joint standardisation) across sizes and lambdas', () => {
  let seed = 1000;
  for (const n of [2, 5, 16]) for (const d of [3, 8]) for (const lambda of [5e-3, 0.1, 1]) {
    const z1 = gaussian(n, d, seed++);
    const z2 = gaussian(n, d, seed++);
    near(value(() => new BarlowTwinsLoss({ lambdaParam: lambda }).forward(t(z1), t(z2))), barlowTwinsRef(z1, z2, lambda), `n=${n} d=${d} lambda=${lambda}`);
    near(value(() => new BarlowTwinsLoss({ lambdaParam: lambda }).forward(t(z1, 'float32'), t(z2, 'float32'))), barlowTwinsRef(z1, z2, lambda), `float32 n=${n} d=${d}`, 3e-5);
  }
});

test('BarlowTwinsLoss defaults to lambdaParam 5e-3', () => {
  assert.equal(new BarlowTwinsLoss().lambdaParam, 5e-3);
});

test('BarlowTwinsLoss gradients match finite differences', () => {
  assertGrad((a, b) => new BarlowTwinsLoss({ lambdaParam: 0.05 }).forward(a!, b!), [t(gaussian(6, 3, 1)), t(gaussian(6, 3, 2))], 'both');
});
