import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scope } from '../../src/index.js';
import { CosineSimilarity, LogisticLoss, MeanReducer } from '../../src/losses/index.js';
import { gaussian, logisticRef } from './reference.js';
import { assertGrad, LAYOUTS, near, t, value } from './util.js';

test('LogisticLoss matches the naive pairwise sigmoid formula across temperatures, biases and layouts', () => {
  let seed = 500;
  for (const n of [4, 8, 13]) for (const [name, layout] of Object.entries(LAYOUTS)) {
    for (const [temperature, bias] of [[0.1, -10], [0.5, 0], [1, 2]] as const) {
      const x = gaussian(n, 5, seed++);
      const labels = layout(n);
      const loss = new LogisticLoss({ temperature, bias });
      near(value(() => loss.forward(t(x), labels)), logisticRef(x, labels, temperature, bias), `n=${n} ${name} T=${temperature} b=${bias}`);
      near(value(() => loss.forward(t(x, 'float32'), labels)), logisticRef(x, labels, temperature, bias), `float32 n=${n} ${name}`);
    }
  }
});

test('LogisticLoss defaults: temperature 0.1, bias -10 (SigLIP init), fixed, cosine, MeanReducer', () => {
  const loss = new LogisticLoss();
  assert.deepEqual([loss.temperature, loss.bias, loss.learnable], [0.1, -10, false]);
  assert.deepEqual(loss.parameters(), []);
  assert.ok(loss.distance instanceof CosineSimilarity);
  assert.ok(loss.reducer instanceof MeanReducer);
});

test('LogisticLoss gradients match finite differences (embeddings)', () => {
  assertGrad((e) => new LogisticLoss({ temperature: 0.5, bias: -1 }).forward(e, LAYOUTS.interleaved!(7)), [t(gaussian(7, 3, 9))], 'embeddings');
});

test('LogisticLoss learnable: same value as fixed, and d/dt\' and d/db match finite differences', () => {
  const x = gaussian(8, 4, 10);
  const labels = LAYOUTS.interleaved!(8);
  const loss = new LogisticLoss({ temperature: 0.25, bias: -2, learnable: true });
  try {
    const [logScale, b] = loss.parameters();
    assert.ok(logScale && b && logScale.requiresGrad && b.requiresGrad);
    const v = scope(() => {
      const l = loss.forward(t(x), labels);
      l.backward();
      return l.item();
    });
    near(v, logisticRef(x, labels, 0.25, -2), 'value');
    const h = 1e-5;
    const at = (tPrime: number, bias: number): number => logisticRef(x, labels, Math.exp(-tPrime), bias);
    const tp = Math.log(4);
    near(logScale.grad!.item(), (at(tp + h, -2) - at(tp - h, -2)) / (2 * h), "d/dt'", 1e-3);
    near(b.grad!.item(), (at(tp, -2 + h) - at(tp, -2 - h)) / (2 * h), 'd/db', 1e-3);
  } finally {
    loss.dispose();
  }
});
