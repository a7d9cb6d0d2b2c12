// Timing of the batched evaluation at Fashion-MNIST scale: skipped unless CONTRASTIVE_BENCH=1
// (run it alone, under the benchmark lock: flock /tmp/contrastive-bench.lock ...).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, manualSeed, memory, randint, randn, scope, tensor } from '../../src/index.js';
import { fashionMNIST } from '../../src/data/index.js';
import { evaluate, kmeans, linearProbe, retrievalMetrics, weightedKnn } from '../../src/eval/index.js';

const enabled = process.env.CONTRASTIVE_BENCH === '1';

test('timing: 60,000 train x 10,000 test x 128-d', { skip: !enabled && 'set CONTRASTIVE_BENCH=1 to run the timing' }, () => {
  manualSeed(0);
  const centres = randn([10, 128]);
  const make = (n: number) => {
    const labels = randint(0, 10, [n]);
    return { embeddings: centres.indexSelect(0, labels).add(randn([n, 128]).mul(2.5)), labels };
  };
  const train = make(60000);
  const test_ = make(10000);
  const before = memory();
  const time = <T>(what: string, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    console.log(`# ${what}: ${((performance.now() - t0) / 1000).toFixed(2)} s`, JSON.stringify(r));
    return r;
  };
  time('weightedKnn k=200 T=0.1', () => weightedKnn(train, test_));
  time('linearProbe (L-BFGS, 100 iterations)', () => linearProbe(train, test_));
  time('retrieval test vs test', () => retrievalMetrics(test_));
  time('retrieval test vs train', () => retrievalMetrics(test_, train));
  time('kmeans k=10 on test', () => scope(() => { const r = kmeans(F.normalize(test_.embeddings), 10); return { inertia: r.inertia, iterations: r.iterations }; }));
  time('evaluate (all of it)', () => evaluate(train, test_));
  assert.deepEqual(memory(), before, 'no tensors left behind');
});

test('raw Fashion-MNIST pixels: weighted kNN (k 200, T 0.1) scores docs/architecture.md\'s 0.798', { skip: !enabled && 'set CONTRASTIVE_BENCH=1 to run the timing' }, () => {
  const load = (split: 'train' | 'test') => {
    const d = fashionMNIST({ split, onBuild: () => {} });
    return {
      embeddings: tensor(Float32Array.from(d.data, (v) => v / 255), { shape: [d.length, 784] }),
      labels: tensor(Int32Array.from(d.labels!), { shape: [d.length] }).to('int64'),
    };
  };
  const train = load('train');
  const test_ = load('test');
  const t0 = performance.now();
  const r = weightedKnn(train, test_);
  console.log(`# weightedKnn on raw pixels, 60,000 x 10,000 x 784: ${((performance.now() - t0) / 1000).toFixed(2)} s`, JSON.stringify(r));
  assert.ok(Math.abs(r.top1 - 0.798) < 5e-4, `top-1 ${r.top1}`);
  for (const t of [train.embeddings, train.labels, test_.embeddings, test_.labels]) t.dispose();
});
