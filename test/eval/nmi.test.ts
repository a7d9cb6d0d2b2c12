import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scope, tensor } from '../../src/index.js';
import { normalizedMutualInfo } from '../../src/eval/index.js';
import { nmiReference, randomLabels } from './reference.js';

test('NMI equals 2 I / (H(U) + H(V)) computed from entropies, on random labellings', () => {
  for (let seed = 0; seed < 20; seed++) {
    const n = 5 + seed * 7;
    const u = randomLabels(n, 2 + (seed % 5), 100 + seed);
    const v = randomLabels(n, 1 + (seed % 7), 200 + seed).map((x, i) => (seed % 3 === 0 ? u[i]! : x));
    const got = normalizedMutualInfo(u, v);
    const want = nmiReference(u, v);
    assert.ok(Math.abs(got - want) < 1e-12, `seed ${seed}: ${got} vs ${want}`);
  }
});

test('NMI on scikit-learn\'s documented examples and a hand-computed one', () => {
  assert.ok(Math.abs(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 1, 1]) - 1) < 1e-12);
  assert.ok(Math.abs(normalizedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0]) - 1) < 1e-12);
  assert.equal(normalizedMutualInfo([0, 0, 0, 0], [0, 1, 2, 3]), 0);
  // U = [0 0 1 1], V = [0 0 0 1]: H(U) = ln 2, H(V) = -(3/4 ln 3/4 + 1/4 ln 1/4),
  // I = sum n_ij/N ln(N n_ij / (a_i b_j)) = 1/2 ln(4*2/(2*3)) + 1/4 ln(4/(2*3)) + 1/4 ln(4/(2*1)).
  const hu = Math.log(2);
  const hv = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
  const mi = 0.5 * Math.log(8 / 6) + 0.25 * Math.log(4 / 6) + 0.25 * Math.log(2);
  assert.ok(Math.abs(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 0, 1]) - mi / ((hu + hv) / 2)) < 1e-15);
});

test('NMI is symmetric, ignores how labels are numbered, and takes int64 tensors', () => {
  const u = randomLabels(60, 4, 1);
  const v = randomLabels(60, 5, 2);
  const a = normalizedMutualInfo(u, v);
  assert.ok(Math.abs(a - normalizedMutualInfo(v, u)) < 1e-15);
  assert.ok(Math.abs(a - normalizedMutualInfo(u.map((x) => 100 - 7 * x), v.map((x) => x * x + 3))) < 1e-15);
  assert.equal(scope(() => normalizedMutualInfo(tensor(u, { dtype: 'int64' }), tensor(v, { dtype: 'int32' }))), a);
});

test('NMI special cases as scikit-learn: one class on both sides is 1, independent labellings 0', () => {
  assert.equal(normalizedMutualInfo([3, 3, 3], [7, 7, 7]), 1);
  assert.equal(normalizedMutualInfo([5], [2]), 1);
  assert.equal(normalizedMutualInfo([1, 1, 1, 1], [0, 0, 1, 1]), 0);
  assert.equal(normalizedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1]), 0);
});

test('normalizedMutualInfo rejects bad input', () => {
  assert.throws(() => normalizedMutualInfo([0, 1], [0]), /labelsTrue has 2 entries but labelsPred has 1/);
  assert.throws(() => normalizedMutualInfo([], []), /the labellings are empty/);
  assert.throws(() => normalizedMutualInfo([0.5, 1], [0, 1]), /labelsTrue must be an integer Tensor or an array of integers/);
  assert.throws(() => scope(() => normalizedMutualInfo(tensor([0.5, 1]), [0, 1])), /labelsTrue must hold integers, got float32/);
  assert.throws(() => scope(() => normalizedMutualInfo(tensor([[0, 1]]), [0, 1])), /labelsTrue must be 1-d/);
});
