// Every method trains to its recipe through `train` without collapsing: after two short epochs
// its test features are as spread over the sphere as at random initialisation (a collapsed
// representation has spread 0, while BYOL's, SimSiam's, Barlow Twins' and VICReg's losses keep
// falling) and its kNN top-1 beats the same encoder's at random initialisation, measured here.
// The live tensor count is flat over the steps.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { METHOD_NAMES, recipeOf } from '../../src/methods/index.js';
import { DEFAULT_CONFIG, loadRun, type TrainConfig } from '../../src/run/index.js';
import { memory, scope, setNumThreads } from '../../src/tensor/index.js';
import { train } from '../../src/train/index.js';
import { measure, randomInit, tensorCounts } from './baseline.js';

setNumThreads(2);
const root = mkdtempSync(join(tmpdir(), 'contrastive-methods-'));
after(() => rmSync(root, { recursive: true, force: true }));

for (const name of METHOD_NAMES.filter((m) => recipeOf(m).inputs.includes('image'))) {
  test(`${name}: two epochs to its recipe beat random init in kNN, without collapse; memory flat`, async (t) => {
    const queue = 'queueSize' in recipeOf(name).defaults ? { queueSize: 1024 } : {};
    // The recipe's heads on convnet28's 512 features, but Barlow Twins' and VICReg's 8192-wide
    // expanders at 2048 (a quarter of the paper's width: the same ratio to the backbone, 16x less work).
    const heads = (recipeOf(name).heads?.hidden ?? 0) > 4096 ? { hiddenDim: 2048, outputDim: 2048 } : {};
    // metric with supcon (its default) would repeat supcon: it trains ArcFace, a loss with proxies.
    const loss = name === 'metric' ? { loss: 'arcface' as const } : {};
    const c: TrainConfig = {
      ...DEFAULT_CONFIG, method: name, epochs: 2, batchSize: 128, trainLimit: 4096, testLimit: 1000, out: join(root, name), seed: 1, ...queue, ...heads, ...loss,
    };
    const before = await randomInit(c);
    const counter = tensorCounts();
    const live = memory().tensors;
    const r = await train(c, { progress: false, callbacks: [counter] });
    assert.equal(memory().tensors, live, 'train() frees everything it made');
    counter.assertFlat(10);
    assert.ok(r.epochs.every((e) => Number.isFinite(e.loss)), 'finite losses');
    const run = await loadRun(c.out);
    if (name === 'metric') assert.deepEqual(scope(() => run.method.stateDict()['criterion.W']?.shape), [128, 10], 'the class weights are saved and restored with the run');
    const trained = await measure(run.method.backbone, run.config).finally(() => run.method.dispose());
    t.diagnostic(`${name}: kNN ${before.knn.toFixed(4)} -> ${trained.knn.toFixed(4)}, spread ${before.spread.toFixed(4)} -> ${trained.spread.toFixed(4)}`);
    assert.ok(Math.abs(trained.knn - r.evaluation!.knn_top1) < 1e-9, 'the run folder holds the trained weights');
    assert.ok(trained.knn > before.knn, `${name} learned nothing: kNN ${trained.knn} after training, ${before.knn} at random init`);
    assert.ok(trained.spread > 0.5 * before.spread, `${name} collapsed: feature spread ${trained.spread} after training, ${before.spread} at random init`);
    if (recipeOf(name).needsLabels) {
      // The methods that learn from labels log the test split's retrieval metrics every epoch.
      assert.ok(r.epochs.every((e) => e.precision_at_1! > 0 && e.map_at_r! > 0), `retrieval per epoch: ${JSON.stringify(r.epochs)}`);
    }
  });
}
