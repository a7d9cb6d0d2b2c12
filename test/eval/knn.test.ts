import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, randn, scope, tensor } from '../../src/index.js';
import { knnClassScores, weightedKnn } from '../../src/eval/index.js';
import { flat, runTorch } from '../helpers.js';
import { clustered, gaussian, knnAccuracy, knnRanking, normalizeRow, randomLabels, split } from './reference.js';

test('weightedKnn equals the naive weighted vote (loops) for several k and T, k > N included', () => {
  const train = gaussian(40, 6, 1);
  const trainY = randomLabels(40, 4, 2);
  const test_ = gaussian(25, 6, 3);
  const testY = randomLabels(25, 4, 4);
  for (const k of [1, 3, 5, 17, 40, 200]) for (const temperature of [0.05, 0.1, 0.5]) {
    const got = weightedKnn(split(train, trainY), split(test_, testY), { k, temperature });
    const want = knnAccuracy(train, trainY, test_, testY, k, temperature);
    assert.deepEqual(got, want, `k=${k} T=${temperature}`);
  }
});

test('knnClassScores ranks classes as the naive vote and its scores are exp(s/T) sums up to one factor per query', () => {
  const train = gaussian(30, 5, 11);
  const trainY = randomLabels(30, 3, 12);
  const queries = gaussian(8, 5, 13);
  const scores = scope(() => knnClassScores(tensor(queries, { dtype: 'float64' }), tensor(train, { dtype: 'float64' }), tensor(trainY, { dtype: 'int64' }), { k: 7, temperature: 0.2 }).toArray()) as number[][];
  queries.forEach((q, i) => {
    const ref = knnRanking(train, trainY, q, 7, 0.2, 3).scores;
    const ratio = ref.map((r, c) => (r === 0 ? 0 : scores[i]![c]! / r)).filter((x) => x !== 0);
    for (const x of ratio) assert.ok(Math.abs(x / ratio[0]! - 1) < 1e-12, `query ${i}: scores not proportional ${ratio}`);
    scores[i]!.forEach((s, c) => assert.equal(s === 0, ref[c] === 0, `query ${i} class ${c} has votes iff the reference has`));
  });
});

test('knnClassScores agrees with PyTorch running lightly\'s knn_predict formula', () => {
  const train = gaussian(120, 16, 21);
  const trainY = randomLabels(120, 10, 22);
  const queries = gaussian(50, 16, 23);
  const ref = runTorch<{ scores: number[][]; top: number[] }>(`
import json, sys, torch
import torch.nn.functional as F
d = json.load(sys.stdin)
bank = F.normalize(torch.tensor(d['train'], dtype=torch.float64), dim=1).t()   # (D, N) as lightly takes it
labels = torch.tensor(d['labels'])
q = F.normalize(torch.tensor(d['queries'], dtype=torch.float64), dim=1)
sim = q @ bank
w, idx = sim.topk(k=d['k'], dim=-1)
nl = torch.gather(labels.expand(q.size(0), -1), dim=-1, index=idx)
w = (w / d['T']).exp()
one_hot = torch.zeros(q.size(0) * d['k'], d['C'], dtype=torch.float64).scatter(-1, nl.view(-1, 1), 1.0)
scores = (one_hot.view(q.size(0), -1, d['C']) * w.unsqueeze(-1)).sum(dim=1)
print(json.dumps({'scores': scores.tolist(), 'top': scores.argsort(dim=-1, descending=True)[:, 0].tolist()}))
`, { train, labels: trainY, queries, k: 20, T: 0.1, C: 10 });
  const got = scope(() => knnClassScores(tensor(queries, { dtype: 'float64' }), tensor(train, { dtype: 'float64' }), tensor(trainY, { dtype: 'int64' }), { k: 20, temperature: 0.1, numClasses: 10 }).toArray()) as number[][];
  got.forEach((row, i) => {
    const s = ref.scores[i]!;
    const total = s.reduce((a, b) => a + b, 0);
    const mine = row.reduce((a, b) => a + b, 0);
    row.forEach((v, c) => assert.ok(Math.abs(v / mine - s[c]! / total) < 1e-10, `query ${i} class ${c}: ${v / mine} vs ${s[c]! / total}`));
    assert.equal(row.indexOf(Math.max(...row)), ref.top[i], `query ${i} top-1 class`);
  });
});

