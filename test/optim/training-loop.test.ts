// A 500-step training loop (encoder, head, BatchNorm, SGD with momentum, warmup + cosine,
// gradient clipping, an EMA target) keeps the live tensor count and bytes flat, and learns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, keep, manualSeed, memory, noGrad, randint, randn, scope, setNumThreads } from '../../src/index.js';
import { ConvNetSmall, Linear, Sequential, SimCLRProjectionHead } from '../../src/nn/index.js';
import { AdamW, EMA, LARS, SGD, WarmupCosineSchedule, clipGradNorm } from '../../src/optim/index.js';

// Tiny ops: one intra-op thread is faster, and immune to other processes on the cores (OpenMP
// threads that wait on a descheduled sibling make a 2-thread step 10x slower on a loaded box).
setNumThreads(1);

test('500 training steps leave memory().tensors and bytes unchanged', () => {
  manualSeed(1);
  const encoder = new ConvNetSmall({ inChannels: 1 });
  const head = new SimCLRProjectionHead({ inputDim: 128, hiddenDim: 32, outputDim: 4 });
  const target = new Sequential(new ConvNetSmall({ inChannels: 1 }));
  const model = new Sequential(encoder, head);
  const x = keep(randn([8, 1, 8, 8])); // a fixed batch to memorise
  const y = keep(randint(0, 4, [8]));
  const params = model.parameters();
  const optimizer = new SGD(params, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
  const schedule = new WarmupCosineSchedule(optimizer, { warmupSteps: 20, totalSteps: 500, minFactor: 0.05 });
  const ema = new EMA([[new Sequential(encoder), target]], { tau: 0.99, totalSteps: 500 });
  const step = (): number => scope(() => {
    optimizer.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    clipGradNorm(params, 5);
    optimizer.step();
    schedule.step();
    ema.update();
    noGrad(() => target.forward(x)); // the target's own BatchNorm statistics move
    return loss.item();
  });
  const first = step(); // state (momentum buffers) is created on the first step
  const before = memory();
  let last = first;
  for (let i = 1; i < 500; i++) last = step();
  const after = memory();
  assert.equal(after.tensors, before.tensors, 'live tensors');
  assert.equal(after.bytes, before.bytes, 'live bytes');
  assert.ok(last < first * 0.2, `it learns: loss ${first} -> ${last}`);
  optimizer.dispose();
  for (const m of [model, target]) m.dispose();
  x.dispose();
  y.dispose();
});

test('AdamW and LARS loops are flat too', () => {
  manualSeed(2);
  const model = new Sequential(new Linear(6, 16), new Linear(16, 3));
  const x = keep(randn([10, 6]));
  const y = keep(randint(0, 3, [10]));
  for (const optimizer of [new AdamW(model.parameters(), { lr: 1e-2 }), new LARS(LARS.groups(model, 1e-6), { lr: 1 })]) {
    const step = (): number => scope(() => {
      optimizer.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      optimizer.step();
      return loss.item();
    });
    const first = step();
    const before = memory();
    let last = first;
    for (let i = 0; i < 100; i++) last = step();
    assert.deepEqual(memory(), before, optimizer.constructor.name);
    assert.ok(last < first, `${optimizer.constructor.name} learns: ${first} -> ${last}`);
    optimizer.dispose();
  }
  model.dispose();
  x.dispose();
  y.dispose();
});
