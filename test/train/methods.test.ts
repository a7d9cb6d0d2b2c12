// Every method trains: two short epochs on a small Fashion-MNIST subset run, its loss falls, and the
// live tensor count stays flat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fashionMNIST } from '../../src/data/index.js';
import { METHOD_NAMES } from '../../src/methods/index.js';
import { Loader } from '../../src/data/index.js';
import { manualSeed, memory, scope, setNumThreads } from '../../src/index.js';
import { buildMethod, buildOptimizer, buildViews, DEFAULT_CONFIG, type TrainConfig } from '../../src/train/index.js';
import { limit } from '../../src/train/setup.js';

setNumThreads(2);
const data = limit(fashionMNIST({ split: 'train' }), 384);

for (const name of METHOD_NAMES) {
  test(`${name}: two epochs on 384 images run, the loss falls, memory stays flat`, async () => {
    manualSeed(1);
    const c: TrainConfig = { ...DEFAULT_CONFIG, encoder: 'convnet-small', method: name, optimizer: 'adam', lr: 1e-3, batchSize: 64, queueSize: 128, bf16: false };
    const method = buildMethod(c, [1, 28, 28], 10);
    method.to({ memoryFormat: 'channelsLast' }); // as the trainer does: the EMA and frozen targets must follow
    if (name === 'byol' || name === 'moco') {
      const frozen = method.parameters().filter((p) => !p.requiresGrad).length;
      assert.equal(frozen, method.parameters().length - method.trainableParameters().length);
      assert.ok(frozen > 0, 'the target network is frozen');
    }
    const optimizer = buildOptimizer(c, method);
    const views = buildViews(c, [1, 28, 28]);
    const loader = new Loader(data, { batchSize: 64, seed: 1, dropLast: true });
    const losses: number[] = [];
    let before = -1;
    for (let epoch = 0; epoch < 2; epoch++) {
      if (epoch === 1) before = memory().tensors;
      for await (const b of loader.epoch(epoch)) {
        losses.push(scope(() => {
          const loss = method.forward(views.views(b.x), b.y);
          loss.backward();
          optimizer.step();
          optimizer.zeroGrad();
          method.afterStep();
          return loss.item();
        }));
      }
    }
    assert.equal(memory().tensors, before, 'live tensors changed during training');
    assert.ok(losses.every(Number.isFinite), `non-finite loss: ${losses.join(', ')}`);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    // MoCo's queue starts as random unit vectors (easy negatives): compare once it holds real keys.
    const from = name === 'moco' ? 2 : 0;
    const first = mean(losses.slice(from, from + 3));
    const last = mean(losses.slice(-3));
    assert.ok(last < first, `${name}: loss did not fall: first steps ${first.toFixed(4)}, last steps ${last.toFixed(4)}`);
    optimizer.dispose();
    method.dispose();
  });
}