test('batched search equals the unbatched computation and leaves no tensors behind', () => {
  const train = split(gaussian(700, 16, 31), randomLabels(700, 10, 32), 'float32');
  const test_ = split(gaussian(300, 16, 33), randomLabels(300, 10, 34), 'float32');
  const before = memory();
  // k <= referenceChunk / 8 merges running top-k lists over reference chunks; larger k takes whole rows.
  for (const [k, queryChunk, referenceChunk] of [[1, 7, 13], [5, 64, 50], [20, 33, 160], [5, 1, 700], [200, 300, 199], [200, 7, 13]] as const) {
    const whole = scope(() => knnClassScores(test_.embeddings, train.embeddings, train.labels, { k, queryChunk: 100000, referenceChunk: 100000 }).toArray());
    const chunked = scope(() => knnClassScores(test_.embeddings, train.embeddings, train.labels, { k, queryChunk, referenceChunk }).toArray());
    const a = flat(chunked);
    const b = flat(whole);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-5 * (1 + Math.abs(b[i]!)), `k=${k} chunks ${queryChunk}x${referenceChunk} entry ${i}: ${v} vs ${b[i]}`));
    assert.deepEqual(
      weightedKnn(train, test_, { k, queryChunk, referenceChunk }),
      weightedKnn(train, test_, { k, queryChunk: 100000, referenceChunk: 100000 }),
    );
  }
  assert.deepEqual(memory(), before, 'memory().tensors is flat after batched kNN');
});

test('equal class scores rank by ascending class index', () => {
  // Two train rows on the query's direction, labels 2 and 1: equal votes for classes 1 and 2.
  const train = [[1, 0], [2, 0], [0, 1]];
  const trainY = [2, 1, 0];
  const query = [[3, 0]];
  const scores = scope(() => knnClassScores(tensor(query, { dtype: 'float64' }), tensor(train, { dtype: 'float64' }), tensor(trainY, { dtype: 'int64' }), { k: 2 }).toArray()) as number[][];
  assert.equal(scores[0]![1], scores[0]![2], 'tied scores');
  assert.deepEqual(weightedKnn(split(train, trainY), split(query, [1]), { k: 2 }), { top1: 1, top5: 1 });
  assert.deepEqual(weightedKnn(split(train, trainY), split(query, [2]), { k: 2 }), { top1: 0, top5: 1 });
  assert.deepEqual(knnAccuracy(train, trainY, query, [2], 2, 0.1), { top1: 0, top5: 1 });
});

test('a class with a single sample wins with k = 1 and loses to a crowd with large k, as the vote says', () => {
  const train = [[1, 0.01], [0.9, 0.3], [0.9, -0.3], [0.8, 0.45], [0.8, -0.45]];
  const trainY = [0, 1, 1, 1, 1];
  const query = [[1, 0]];
  assert.deepEqual(weightedKnn(split(train, trainY), split(query, [0]), { k: 1 }), { top1: 1, top5: 1 });
  const all = weightedKnn(split(train, trainY), split(query, [0]), { k: 5, temperature: 1 });
  assert.deepEqual(all, knnAccuracy(train, trainY, query, [0], 5, 1));
  assert.equal(all.top1, 0, 'four neighbours of class 1 outvote one of class 0 at T = 1');
});

test('k larger than the bank uses every train sample (solo-learn\'s min(k, N))', () => {
  const train = gaussian(6, 3, 41);
  const trainY = [0, 1, 2, 0, 1, 2];
  const queries = gaussian(10, 3, 42);
  const s6 = scope(() => knnClassScores(tensor(queries), tensor(train), tensor(trainY, { dtype: 'int64' }), { k: 6 }).toArray());
  const s1000 = scope(() => knnClassScores(tensor(queries), tensor(train), tensor(trainY, { dtype: 'int64' }), { k: 1000 }).toArray());
  assert.deepEqual(s1000, s6);
});

