// What the exporter refuses, and how it says so: the module path and type, never a broken model.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatchNorm2d, Conv2d, ConvNetSmall, GroupNorm, Linear, Module, ReLU, Sequential } from '../../src/nn/index.js';
import { manualSeed, rand, type Tensor } from '../../src/index.js';
import { findOnnxConverter, OnnxExportError, registerOnnxConverter, toOnnx } from '../../src/export/index.js';
import { floatAttr } from '../../src/export/onnx-graph.js';
import { compare } from './helpers.js';

/** y = x * factor: a layer the exporter does not know. */
class Scale extends Module {
  constructor(readonly factor: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.mul(this.factor);
  }
}

/** A ReLU subclass whose forward differs (leaky): ReLU's converter must not be used for it. */
class Leaky extends ReLU {
  override forward(x: Tensor): Tensor {
    return x.maximum(x.mul(0.1));
  }
}

function expectExportError(fn: () => unknown, path: string, type: string, extra?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof OnnxExportError, `expected an OnnxExportError, got ${String(e)}`);
    assert.equal(e.modulePath, path);
    assert.equal(e.moduleType, type);
    assert.ok(e.message.includes(`'${path}'`) && e.message.includes(type), e.message);
    if (extra) assert.match(e.message, extra);
    return true;
  });
}

describe('ONNX export errors', () => {
  test('an unknown module type names its path and type, and lists what is known', () => {
    const m = new Sequential(new Linear(4, 4), new Scale(2));
    expectExportError(() => toOnnx([['backbone', m]], { sampleShape: [4] }), 'backbone.1', 'Scale', /no converter .* the exporter converts .*Conv2d.*registerOnnxConverter/);
    const gn = new GroupNorm(2, 4);
    expectExportError(() => toOnnx([['backbone', gn]], { sampleShape: [4, 3, 3] }), 'backbone', 'GroupNorm');
    gn.dispose();
    m.dispose();
  });

  test('a subclass that overrides forward, or a forward replaced on an instance, is not exported as its base', () => {
    expectExportError(() => toOnnx([['head', new Sequential(new Linear(4, 4), new Leaky())]], { sampleShape: [4] }), 'head.1', 'Leaky', /a subclass of ReLU whose forward differs/);
    const enc = new ConvNetSmall({ inChannels: 1 });
    try {
      const forward = enc.forward.bind(enc);
      enc.forward = (x: Tensor): Tensor => forward(x).mul(2);
      expectExportError(() => toOnnx([['backbone', enc]], { sampleShape: [1, 28, 28] }), 'backbone', 'ConvNetSmall', /replaced on the instance/);
    } finally {
      enc.dispose();
    }
  });

  test('BatchNorm without running statistics, a wrong channel count and a too-small input are errors naming the layer', () => {
    const bn = new Sequential(new Conv2d(3, 4, 3), new BatchNorm2d(4, { trackRunningStats: false }));
    try {
      expectExportError(() => toOnnx([['backbone', bn]], { sampleShape: [3, 8, 8] }), 'backbone.1', 'BatchNorm2d', /trackRunningStats: false/);
      expectExportError(() => toOnnx([['backbone', bn]], { sampleShape: [1, 8, 8] }), 'backbone.0', 'Conv2d', /expected 3 input channels, got \[N, 1, 8, 8\]/);
      expectExportError(() => toOnnx([['backbone', bn]], { sampleShape: [3, 2, 2] }), 'backbone.0', 'Conv2d', /too small/);
    } finally {
      bn.dispose();
    }
  });

  test('a converter registered for a custom layer is used, and its subclasses inherit it', async () => {
    assert.equal(findOnnxConverter(new Scale(1)), null);
    registerOnnxConverter(Scale, (m, x, ctx, path) => {
      const k = ctx.constant(path, 'factor', Float32Array.of(m.factor), []);
      return ctx.graph.node('Mul', [x.name, k], x.shape, {}, `${path}/Mul`);
    });
    assert.throws(() => registerOnnxConverter(Scale, (_m, x) => x), /already has a converter/);
    class Scale3 extends Scale {
      constructor() {
        super(3);
      }
    }
    assert.notEqual(findOnnxConverter(new Scale3()), null);
    manualSeed(7);
    const m = new Sequential(new Linear(4, 6), new Scale3(), new ReLU());
    try {
      m.eval();
      const x = rand([3, 4]);
      const r = await compare(m, [4], x);
      x.dispose();
      assert.ok(r.maxAbsDiff <= 1e-6, `${r.maxAbsDiff}`);
    } finally {
      m.dispose();
    }
    assert.throws(() => floatAttr(Number.NaN), /finite/);
  });
});
