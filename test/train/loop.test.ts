// The training loop on its own: the order of the hooks, the loss read back every n steps (summed
// on the device in between), stopping on request, resuming mid-epoch, a failure reaching every
// onTrainEnd, and no tensor left behind.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { memory, tensor } from '../../src/tensor/index.js';
import { type Callback, loopState, type LoopSpec, type LoopState, runLoop } from '../../src/train/index.js';

/** Epochs of `steps` batches; batch i of epoch e has loss e * 10 + i. */
function spec(steps: number, o: Partial<LoopSpec<{ step: number; epoch: number }>> = {}): LoopSpec<{ step: number; epoch: number }> {
  return {
    async *batches(epoch) {
      for (let step = 0; step < steps; step++) yield { step, epoch };
    },
    step: (b) => tensor(b.epoch * 10 + b.step),
    items: () => 4,
    lr: () => 0.5,
    ...o,
  };
}

/** A callback that records each hook it sees, with the step and status. */
function recorder(name: string, events: string[]): Callback<LoopState> {
  return {
    name,
    onTrainStart: (s) => { events.push(`${name}:start ${s.status}`); },
    onEpochStart: (s) => { events.push(`${name}:epoch ${s.epoch}`); },
    onStepEnd: (s) => { events.push(`${name}:step ${s.epoch}.${s.step}${s.lossRead ? ` loss ${s.loss}` : ''}`); },
    onEpochEnd: (_, m) => { events.push(`${name}:end ${m.epoch} loss ${m.loss} lr ${m.lr}`); },
    onTrainEnd: (s) => { events.push(`${name}:done ${s.status}`); },
  };
}

describe('runLoop', () => {
  test('calls every hook in order, callback by callback; epoch metrics reach later callbacks filled in', async () => {
    const events: string[] = [];
    const filler: Callback<LoopState> = { name: 'filler', onEpochEnd: (_, m) => { m.knn_top1 = 0.5; } };
    const reader: Callback<LoopState> = { name: 'reader', onEpochEnd: (_, m) => { events.push(`reader sees kNN ${m.knn_top1}`); } };
    const s = loopState(2, 2, {});
    const status = await runLoop(s, spec(2), [recorder('a', events), filler, reader, recorder('b', events)]);
    assert.equal(status, 'completed');
    assert.deepEqual(events, [
      'a:start running', 'b:start running',
      'a:epoch 0', 'b:epoch 0', 'a:step 0.1 loss 0', 'b:step 0.1 loss 0', 'a:step 0.2 loss 1', 'b:step 0.2 loss 1',
      'a:end 1 loss 0.5 lr 0.5', 'reader sees kNN 0.5', 'b:end 1 loss 0.5 lr 0.5',
      'a:epoch 1', 'b:epoch 1', 'a:step 1.1 loss 10', 'b:step 1.1 loss 10', 'a:step 1.2 loss 11', 'b:step 1.2 loss 11',
      'a:end 2 loss 10.5 lr 0.5', 'reader sees kNN 0.5', 'b:end 2 loss 10.5 lr 0.5',
      'a:done completed', 'b:done completed',
    ]);
    assert.deepEqual(s.history.map((m) => [m.epoch, m.loss, m.knn_top1]), [[1, 0.5, 0.5], [2, 10.5, 0.5]]);
    assert.ok(s.history.every((m) => m.images_per_second > 0 && m.seconds > 0));
    assert.ok('filler' in s.timings && 'reader' in s.timings, 'each callback is timed by name');
  });

  test('lossEvery n: the loss is read at every n-th step and at the epoch\'s end, as the mean since the last read', async () => {
    const events: string[] = [];
    const s = loopState(1, 7, {});
    const before = memory().tensors;
    await runLoop(s, spec(7, { lossEvery: 3 }), [recorder('r', events)]);
    assert.equal(memory().tensors, before, 'the summed losses are freed');
    assert.deepEqual(events.filter((e) => e.includes('loss')), [
      'r:step 0.3 loss 1', // (0 + 1 + 2) / 3
      'r:step 0.6 loss 4', // (3 + 4 + 5) / 3
      'r:step 0.7 loss 6', // the epoch's last step
      'r:end 1 loss 3 lr 0.5', // the mean of all seven
    ]);
    assert.equal(events.filter((e) => e.startsWith('r:step')).length, 7);
    // An epoch that yields fewer batches than stepsPerEpoch (unreadable items): the losses still unread count too.
    const short = loopState(1, 9, {});
    await runLoop(short, spec(7, { lossEvery: 3 }), []);
    assert.equal(short.history[0]!.loss, 3);
    assert.equal(memory().tensors, before);
  });

  test('requestStop ends the run after the current step: status interrupted, no epoch end', async () => {
    const events: string[] = [];
    const stopper: Callback<LoopState> = { name: 'stop', onStepEnd: (s) => { if (s.epoch === 1 && s.step === 1) s.requestStop(); } };
    const s = loopState(3, 3, {});
    assert.equal(await runLoop(s, spec(3), [stopper, recorder('r', events)]), 'interrupted');
    assert.equal(events.at(-1), 'r:done interrupted');
    assert.equal(events.at(-2), 'r:step 1.1 loss 10');
    assert.equal(s.history.length, 1);
    assert.equal(s.epoch, 1);
    assert.equal(s.step, 1);
  });

  test('a resumed run starts at its epoch and step, skipping the batches done before', async () => {
    const events: string[] = [];
    const s = loopState(2, 4, {});
    await runLoop(s, spec(4, { start: { epoch: 1, step: 2 } }), [recorder('r', events)]);
    assert.deepEqual(events.filter((e) => e.startsWith('r:step')), ['r:step 1.3 loss 12', 'r:step 1.4 loss 13']);
    assert.deepEqual(events.filter((e) => e.startsWith('r:end')), ['r:end 2 loss 12.5 lr 0.5']);
  });

  test('an error in a step or a hook fails the run: every onTrainEnd sees "failed", then the error is rethrown', async () => {
    const events: string[] = [];
    const s = loopState(1, 3, {});
    const before = memory().tensors;
    const failing = spec(3, { step: (b) => { if (b.step === 1) throw new Error('boom at step 1'); return tensor(1); }, lossEvery: 2 });
    await assert.rejects(runLoop(s, failing, [recorder('a', events), recorder('b', events)]), /boom at step 1/);
    assert.equal(s.status, 'failed');
    assert.deepEqual(events.slice(-2), ['a:done failed', 'b:done failed']);
    assert.equal(memory().tensors, before, 'the pending loss is freed');
    const guard: Callback<LoopState> = { name: 'guard', onStepEnd: () => { throw new RangeError('guard says stop'); } };
    await assert.rejects(runLoop(loopState(1, 3, {}), spec(3), [guard]), /guard says stop/);
    await assert.rejects(runLoop(loopState(1, 3, {}), spec(3, { lossEvery: 0 }), []), /lossEvery must be a positive integer, got 0/);
  });
});
