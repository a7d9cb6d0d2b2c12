import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, memory, randn, scope, tensor } from '../../src/index.js';
import { adjustedMutualInfo, evaluate, kmeans, linearProbe, normalizedMutualInfo, retrievalMetrics, weightedKnn } from '../../src/eval/index.js';
import { clustered, gaussian, randomLabels, split } from './reference.js';

test('evaluate returns docs/architecture.md\'s keys and equals its parts', () => {
  const trainY = randomLabels(300, 5, 1);
  const testY = randomLabels(120, 5, 2);
  const train = split(clustered(trainY, 8, 1, 1, 3), trainY, 'float32');
  const test_ = split(clustered(testY, 8, 1, 1, 4), testY, 'float32');
  const before = memory();
  const r = evaluate(train, test_, { k: 20, seed: 3 });
  assert.deepEqual(memory(), before, 'memory().tensors is flat');
  assert.deepEqual(Object.keys(r).sort(), [
    'ami', 'knn_top1', 'knn_top5', 'linear_top1', 'map_at_r', 'mean_average_precision', 'mean_reciprocal_rank', 'nmi', 'precision_at_1', 'r_precision',
  ]);
  const knn = weightedKnn(train, test_, { k: 20 });
  const retrieval = retrievalMetrics(test_);
  const clusters = scope(() => kmeans(F.normalize(test_.embeddings), 5, { seed: 3 }).assignments.toArray() as number[]);
  assert.deepEqual(r, {
    knn_top1: knn.top1,
    knn_top5: knn.top5,
    linear_top1: linearProbe(train, test_).top1,
    precision_at_1: retrieval.precisionAt1,
    r_precision: retrieval.rPrecision,
    map_at_r: retrieval.mapAtR,
    mean_average_precision: retrieval.meanAveragePrecision,
    mean_reciprocal_rank: retrieval.meanReciprocalRank,
    nmi: normalizedMutualInfo(testY, clusters),
    ami: adjustedMutualInfo(testY, clusters),
  });
  for (const v of Object.values(r)) assert.ok(v >= 0 && v <= 1 + 1e-12, `${v} in [0, 1]`);
  assert.ok(r.ami < r.nmi, 'AMI removes the chance agreement NMI counts');
});

test('evaluate: linearProbe false leaves linear_top1 out; retrievalReference train ranks against the train set', () => {
  const trainY = randomLabels(100, 3, 5);
  const testY = randomLabels(50, 3, 6);
  const train = split(gaussian(100, 4, 7), trainY);
  const test_ = split(gaussian(50, 4, 8), testY);
  const r = evaluate(train, test_, { linearProbe: false, retrievalReference: 'train' });
  assert.equal('linear_top1' in r, false);
  const cross = retrievalMetrics(test_, train);
  assert.equal(r.precision_at_1, cross.precisionAt1);
  assert.equal(r.map_at_r, cross.mapAtR);
  assert.equal(r.mean_average_precision, cross.meanAveragePrecision);
  assert.equal(r.mean_reciprocal_rank, cross.meanReciprocalRank);
  const probe = evaluate(train, test_, { linearProbe: { l2: 0.5, maxIter: 5 } });
  assert.equal(probe.linear_top1, linearProbe(train, test_, { l2: 0.5, maxIter: 5 }).top1);
});

test('evaluate: separable classes score 1.0 everywhere; random labels score near chance', () => {
  const trainY = randomLabels(600, 10, 9);
  const testY = randomLabels(300, 10, 10);
  const sep = evaluate(split(clustered(trainY, 16, 5, 0.1, 11), trainY, 'float32'), split(clustered(testY, 16, 5, 0.1, 12), testY, 'float32'));
  for (const [key, v] of Object.entries(sep)) assert.ok(Math.abs(v - 1) < 1e-12, `separable ${key} = ${v}`);
  const rnd = evaluate(
    split(gaussian(2000, 8, 13), randomLabels(2000, 10, 14), 'float32'),
    split(gaussian(1000, 8, 15), randomLabels(1000, 10, 16), 'float32'),
  );
  for (const key of ['knn_top1', 'linear_top1', 'precision_at_1', 'r_precision'] as const) {
    assert.ok(rnd[key]! > 0.05 && rnd[key]! < 0.15, `random ${key} = ${rnd[key]} near 0.1`);
  }
  assert.ok(rnd.knn_top5 > 0.4 && rnd.knn_top5 < 0.6, `random knn_top5 = ${rnd.knn_top5} near 0.5`);
  assert.ok(rnd.map_at_r < 0.05, `random map_at_r = ${rnd.map_at_r}`);
  assert.ok(rnd.nmi < 0.06, `random nmi = ${rnd.nmi} near 0`);
  assert.ok(Math.abs(rnd.ami) < 0.01, `random ami = ${rnd.ami} near 0`);
  assert.ok(rnd.mean_average_precision > 0.08 && rnd.mean_average_precision < 0.13, `random mean_average_precision = ${rnd.mean_average_precision} near 0.1`);
  assert.ok(rnd.mean_reciprocal_rank > 0.2 && rnd.mean_reciprocal_rank < 0.4, `random mean_reciprocal_rank = ${rnd.mean_reciprocal_rank} near 0.29`);
});

test('evaluate rejects bad input with a message naming it', () => {
  const ok = split(gaussian(6, 3, 17), [0, 1, 2, 0, 1, 2]);
  assert.throws(() => evaluate(ok, { embeddings: ok.embeddings, labels: tensor([0n, 1n, 2n]) }), /evaluate: test\.labels has 3 entries for 6 embeddings/);
  assert.throws(() => evaluate({ embeddings: randn([0, 3]), labels: tensor([], { dtype: 'int64' }) }, ok), /evaluate: train\.embeddings needs at least 1 row/);
  assert.throws(() => evaluate(ok, split([[1, Number.NaN, 0]], [0])), /evaluate: test\.embeddings holds NaN or infinite values/);
  assert.throws(() => evaluate(ok, split(gaussian(2, 5, 18), [0, 1])), /evaluate: train\.embeddings has 3 features but test\.embeddings has 5/);
  assert.throws(() => evaluate(ok, ok, { retrievalReference: 'all' as never }), /retrievalReference must be 'test' or 'train'/);
  assert.throws(() => evaluate(ok, ok, { linearProbe: 1 as never }), /linearProbe must be a boolean or an options object/);
  assert.throws(() => evaluate(ok, ok, { knn: 200 } as never), /evaluate: unknown option 'knn'/);
  assert.throws(() => evaluate(ok, null as never), /evaluate: test must be \{ embeddings, labels \}/);
});
