// Checkpoints: model, optimizer, schedule and extra state in one safetensors file; training
// resumed from a checkpoint follows the uninterrupted run exactly; bad files are rejected.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { F, type Tensor, getRngState, keep, manualSeed, memory, randint, randn, scope, setNumThreads, setRngState, tensor } from '../../src/index.js';
import { SafetensorsError, loadCheckpoint, loadSafetensors, saveCheckpoint, saveSafetensors } from '../../src/io/index.js';
import { BatchNorm1d, Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { SGD, WarmupCosineSchedule } from '../../src/optim/index.js';
import { assertClose, flat } from '../helpers.js';

setNumThreads(1);
const dir = mkdtempSync(join(tmpdir(), 'checkpoint-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  model: Sequential;
  optimizer: SGD;
  schedule: WarmupCosineSchedule;
}

function build(): Run {
  manualSeed(5);
  const model = new Sequential(new Linear(6, 12), new BatchNorm1d(12), new ReLU(), new Linear(12, 3));
  const optimizer = new SGD(model.parameters(), { lr: 0.2, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
  const schedule = new WarmupCosineSchedule(optimizer, { warmupSteps: 3, totalSteps: 12 });
  return { model, optimizer, schedule };
}

/** One step on a fresh random batch (so the RNG state matters too). */
function step(r: Run): number {
  return scope(() => {
    const x = randn([16, 6]);
    const y = randint(0, 3, [16]);
    r.optimizer.zeroGrad();
    const loss = F.crossEntropy(r.model.forward(x), y);
    loss.backward();
    r.optimizer.step();
    r.schedule.step();
    return loss.item();
  });
}

function dispose(r: Run): void {
  r.model.dispose();
  r.optimizer.dispose();
}

test('resuming from a checkpoint continues exactly as the uninterrupted run', () => {
  const before = memory().tensors;
  const straight = build();
  manualSeed(99);
  const lossesStraight = Array.from({ length: 12 }, () => step(straight));

  const first = build();
  manualSeed(99);
  const lossesFirst = Array.from({ length: 6 }, () => step(first));
  const path = join(dir, 'ckpt.safetensors');
  scope(() => saveCheckpoint(path, {
    model: first.model.stateDict(),
    optimizer: first.optimizer.stateDict(),
    schedule: first.schedule.stateDict(),
    tensors: { rng: getRngState() },
    extra: { epoch: 1, step: 6, note: 'half-way' },
  }));
  dispose(first);

  const resumed = build(); // fresh weights, fresh optimizer: everything comes from the file
  const extra = scope(() => {
    const ckpt = loadCheckpoint(path);
    resumed.model.loadStateDict(ckpt.model);
    resumed.optimizer.loadStateDict(ckpt.optimizer!);
    resumed.schedule.loadStateDict(ckpt.schedule as { step: number; baseLrs: number[] });
    setRngState(ckpt.tensors!.rng!);
    return ckpt.extra;
  });
  assert.deepEqual(extra, { epoch: 1, step: 6, note: 'half-way' });
  const lossesRest = Array.from({ length: 6 }, () => step(resumed));
  assert.deepEqual([...lossesFirst, ...lossesRest], lossesStraight);
  scope(() => {
    const a = straight.model.stateDict();
    const b = resumed.model.stateDict();
    for (const k of Object.keys(a)) assert.deepEqual(flat(b[k]!), flat(a[k]!), k);
  });
  assert.equal(resumed.optimizer.paramGroups[0]!.lr, straight.optimizer.paramGroups[0]!.lr);
  dispose(straight);
  dispose(resumed);
  assert.equal(memory().tensors, before);
});

test('the file is plain safetensors: model weights under model.*, optimizer state and JSON metadata', () => {
  const r = build();
  step(r);
  const path = join(dir, 'layout.safetensors');
  scope(() => saveCheckpoint(path, { model: r.model.stateDict(), optimizer: r.optimizer.stateDict(), schedule: r.schedule.stateDict() }));
  scope(() => {
    const { tensors, metadata } = loadSafetensors(path);
    assert.equal(metadata.format, 'contrastive-checkpoint');
    assert.ok('model.1.running_mean' in tensors && 'model.0.weight' in tensors);
    assert.ok('optimizer.state.0.momentumBuffer' in tensors);
    const opt = JSON.parse(metadata.optimizer!);
    assert.equal(opt.paramGroups[0].nesterov, true);
    assert.deepEqual(JSON.parse(metadata.schedule!), { step: 1, baseLrs: [0.2] });
    assertClose(tensors['model.3.bias']!, r.model.stateDict()['3.bias']!, { atol: 0 });
  });
  dispose(r);
});

test('a file that is not a checkpoint, or one with corrupt metadata, is rejected clearly', () => {
  const plain = join(dir, 'plain.safetensors');
  scope(() => saveSafetensors(plain, { w: tensor([1, 2]) }));
  assert.throws(() => loadCheckpoint(plain), /not a contrastive checkpoint \(metadata format is missing\)/);
  const bad = join(dir, 'bad.safetensors');
  scope(() => saveSafetensors(bad, { 'model.w': tensor([1]) }, { format: 'contrastive-checkpoint', version: '1', schedule: '{oops' }));
  assert.throws(() => loadCheckpoint(bad), (e: unknown) => e instanceof SafetensorsError && /metadata 'schedule' is not valid JSON/.test((e as Error).message));
  const future = join(dir, 'future.safetensors');
  scope(() => saveSafetensors(future, { 'model.w': tensor([1]) }, { format: 'contrastive-checkpoint', version: '9' }));
  assert.throws(() => loadCheckpoint(future), /unsupported checkpoint version '9'/);
  // A checkpoint torn mid-write (simulated by cutting the file) is rejected, not half-loaded.
  const r = build();
  const path = join(dir, 'torn.safetensors');
  scope(() => saveCheckpoint(path, { model: r.model.stateDict(), optimizer: r.optimizer.stateDict() }));
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, bytes.length - 10));
  const before = memory().tensors;
  assert.throws(() => loadCheckpoint(path), /data is truncated/);
  assert.equal(memory().tensors, before);
  assert.throws(() => saveCheckpoint(path, {} as never), /expected \{ model/);
  dispose(r);
});

test('a model saved without the prefix loads into the same architecture', () => {
  const r = build();
  const path = join(dir, 'weights.safetensors');
  scope(() => saveSafetensors(path, r.model.stateDict()));
  const other = build();
  scope(() => {
    const x = keep(randn([4, 6]));
    other.model.eval();
    r.model.eval();
    other.model.loadStateDict(loadSafetensors(path).tensors);
    assertClose(other.model.forward(x), r.model.forward(x) as Tensor, { atol: 0 });
    x.dispose();
  });
  dispose(r);
  dispose(other);
});
