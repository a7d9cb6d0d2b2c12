import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, tensor } from '../../src/index.js';
import { retrievalMetrics } from '../../src/eval/index.js';
import { clustered, gaussian, randomLabels, retrievalReference, split } from './reference.js';

function close(actual: object, expected: object, what: string, tol = 1e-12): void {
  const got = actual as Record<string, number>;
  const want = expected as Record<string, number>;
  for (const key of Object.keys(want)) {
    assert.ok(Math.abs(got[key]! - want[key]!) <= tol, `${what}: ${key} ${got[key]} vs ${want[key]}`);
  }
}

test('a hand-computed case: six points on a line, the query set is the reference set', () => {
  // Worked by hand (see the ranking of each point): P@1 = 4/6, R-precision = 2.5/6, MAP@R = 2.25/6.
  const x = [[0], [1], [2.5], [5.2], [10], [11]];
  const y = [0, 0, 1, 0, 1, 1];
  const got = retrievalMetrics(split(x, y), undefined, { normalize: false });
  close(got, { precisionAt1: 4 / 6, rPrecision: 2.5 / 6, mapAtR: 2.25 / 6, queries: 6 }, 'hand-made');
  close(retrievalReference(x, y, x, y, true, false), { precisionAt1: 4 / 6, rPrecision: 2.5 / 6, mapAtR: 2.25 / 6 }, 'the naive reference agrees');
});

test('retrievalMetrics equals the definitions (loops) on random data, query = reference and separate, in any chunking', () => {
  const x = gaussian(90, 8, 1);
  const y = randomLabels(90, 6, 2);
  const refX = gaussian(70, 8, 3);
  const refY = randomLabels(70, 6, 4);
  for (const normalize of [true, false]) {
    const selfWant = retrievalReference(x, y, x, y, true, normalize);
    const crossWant = retrievalReference(x, y, refX, refY, false, normalize);
    for (const [queryChunk, referenceChunk] of [[1000, 1000], [7, 11], [90, 3], [1, 90]]) {
      const o = { normalize, queryChunk, referenceChunk };
      close(retrievalMetrics(split(x, y), undefined, o), selfWant, `self normalize=${normalize} ${queryChunk}x${referenceChunk}`);
      close(retrievalMetrics(split(x, y), split(refX, refY), o), crossWant, `cross normalize=${normalize} ${queryChunk}x${referenceChunk}`);
    }
  }
});

test('refIncludesQuery with a reference that starts with the queries equals the self case', () => {
  const x = gaussian(40, 5, 5);
  const y = randomLabels(40, 4, 6);
  const extraX = gaussian(15, 5, 7);
  const extraY = randomLabels(15, 4, 8);
  const got = retrievalMetrics(split(x, y), split([...x, ...extraX], [...y, ...extraY]), { refIncludesQuery: true });
  close(got, retrievalReference(x, y, [...x, ...extraX], [...y, ...extraY], true, true), 'query rows first');
  // The same split object passed twice counts as "query is reference".
  const s = split(x, y);
  close(retrievalMetrics(s, s), retrievalReference(x, y, x, y, true, true), 'same object');
});

test('lone queries (a class with a single sample, a class absent from the reference) are left out', () => {
  const x = gaussian(12, 4, 9);
  const y = [0, 0, 0, 1, 1, 1, 2, 2, 3, 5, 5, 7]; // 3 and 7 have one sample each
  const got = retrievalMetrics(split(x, y));
  assert.equal(got.queries, 10);
  close(got, retrievalReference(x, y, x, y, true, true), 'singletons');
  const refY = [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]; // no 2, 3, 5 or 7 in the reference
  const cross = retrievalMetrics(split(x, y), split(gaussian(12, 4, 10), refY));
  assert.equal(cross.queries, 6);
  close(cross, retrievalReference(x, y, gaussian(12, 4, 10), refY, false, true), 'absent classes');
  assert.deepEqual(retrievalMetrics(split([[1, 0], [0, 1]], [0, 1])), { precisionAt1: 0, rPrecision: 0, mapAtR: 0, meanAveragePrecision: 0, meanReciprocalRank: 0, queries: 0 }, 'all lone: 0 (as PML)');
});

test('separable classes score 1.0; random labels score near chance; the blocks are freed', () => {
  const y = randomLabels(400, 10, 11);
  const data = split(clustered(y, 16, 5, 0.2, 12), y, 'float32');
  const before = memory();
  const sep = retrievalMetrics(data, undefined, { queryChunk: 64, referenceChunk: 100 });
  assert.deepEqual(memory(), before, 'memory().tensors is flat');
  assert.deepEqual(sep, { precisionAt1: 1, rPrecision: 1, mapAtR: 1, meanAveragePrecision: 1, meanReciprocalRank: 1, queries: 400 });
  const ry = randomLabels(1500, 10, 13);
  const rnd = retrievalMetrics(split(gaussian(1500, 16, 14), ry, 'float32'));
  assert.ok(rnd.precisionAt1 > 0.06 && rnd.precisionAt1 < 0.14, `P@1 ${rnd.precisionAt1} near 0.1`);
  assert.ok(rnd.rPrecision > 0.08 && rnd.rPrecision < 0.12, `R-precision ${rnd.rPrecision} near 0.1`);
  assert.ok(rnd.mapAtR > 0 && rnd.mapAtR < 0.05, `MAP@R ${rnd.mapAtR} near 0.1 * 0.1 / 2`);
});

test('retrievalMetrics rejects bad input with a message naming it', () => {
  const q = split(gaussian(4, 3, 15), [0, 1, 0, 1]);
  assert.throws(() => retrievalMetrics({ embeddings: q.embeddings, labels: tensor([0n, 1n]) }), /query\.labels has 2 entries for 4 embeddings/);
  assert.throws(() => retrievalMetrics(q, split(gaussian(4, 2, 16), [0, 1, 0, 1])), /query\.embeddings has 3 features but reference\.embeddings has 2/);
  assert.throws(() => retrievalMetrics(q, split(gaussian(2, 3, 17), [0, 1]), { refIncludesQuery: true }), /more queries \(4\) than references \(2\)/);
  assert.throws(() => retrievalMetrics(split([[Number.NaN, 1, 2]], [0])), /query\.embeddings holds NaN or infinite values/);
  assert.throws(() => retrievalMetrics(q, undefined, { normalize: 'yes' as never }), /normalize must be a boolean/);
  assert.throws(() => retrievalMetrics(q, undefined, { topK: 3 } as never), /unknown option 'topK'/);
});
