import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scope } from '../../src/index.js';
import { CosineSimilarity, DotProductSimilarity, LpDistance } from '../../src/losses/index.js';
import { dot, euclidean, gaussian, normalizeRows } from './reference.js';
import { assertGrad, t } from './util.js';
import { assertClose } from '../helpers.js';

const x = gaussian(5, 4, 1);
const y = gaussian(3, 4, 2);
const pnorm = (r: number[], p: number): number => r.reduce((s, v) => s + Math.abs(v) ** p, 0) ** (1 / p);

test('LpDistance: normalised L_p distances, optional normalisation and power; larger is farther', () => {
  const d = new LpDistance();
  assert.equal(d.isInverted, false);
  const xn = normalizeRows(x);
  const yn = normalizeRows(y);
  scope(() => {
    assertClose(d.forward(t(x), t(y)), xn.map((a) => yn.map((b) => euclidean(a, b))));
    assertClose(d.forward(t(x)), xn.map((a) => xn.map((b) => euclidean(a, b))));
    assertClose(new LpDistance({ normalizeEmbeddings: false }).forward(t(x), t(y)), x.map((a) => y.map((b) => euclidean(a, b))));
    assertClose(new LpDistance({ power: 2 }).forward(t(x), t(y)), xn.map((a) => yn.map((b) => euclidean(a, b) ** 2)));
    const l1x = x.map((r) => r.map((v) => v / pnorm(r, 1)));
    const l1y = y.map((r) => r.map((v) => v / pnorm(r, 1)));
    assertClose(new LpDistance({ p: 1 }).forward(t(x), t(y)), l1x.map((a) => l1y.map((b) => pnorm(a.map((v, i) => v - b[i]!), 1))));
    assertClose(d.pairwiseDistance(t(x.slice(0, 3)), t(y)), [0, 1, 2].map((i) => pnorm(xn[i]!.map((v, k) => v - yn[i]![k]! + 1e-6), 2)));
  });
});

test('CosineSimilarity and DotProductSimilarity: larger is closer', () => {
  const xn = normalizeRows(x);
  const yn = normalizeRows(y);
  const cos = new CosineSimilarity();
  assert.equal(cos.isInverted, true);
  scope(() => {
    assertClose(cos.forward(t(x), t(y)), xn.map((a) => yn.map((b) => dot(a, b))));
    assertClose(new DotProductSimilarity().forward(t(x), t(y)), xn.map((a) => yn.map((b) => dot(a, b))));
    assertClose(new DotProductSimilarity({ normalizeEmbeddings: false }).forward(t(x), t(y)), x.map((a) => y.map((b) => dot(a, b))));
    assertClose(cos.pairwiseDistance(t(x.slice(0, 3)), t(y)), [0, 1, 2].map((i) => dot(xn[i]!, yn[i]!)));
  });
  assert.throws(() => new CosineSimilarity({ normalizeEmbeddings: false }), /normalizeEmbeddings must be true/);
});

test('margin and smallestDist follow the direction of the distance', () => {
  scope(() => {
    const a = t([[0.2, 0.9]]);
    const b = t([[0.5, 0.1]]);
    assertClose(new LpDistance().margin(a, b), [[-0.3, 0.8]]);
    assertClose(new CosineSimilarity().margin(a, b), [[0.3, -0.8]]);
    assertClose(new LpDistance().margin(1, a), [[0.8, 0.1]]);
    assertClose(new LpDistance().smallestDist(a, b), [[0.2, 0.1]]);
    assertClose(new CosineSimilarity().smallestDist(a, b), [[0.5, 0.9]]);
  });
});

test('distance gradients match finite differences', () => {
  for (const d of [new LpDistance(), new LpDistance({ p: 3, power: 2 }), new CosineSimilarity(), new DotProductSimilarity({ normalizeEmbeddings: false })]) {
    assertGrad((a, b) => d.forward(a!, b!), [t(x), t(y)], d.constructor.name);
  }
});

test('distances reject bad shapes and options', () => {
  scope(() => {
    assert.throws(() => new LpDistance().forward(t(x), t([[1, 2]])), /query has 4 features, ref has 2/);
    assert.throws(() => new LpDistance().forward(t([[[1]]] as unknown as number[][])), /must be 2-d/);
  });
  assert.throws(() => new LpDistance({ p: 0 }), /p must be > 0/);
  assert.throws(() => new LpDistance({ pp: 2 } as never), /unknown option 'pp'/);
});
