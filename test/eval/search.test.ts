import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, scope, tensor } from '../../src/index.js';
import { cosineTopK, nearestNeighbours, unitRows } from '../../src/eval/index.js';
import { dot, gaussian, squaredDistance } from './reference.js';

/** Neighbours by brute force: every pair, sorted (ties: lower index). */
function bruteForce(q: number[][], r: number[][], k: number, metric: 'dot' | 'euclidean', excludeSelf: boolean) {
  return q.map((x, i) => {
    const cands = r.map((y, j) => ({ v: metric === 'dot' ? dot(x, y) : squaredDistance(x, y), j })).filter(({ j }) => !(excludeSelf && j === i));
    cands.sort((a, b) => (metric === 'dot' ? b.v - a.v : a.v - b.v) || a.j - b.j);
    return cands.slice(0, k);
  });
}

function search(q: number[][], r: number[][], o: Parameters<typeof nearestNeighbours>[2], dtype: 'float32' | 'float64' = 'float64') {
  return scope(() => {
    const { values, indices } = nearestNeighbours(tensor(q, { dtype }), tensor(r, { dtype }), o);
    return { values: values.toArray() as number[][], indices: indices.toArray() as number[][] };
  });
}

test('nearestNeighbours equals brute force for both metrics, with and without the self-match, in any chunking', () => {
  const r = gaussian(57, 6, 1);
  const q = r.slice(0, 23);
  for (const metric of ['dot', 'euclidean'] as const) for (const excludeSelf of [false, true]) for (const k of [1, 5, 56, 57, 300]) {
    const want = bruteForce(q, r, k, metric, excludeSelf);
    // Blocks of queryChunk x referenceChunk scores smaller than one row (57) cut the references
    // and merge running top-k lists; larger ones take whole rows: both paths are covered here.
    for (const [queryChunk, referenceChunk] of [[1, 1], [4, 9], [2, 8], [5, 40], [23, 57], [1000, 1000]]) {
      const got = search(q, r, { k, metric, excludeSelf, queryChunk, referenceChunk });
      const what = `${metric} excludeSelf=${excludeSelf} k=${k} chunks ${queryChunk}x${referenceChunk}`;
      assert.deepEqual(got.indices, want.map((row) => row.map((c) => c.j)), what);
      got.values.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - want[i]![j]!.v) < 1e-9, `${what}: value ${v} vs ${want[i]![j]!.v}`)));
    }
  }
});

test('nearestNeighbours in float32 finds the float64 neighbours, and frees its blocks', () => {
  const r = gaussian(600, 32, 2);
  const q = gaussian(130, 32, 3);
  const want = search(q, r, { k: 10 });
  const before = memory();
  const got = search(q, r, { k: 10, queryChunk: 50, referenceChunk: 128 }, 'float32');
  assert.deepEqual(got.indices, want.indices);
  got.values.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - want.values[i]![j]!) < 1e-4, `${v} vs ${want.values[i]![j]}`)));
  assert.deepEqual(memory(), before);
});

test('cosineTopK is the top-k of cosine similarities (brute force), whatever the rows\' norms', () => {
  const r = gaussian(90, 8, 4).map((row, i) => row.map((v) => v * (1 + i))); // rows of many norms: cosine, not dot
  const q = r.slice(0, 12);
  const unit = (x: number[]): number[] => x.map((v) => v / Math.hypot(...x));
  const want = bruteForce(q.map(unit), r.map(unit), 5, 'dot', true);
  const before = memory().tensors;
  const got = scope(() => {
    const nb = cosineTopK(tensor(q), tensor(r), { k: 5, excludeSelf: true, queryChunk: 5, referenceChunk: 16 });
    return { values: nb.values.toArray() as number[][], indices: nb.indices.toArray() as number[][] };
  });
  assert.equal(memory().tensors, before);
  assert.deepEqual(got.indices, want.map((row) => row.map((c) => c.j)));
  got.values.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - want[i]![j]!.v) < 1e-5)));
  scope(() => {
    assert.equal(unitRows(tensor([[3, 4]], { dtype: 'float64' })).dtype, 'float64');
    assert.deepEqual(unitRows(tensor([[3, 4]])).toArray(), [[0.6000000238418579, 0.800000011920929]]);
  });
});

test('a single reference with the self-match excluded leaves no neighbour', () => {
  const got = search([[1, 2]], [[1, 2]], { k: 3, excludeSelf: true });
  assert.deepEqual(got.indices, [[]]);
});

test('nearestNeighbours rejects bad input', () => {
  const f = { dtype: 'float32' } as const;
  const x = tensor([[1, 2], [3, 4]], f);
  assert.throws(() => nearestNeighbours(tensor([[1n, 2n]]), x, { k: 1 }), /queries must be floating point, got int64/);
  assert.throws(() => nearestNeighbours(x, tensor([[1, 2, 3]], f), { k: 1 }), /queries has 2 features but references has 3/);
  assert.throws(() => nearestNeighbours(x, x, { k: 0 }), /k must be an integer >= 1/);
  assert.throws(() => nearestNeighbours(x, x, { k: 1, metric: 'cosine' as never }), /metric must be 'dot' or 'euclidean'/);
  assert.throws(() => nearestNeighbours(x, tensor([[1, 2]], f), { k: 1, excludeSelf: true }), /more queries \(2\) than references \(1\)/);
  assert.throws(() => nearestNeighbours(tensor([1, 2], f), x, { k: 1 }), /queries must be 2-d/);
});
