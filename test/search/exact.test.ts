// Exact cosine search (in memory and over a file in row blocks) against a naive loop in float64,
// and recall@k against hand-counted cases.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { saveSafetensors } from '../../src/io/index.js';
import { memory, scope, tensor } from '../../src/index.js';
import { EmbeddingsFile, exactSearch, exactSearchFile, recallAtK, type Hit } from '../../src/search/index.js';
import { clustered, gaussian, randomLabels } from '../eval/reference.js';

const dir = mkdtempSync(join(tmpdir(), 'exact-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Cosine top-k by a double loop in float64 (ties: lower row first), leaving out `exclude[i]`. */
function naive(q: number[][], r: number[][], k: number, exclude: number[] = []): Hit[][] {
  const norm = (x: number[]): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
  return q.map((x, i) => r
    .map((y, j) => {
      const d = norm(x) * norm(y);
      return { row: j, score: d === 0 ? 0 : x.reduce((s, v, t) => s + v * y[t]!, 0) / d };
    })
    .filter((h) => h.row !== exclude[i])
    .sort((a, b) => b.score - a.score || a.row - b.row)
    .slice(0, k));
}

function assertHits(got: Hit[][], want: Hit[][], what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((g, i) => {
    assert.deepEqual(g.map((h) => h.row), want[i]!.map((h) => h.row), `${what}: query ${i}`);
    g.forEach((h, j) => assert.ok(Math.abs(h.score - want[i]![j]!.score) < 1e-5, `${what}: query ${i} score ${h.score} vs ${want[i]![j]!.score}`));
  });
}

const toHits = (scores: number[][], indices: number[][]): Hit[][] => indices.map((row, i) => row.map((r, j) => ({ row: r, score: scores[i]![j]! })));

test('exactSearch equals the naive loop, with and without the self-match', () => {
  const r = gaussian(90, 7, 11);
  r[40] = r[40]!.map(() => 0); // a zero row: similarity 0 to every query
  const q = r.slice(0, 30);
  const before = memory();
  for (const k of [1, 4, 89]) for (const excludeSelf of [false, true]) {
    const got = scope(() => {
      const { scores, indices } = exactSearch(tensor(q, { dtype: 'float32' }), tensor(r, { dtype: 'float32' }), { k, excludeSelf });
      assert.deepEqual(indices.shape, [30, k]);
      assert.equal(indices.dtype, 'int64');
      return toHits(scores.toArray() as number[][], indices.toArray() as number[][]);
    });
    assertHits(got, naive(q, r, k, excludeSelf ? q.map((_, i) => i) : []), `k=${k} excludeSelf=${excludeSelf}`);
  }
  assert.deepEqual(memory(), before);
  scope(() => {
    const x = tensor(r, { dtype: 'float32' });
    assert.throws(() => exactSearch(x, x, { k: 0 }), /k must be an integer from 1 to 90/);
    assert.throws(() => exactSearch(x, x, { k: 91 }), /k must be an integer from 1 to 90/);
    assert.throws(() => exactSearch(x, x, { k: 90, excludeSelf: true }), /from 1 to 89 \(the references hold 90 rows, less the query itself\)/);
    assert.throws(() => exactSearch(tensor([[1, 2, 3]]), x, { k: 1 }), /3 features but references has 7/);
  });
});

test('exactSearchFile over row blocks equals the naive loop, leaving out each query\'s own row', async () => {
  const labels = randomLabels(250, 5, 3);
  const r = clustered(labels, 12, 2, 1, 5);
  const path = join(dir, 'emb.safetensors');
  scope(() => saveSafetensors(path, { embeddings: tensor(r, { dtype: 'float32' }) }));
  const file = await EmbeddingsFile.open(path);
  assert.equal(file.ids, null);
  const q = [r[0]!, r[17]!, r[249]!, gaussian(1, 12, 9)[0]!];
  const exclude = Int32Array.from([0, 17, 249, -1]);
  const before = memory();
  for (const blockRows of [1, 7, 64, 250, 1000]) for (const k of [1, 10, 249]) {
    const queries = tensor(q, { dtype: 'float32' });
    const got = await exactSearchFile(queries, file, { k, exclude, blockRows });
    queries.dispose();
    assertHits(got, naive(q, r, k, [...exclude]), `blockRows=${blockRows} k=${k}`);
  }
  const queries = tensor(q, { dtype: 'float32' });
  const all = await exactSearchFile(queries, file, { k: 250 }); // no exclusion: every row, the query itself first
  assert.deepEqual(all.slice(0, 3).map((h) => h[0]!.row), [0, 17, 249]);
  assert.ok(all.slice(0, 3).every((h) => Math.abs(h[0]!.score - 1) < 1e-6));
  await assert.rejects(exactSearchFile(queries, file, { k: 250, exclude }), /k must be an integer from 1 to 249/);
  await assert.rejects(exactSearchFile(queries, file, { k: 0 }), /k must be an integer from 1 to 250/);
  queries.dispose();
  const wrong = tensor([[1, 2, 3]], { dtype: 'float32' });
  await assert.rejects(exactSearchFile(wrong, file, { k: 1 }), /queries must be \(Nq, 12\) to match .*emb\.safetensors, got \[1, 3\]/);
  wrong.dispose();
  assert.deepEqual(memory(), before);
  await file.close();
});

test('recallAtK counts the exact neighbours the approximate search found', () => {
  const h = (...rows: number[]): Hit[] => rows.map((row) => ({ row, score: 0 }));
  assert.equal(recallAtK([h(1, 2, 3)], [h(1, 2, 3)], 3), 1);
  assert.equal(recallAtK([h(3, 2, 1)], [h(1, 2, 3)], 3), 1, 'order within the top k does not matter');
  assert.equal(recallAtK([h(1, 9, 8), h(4, 5, 6)], [h(1, 2, 3), h(6, 5, 4)], 3), (1 / 3 + 1) / 2);
  assert.equal(recallAtK([h(2, 1)], [h(1, 2, 3)], 2), 1, 'only the first k of each list count');
  assert.equal(recallAtK([h(3)], [h(1, 2, 3)], 2), 0);
  assert.throws(() => recallAtK([h(1)], [], 1), /1 approximate result lists for 0 exact ones/);
  assert.throws(() => recallAtK([h(1)], [h(1)], 0), /k must be a positive integer/);
});