test('top-5 counts the first min(5, k, C) classes: with 3 classes and k >= 3 it is 1', () => {
  const train = gaussian(20, 4, 51);
  const trainY = randomLabels(20, 3, 52);
  const test_ = gaussian(15, 4, 53);
  const testY = randomLabels(15, 3, 54);
  const got = weightedKnn(split(train, trainY), split(test_, testY), { k: 10 });
  assert.equal(got.top5, 1);
  assert.deepEqual(got, knnAccuracy(train, trainY, test_, testY, 10, 0.1));
  const k2 = weightedKnn(split(train, trainY), split(test_, testY), { k: 2 });
  assert.deepEqual(k2, knnAccuracy(train, trainY, test_, testY, 2, 0.1), 'k = 2: top-5 looks at 2 classes');
});

test('separable classes score 1.0; random labels score near chance', () => {
  const trainY = randomLabels(500, 10, 61);
  const testY = randomLabels(200, 10, 62);
  const sep = weightedKnn(split(clustered(trainY, 16, 5, 0.2, 63), trainY), split(clustered(testY, 16, 5, 0.2, 64), testY));
  assert.deepEqual(sep, { top1: 1, top5: 1 });
  const rnd = weightedKnn(split(gaussian(2000, 16, 65), randomLabels(2000, 10, 66), 'float32'), split(gaussian(1000, 16, 67), randomLabels(1000, 10, 68), 'float32'));
  assert.ok(rnd.top1 > 0.05 && rnd.top1 < 0.15, `random top-1 ${rnd.top1} should be near 0.1`);
  assert.ok(rnd.top5 > 0.42 && rnd.top5 < 0.58, `random top-5 ${rnd.top5} should be near 0.5`);
});

test('the kNN accuracy does not depend on the scale of the embeddings (cosine on normalised rows)', () => {
  const train = gaussian(60, 5, 71);
  const trainY = randomLabels(60, 4, 72);
  const test_ = gaussian(30, 5, 73);
  const testY = randomLabels(30, 4, 74);
  const scaled = (m: number[][]) => m.map((r, i) => r.map((v) => v * (1 + i)));
  assert.deepEqual(weightedKnn(split(scaled(train), trainY), split(scaled(test_), testY)), weightedKnn(split(train, trainY), split(test_, testY)));
  assert.deepEqual(normalizeRow([3, 4]), [0.6, 0.8]);
});

test('weightedKnn rejects bad input with a message naming it', () => {
  const ok = split(gaussian(5, 3, 81), [0, 1, 0, 1, 2]);
  const rows = (n: number) => split(gaussian(n, 3, 82), randomLabels(n, 2, 83));
  assert.throws(() => weightedKnn(ok, { embeddings: ok.embeddings, labels: tensor([0n, 1n, 0n]) }), /test\.labels has 3 entries for 5 embeddings/);
  assert.throws(() => weightedKnn({ embeddings: randn([0, 3]), labels: tensor([], { dtype: 'int64' }) }, ok), /train\.embeddings needs at least 1 row/);
  assert.throws(() => weightedKnn(ok, { embeddings: tensor([[0, Number.NaN, 1]]), labels: tensor([0n]) }), /test\.embeddings holds NaN or infinite values/);
  assert.throws(() => weightedKnn(ok, { embeddings: tensor([[0, Infinity, 1]]), labels: tensor([0n]) }), /NaN or infinite/);
  assert.throws(() => weightedKnn(ok, split(gaussian(2, 4, 84), [0, 1])), /train\.embeddings has 3 features but test\.embeddings has 4/);
  assert.throws(() => weightedKnn(ok, { embeddings: ok.embeddings, labels: tensor([0, 1, 0, 1, 0.5]) }), /test\.labels must hold integers/);
  assert.throws(() => weightedKnn(ok, split(gaussian(2, 3, 85), [0, -1])), /labels must be >= 0/);
  assert.throws(() => weightedKnn(ok, rows(4), { k: 0 }), /k must be an integer >= 1/);
  assert.throws(() => weightedKnn(ok, rows(4), { temperature: 0 }), /temperature must be a finite number > 0/);
  assert.throws(() => weightedKnn(ok, rows(4), { numClasses: 2 }), /label 2 is out of range for numClasses 2/);
  assert.throws(() => weightedKnn(ok, rows(4), { queryChunk: 0 }), /queryChunk must be an integer >= 1/);
  assert.throws(() => weightedKnn(ok, rows(4), { kk: 3 } as never), /unknown option 'kk'/);
  assert.throws(() => weightedKnn(ok, { embeddings: [[1, 2, 3]], labels: tensor([0n]) } as never), /test\.embeddings must be a Tensor/);
});
