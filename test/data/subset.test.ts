// Dataset views: evenly spaced picks, subsets and ranges that re-index their items from 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evenlySpaced, evenSubset, subset, subsetRange, TensorDataset } from '../../src/data/index.js';

/** n items (1) whose value is their index, labelled index mod 3. */
const numbered = (n: number): TensorDataset => new TensorDataset(Float32Array.from({ length: n }, (_, i) => i), {
  shape: [n, 1], labels: Int32Array.from({ length: n }, (_, i) => i % 3),
});

test('evenlySpaced picks floor(i * length / n), all items when n covers them, none for n 0', () => {
  assert.deepEqual(Array.from(evenlySpaced(10, 4)), [0, 2, 5, 7]);
  assert.deepEqual(Array.from(evenlySpaced(3, 5)), [0, 1, 2]);
  assert.deepEqual(Array.from(evenlySpaced(3, 0)), []);
  assert.throws(() => evenlySpaced(3, -1), /evenlySpaced: n must be a non-negative integer, got -1/);
});

test('subset, subsetRange and evenSubset read the right items, with their labels, reporting positions in the view', async () => {
  const ds = numbered(10);
  const s = subset(ds, Int32Array.from([7, 2, 9]));
  assert.equal(s.length, 3);
  assert.deepEqual(Array.from(s.labels!), [1, 2, 0]);
  const raw = await s.read(Int32Array.from([2, 0]));
  assert.deepEqual(Array.from(raw.data), [9, 7]);
  assert.deepEqual(Array.from(raw.indices), [2, 0]);
  const r = subsetRange(ds, 4, 3);
  assert.deepEqual(Array.from((await r.read(Int32Array.from([0, 1, 2]))).data), [4, 5, 6]);
  assert.equal(evenSubset(ds, 0), ds, 'a limit of 0 is none');
  assert.equal(evenSubset(ds, 20), ds);
  assert.deepEqual(Array.from((await evenSubset(ds, 4).read(Int32Array.from([0, 1, 2, 3]))).data), [0, 2, 5, 7]);
  assert.throws(() => subset(ds, Int32Array.from([3, 3])), /subset: index 3 is given twice/);
  assert.throws(() => subset(ds, Int32Array.from([10])), /subset: index 10 is out of range for 10 items/);
  assert.throws(() => subsetRange(ds, 8, 3), /subsetRange: \[8, 11\) is out of range for 10 items/);
});
