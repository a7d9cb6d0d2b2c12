// Module: names, traversal, modes, state dicts (strict and not), to(), zeroGrad, dispose.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Tensor, memory, randn, scope, tensor, zeros } from '../../src/index.js';
import {
  BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Linear, Module, ReLU, Sequential,
} from '../../src/nn/index.js';

/** A small two-level model: own parameter, a child with BN, a Sequential. */
class Net extends Module {
  readonly scale: Tensor;
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  readonly head: Sequential;
  constructor() {
    super();
    this.scale = this.registerParameter('scale', zeros([1]));
    this.conv = this.registerModule('conv', new Conv2d(3, 4, 3, { padding: 1 }));
    this.bn = this.registerModule('bn', new BatchNorm2d(4));
    this.head = this.registerModule('head', new Sequential(new Linear(4, 5), new ReLU(), new Dropout(0.5), new Linear(5, 2, { bias: false })));
  }

  forward(x: Tensor): Tensor {
    return scope(() => this.head.forward(this.bn.forward(this.conv.forward(x)).mean([2, 3])).add(this.scale));
  }
}

test('parameters, buffers and the state dict use PyTorch\'s dotted names in registration order', () => {
  const net = new Net();
  assert.deepEqual(net.namedParameters().map(([n]) => n), [
    'scale', 'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'head.0.weight', 'head.0.bias', 'head.3.weight',
  ]);
  assert.deepEqual(net.namedBuffers().map(([n]) => n), ['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
  scope(() => {
    const sd = net.stateDict();
    assert.deepEqual(Object.keys(sd), [
      'scale', 'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked',
      'head.0.weight', 'head.0.bias', 'head.3.weight',
    ]);
    assert.equal(sd['bn.num_batches_tracked']!.dtype, 'int64');
    assert.equal(sd['conv.weight']!.requiresGrad, false, 'state dict tensors are detached');
  });
  assert.deepEqual(net.namedModules().map(([n]) => n), ['', 'conv', 'bn', 'head', 'head.0', 'head.1', 'head.2', 'head.3']);
  assert.equal(net.numParameters(), 1 + 4 * 3 * 9 + 4 + 4 + 4 + 20 + 5 + 10);
  assert.ok(net.parameters().every((p) => p.requiresGrad));
  net.dispose();
});

test('parameters live outside scopes; dispose frees them all', () => {
  const before = memory().tensors;
  const net = scope(() => new Net());
  const own = net.parameters().length + net.buffers().length;
  assert.equal(memory().tensors, before + own, 'a module built in a scope keeps its tensors');
  scope(() => {
    net.forward(randn([2, 3, 5, 5]));
  });
  assert.equal(memory().tensors, before + own, 'forward leaves nothing behind in the caller\'s scope');
  net.dispose();
  assert.equal(memory().tensors, before);
  assert.throws(() => net.conv.weight.shape, /disposed/);
});

test('train() and eval() reach every submodule and change BatchNorm and Dropout', () => {
  const net = new Net();
  assert.ok(net.modules().every((m) => m.training));
  net.eval();
  assert.ok(net.modules().every((m) => !m.training));
  scope(() => {
    const x = randn([2, 3, 5, 5]);
    assert.deepEqual(net.forward(x).toArray(), net.forward(x).toArray(), 'eval is deterministic (no dropout)');
    assert.equal(net.bn.numBatchesTracked!.item(), 0, 'eval does not update running statistics');
    net.train();
    net.forward(x);
    assert.equal(net.bn.numBatchesTracked!.item(), 1);
  });
  net.dispose();
});

test('loadStateDict copies in place and is strict about keys and shapes', () => {
  const a = new Net();
  const b = new Net();
  const weightRef = b.conv.weight;
  scope(() => {
    b.loadStateDict(a.stateDict());
    assert.equal(b.conv.weight, weightRef, 'the same tensor object: optimizers keep working');
    for (const [n, t] of Object.entries(a.stateDict())) assert.deepEqual(b.stateDict()[n]!.toArray(), t.toArray(), n);

    const sd = a.stateDict();
    const before = b.head.at(0).stateDict()['weight']!.toArray();
    const missing = { ...sd };
    delete missing['bn.running_var'];
    assert.throws(() => b.loadStateDict(missing), /Error\(s\) in loading state dict for Net:\n {2}Missing key\(s\): 'bn.running_var'/);
    assert.throws(() => b.loadStateDict({ ...sd, 'head.9.weight': zeros([1]) }), /Unexpected key\(s\): 'head.9.weight'/);
    assert.throws(
      () => b.loadStateDict({ ...sd, 'head.0.weight': zeros([5, 3]) }),
      /size mismatch for head.0.weight: copying a tensor of shape \[5, 3\] from the state dict, the shape in this module is \[5, 4\]/,
    );
    assert.throws(() => b.loadStateDict({ ...sd, 'head.0.weight': [1] as unknown as Tensor }), /'head.0.weight' is not a Tensor/);
    assert.deepEqual(b.head.at(0).stateDict()['weight']!.toArray(), before, 'nothing copied when a check fails');

    const r = b.loadStateDict({ ...missing, extra: zeros([1]) }, false);
    assert.deepEqual(r, { missingKeys: ['bn.running_var'], unexpectedKeys: ['extra'] });
    assert.throws(() => b.loadStateDict({ 'head.0.weight': zeros([2, 2]) }, false), /size mismatch/, 'shapes are checked even when not strict');
    // Values are converted to the module's dtype.
    b.loadStateDict({ ...sd, scale: tensor([0.5], { dtype: 'float64' }) });
    assert.equal(b.scale.dtype, 'float32');
    assert.deepEqual(b.scale.toArray(), [0.5]);
  });
  a.dispose();
  b.dispose();
});

test('to() converts floating tensors and keeps integer buffers', () => {
  const net = new Net();
  const before = memory().tensors;
  net.to('float64');
  assert.equal(memory().tensors, before, 'old tensors are freed');
  assert.equal(net.conv.weight.dtype, 'float64');
  assert.equal(net.bn.runningMean!.dtype, 'float64');
  assert.equal(net.bn.numBatchesTracked!.dtype, 'int64');
  assert.ok(net.parameters().every((p) => p.requiresGrad && p.dtype === 'float64'));
  scope(() => assert.equal(net.forward(randn([2, 3, 4, 4], { dtype: 'float64' })).dtype, 'float64'));
  net.to('float32').to({ memoryFormat: 'channelsLast' });
  assert.ok(net.conv.weight.isContiguous('channelsLast') && !net.conv.weight.isContiguous());
  scope(() => {
    const y = net.conv.forward(randn([2, 3, 4, 4]).contiguous('channelsLast'));
    assert.ok(y.isContiguous('channelsLast'), 'channels-last in, channels-last out');
  });
  assert.throws(() => net.to('int64' as never), /dtype must be a floating dtype/);
  assert.throws(() => net.to('tpu' as never), /unknown device 'tpu'/);
  net.dispose();
});

test('a module reachable twice is listed once and converted once', () => {
  class Shared extends Module {
    readonly a = this.registerModule('a', new Linear(3, 3));
    readonly again = this.registerModule('again', this.a);
    forward(x: Tensor): Tensor {
      return this.again.forward(this.a.forward(x));
    }
  }
  const m = new Shared();
  assert.deepEqual(m.namedModules().map(([n]) => n), ['', 'a']);
  assert.deepEqual(m.namedParameters().map(([n]) => n), ['a.weight', 'a.bias']);
  const before = memory().tensors;
  m.to('float64');
  assert.equal(memory().tensors, before);
  assert.equal(m.again.weight.dtype, 'float64');
  scope(() => {
    m.forward(randn([2, 3], { dtype: 'float64' }));
  });
  m.dispose();
});

test('zeroGrad clears gradients; requiresGrad_(false) freezes', () => {
  const lin = new Linear(3, 2);
  scope(() => lin.forward(randn([4, 3])).sum().backward());
  assert.ok(lin.weight.grad !== null);
  lin.zeroGrad(false);
  scope(() => assert.deepEqual(lin.weight.grad!.abs().sum().item(), 0));
  lin.zeroGrad();
  assert.equal(lin.weight.grad, null);
  lin.requiresGrad_(false);
  assert.ok(lin.parameters().every((p) => !p.requiresGrad));
  lin.dispose();
});

test('registration errors name the module and the problem', () => {
  class Bad extends Module {
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  const m = new Bad();
  m.registerModule('a', new ReLU());
  assert.throws(() => m.registerModule('a', new ReLU()), /Bad.registerModule: 'a' is already registered/);
  assert.throws(() => m.registerParameter('x.y', zeros([1])), /name must be a non-empty string without '\.'/);
  assert.throws(() => m.registerParameter('p', [1] as unknown as Tensor), /expected a Tensor or null/);
  assert.throws(() => m.loadStateDict(null as never), /expected an object or Map/);
  assert.throws(() => new BatchNorm1d(0), /numFeatures must be a positive integer/);
});
