// Module.to() converts every parameter and buffer in place, keeping each Tensor object (as
// PyTorch's `param.data = ...`): whatever held them before (fields, optimizers) keeps working.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, randn, scope, type Tensor } from '../../src/index.js';
import { BatchNorm2d, Conv2d, Linear, Module } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';

class ConvBn extends Module {
  readonly conv = this.registerModule('conv', new Conv2d(3, 4, 3, { padding: 1, bias: false })); // a bias before BN gets no gradient
  readonly bn = this.registerModule('bn', new BatchNorm2d(4));
  readonly fc = this.registerModule('fc', new Linear(4, 2));
  forward(x: Tensor): Tensor {
    return scope(() => this.fc.forward(this.bn.forward(this.conv.forward(x)).mean([2, 3])));
  }
}

/** One SGD step on a random batch; returns how far each parameter moved (L1). */
function step(m: ConvBn, opt: SGD, dtype: 'float32' | 'float64', channelsLast: boolean): number[] {
  const before = scope(() => m.parameters().map((p) => p.detach().clone()));
  scope(() => {
    const x = randn([2, 3, 5, 5], { dtype });
    m.forward(channelsLast ? x.contiguous('channelsLast') : x).square().sum().backward();
  });
  opt.step();
  opt.zeroGrad();
  const moved = scope(() => m.parameters().map((p, i) => p.sub(before[i]!).abs().sum().item()));
  before.forEach((t) => t.dispose());
  return moved;
}

test('to() keeps every parameter and buffer object', () => {
  const m = new ConvBn();
  const params = m.parameters();
  const buffers = m.buffers();
  const weight = m.conv.weight;
  m.to('float64').to({ memoryFormat: 'channelsLast' });
  m.parameters().forEach((p, i) => assert.ok(Object.is(p, params[i]), `parameter ${i} is the same object`));
  m.buffers().forEach((b, i) => assert.ok(Object.is(b, buffers[i]), `buffer ${i} is the same object`));
  assert.ok(Object.is(m.conv.weight, weight));
  assert.equal(weight.dtype, 'float64');
  assert.ok(weight.isContiguous('channelsLast'));
  assert.equal(m.bn.numBatchesTracked!.dtype, 'int64', 'integer buffers keep their dtype');
  m.dispose();
});

test('an optimizer built before to(\'float64\') or to({ memoryFormat: \'channelsLast\' }) still updates the module', () => {
  for (const [target, dtype, channelsLast] of [['float64', 'float64', false], [{ memoryFormat: 'channelsLast' }, 'float32', true]] as const) {
    const m = new ConvBn();
    const opt = new SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
    m.to(target);
    const moved = step(m, opt, dtype, channelsLast);
    assert.ok(moved.every((d) => d > 0), `every parameter moved after to(${JSON.stringify(target)}): ${moved.join(', ')}`);
    assert.ok(m.parameters().every((p) => p.dtype === dtype));
    opt.dispose();
    m.dispose();
  }
});

test('frozen parameters stay frozen, trainable ones trainable; gradients are converted along', () => {
  const m = new ConvBn();
  m.fc.requiresGrad_(false);
  scope(() => m.forward(randn([2, 3, 5, 5])).sum().backward());
  m.to('float64');
  assert.deepEqual(m.fc.parameters().map((p) => p.requiresGrad), [false, false]);
  assert.ok(m.conv.parameters().every((p) => p.requiresGrad));
  scope(() => {
    const g = m.conv.weight.grad!;
    assert.deepEqual([g.dtype, g.shape], ['float64', m.conv.weight.shape]);
  });
  assert.equal(scope(() => m.fc.weight.grad), null);
  m.dispose();
});

test('a tensor shared by two modules is converted once; memory stays flat', () => {
  class Tied extends Module {
    readonly a = this.registerModule('a', new Linear(3, 3));
    readonly b = this.registerModule('b', new Linear(3, 3));
    constructor() {
      super();
      this.b.registerParameter('tied', this.a.weight);
    }
    forward(x: Tensor): Tensor {
      return this.b.forward(this.a.forward(x));
    }
  }
  const m = new Tied();
  assert.equal(m.parameters().length, 4, 'the tied weight is listed once');
  const own = m.parameters().reduce((a, p) => a + p.numel() * 4, 0); // float32 bytes
  const before = memory();
  m.to('float64');
  assert.equal(memory().tensors, before.tensors);
  assert.equal(memory().bytes, before.bytes + own, 'float64 doubles the bytes, each tensor converted once');
  assert.equal(m.a.weight.dtype, 'float64');
  m.dispose();
});

test('to() a dtype it already has changes nothing and leaks nothing', () => {
  const m = new ConvBn();
  const before = memory();
  m.to('float32').to('cpu');
  assert.deepEqual(memory(), before);
  m.dispose();
});
