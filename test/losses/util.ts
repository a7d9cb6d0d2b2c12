// Helpers for the loss tests.
import assert from 'node:assert/strict';
import { gradcheck, scope, type Tensor, tensor } from '../../src/index.js';

/** Label layouts: balanced pairs, interleaved classes, imbalanced with singletons. */
export const LAYOUTS: Record<string, (n: number) => number[]> = {
  balanced: (n) => Array.from({ length: n }, (_, i) => Math.floor(i / 2)),
  interleaved: (n) => Array.from({ length: n }, (_, i) => i % 3),
  singletons: (n) => Array.from({ length: n }, (_, i) => (i < n - 2 ? i % 2 : 10 + i)),
};

/** A float64 (or float32) tensor from a number matrix. */
export function t(m: number[][], dtype: 'float64' | 'float32' = 'float64'): Tensor {
  return tensor(m, { dtype });
}

/** Runs `f` in a scope and returns the scalar it computes. */
export function value(f: () => Tensor): number {
  return scope(() => f().item());
}

/** |actual - expected| <= tol * (1 + |expected|). */
export function near(actual: number, expected: number, what: string, tol = 1e-5): void {
  assert.ok(Number.isFinite(actual), `${what}: got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= tol * (1 + Math.abs(expected)), `${what}: ${actual} != ${expected} (reference)`);
}

/** Asserts autograd matches central finite differences (float64). */
export function assertGrad(fn: (...x: Tensor[]) => Tensor, inputs: Tensor[], what: string): void {
  const r = gradcheck(fn, inputs, { atol: 1e-5, rtol: 1e-4 });
  assert.ok(r.ok, `${what}: gradcheck failed, max abs error ${r.maxAbsError}, max rel error ${r.maxRelError}`);
}

/** Index tuple tensors as sorted lists of tuples, for set comparison. */
export function tuples(tuple: readonly Tensor[], group: 2 | 3 = tuple.length === 3 ? 3 : 2): number[][][] {
  const cols = tuple.map((x) => Array.from(x.data() as BigInt64Array, Number));
  const sets: number[][][] = [];
  for (let s = 0; s < cols.length; s += group) {
    const rows = cols[s]!.map((_, k) => cols.slice(s, s + group).map((c) => c[k]!));
    sets.push(rows.sort((a, b) => a.join(',').localeCompare(b.join(','))));
  }
  return sets;
}

export function sortTuples(x: number[][]): number[][] {
  return [...x].sort((a, b) => a.join(',').localeCompare(b.join(',')));
}
