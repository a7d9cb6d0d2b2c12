// Every registered encoder, every projection head and the layers, exported to ONNX and run with
// onnxruntime-node: the same outputs as the engine's evaluation-mode forward (max |diff| <= 1e-4).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AdaptiveAvgPool2d, BarlowTwinsProjectionHead, BatchNorm1d, BatchNorm2d, BYOLPredictionHead, BYOLProjectionHead, Conv1d, Conv2d,
  createEncoder, Dropout, encoderInputKind, encoderNames, Flatten, GELU, Identity, LayerNorm, Linear, MaxPool2d, MoCoProjectionHead,
  NNCLRPredictionHead, NNCLRProjectionHead, type ProjectionHead, ReLU, Sequential, SiLU, SimCLRProjectionHead,
  SimSiamPredictionHead, SimSiamProjectionHead, VICRegProjectionHead,
} from '../../src/nn/index.js';
import { manualSeed, memory, rand, randn, scope } from '../../src/index.js';
import { toOnnx } from '../../src/export/index.js';
import { calibrate, compare, diff, engineRun, onnx, ortRun } from './helpers.js';

const TOL = 1e-4;

/**
 * The input an encoder is tested on (small, for a 2-core CPU): 28x28 grayscale for the 28x28
 * designs, 16x16 RGB for the CIFAR-stem ResNets (no downsampling stem: layer4 at 2x2), else
 * 32x32 RGB (the ImageNet stem takes it to 8x8, layer4 to 1x1).
 */
function sampleShapeOf(name: string): [number, number, number] {
  if (name === 'convnet28' || name === 'mlp') return [1, 28, 28];
  return name.endsWith('-cifar') ? [3, 16, 16] : [3, 32, 32];
}

describe('ONNX export of every registered encoder (random init, calibrated BatchNorm)', () => {
  for (const name of encoderNames().filter((n) => encoderInputKind(n) !== 'sequence')) { // sequence encoders: test/export/sequence.test.ts
    test(name, async (t) => {
      manualSeed(1);
      const shape = sampleShapeOf(name);
      const enc = createEncoder(name, { inChannels: shape[0] });
      try {
        calibrate(enc, [6, ...shape], 4);
        const before = memory().tensors;
        const x = rand([3, ...shape]);
        const r = await compare([['backbone', enc]], shape, x);
        x.dispose();
        assert.equal(memory().tensors, before, 'the export leaves no tensor behind');
        assert.deepEqual(r.outDims, [3, enc.featureDim]);
        t.diagnostic(`${name}: max |onnxruntime - engine| ${r.maxAbsDiff.toExponential(2)} (max |output| ${r.maxAbs.toFixed(3)}), export ${r.exportMs.toFixed(0)} ms, ${(r.bytes / 1e6).toFixed(1)} MB`);
        assert.ok(r.maxAbs > 1e-3, 'the outputs are not all ~0 (the comparison means something)');
        assert.ok(r.maxAbsDiff <= TOL, `${name}: max |diff| ${r.maxAbsDiff}`);
      } finally {
        enc.dispose();
      }
    });
  }

  test('a channels-last model exports plain NCHW float32 with a dynamic batch', async () => {
    manualSeed(2);
    const enc = createEncoder('resnet18-cifar', { inChannels: 3 });
    try {
      calibrate(enc, [6, 3, 16, 16], 4);
      enc.to({ memoryFormat: 'channelsLast' });
      const exp = toOnnx([['backbone', enc]], { sampleShape: [3, 16, 16] });
      const model = onnx.ModelProto.decode(exp.bytes);
      const graph = model.graph!;
      assert.equal(Number(model.opsetImport[0]!.version), 17);
      const input = graph.input![0]!;
      assert.equal(input.name, 'images');
      assert.equal(input.type!.tensorType!.elemType, onnx.TensorProto.DataType.FLOAT);
      assert.deepEqual(input.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue)), ['N', 3, 16, 16]);
      assert.equal(graph.output![0]!.name, 'embeddings');
      assert.ok(graph.initializer!.every((i) => i.dataType === onnx.TensorProto.DataType.FLOAT), 'float32 initializers');
      const conv1 = graph.initializer!.find((i) => i.name === 'backbone.conv1.weight')!;
      assert.deepEqual(conv1.dims!.map(Number), [64, 3, 3, 3], 'OIHW weight layout');
      for (const n of [1, 3]) { // the batch dim is dynamic
        const x = rand([n, 3, 16, 16]);
        const xcl = x.contiguous('channelsLast');
        const r = await compare([['backbone', enc]], [3, 16, 16], xcl);
        assert.ok(r.maxAbsDiff <= TOL, `batch ${n}: ${r.maxAbsDiff}`);
        assert.deepEqual(r.outDims, [n, 512]);
        xcl.dispose();
        x.dispose();
      }
    } finally {
      enc.dispose();
    }
  });

  test('a bfloat16 model exports float32 weights', async () => {
    manualSeed(3);
    const enc = createEncoder('convnet-small', { inChannels: 1 });
    try {
      calibrate(enc, [8, 1, 28, 28]);
      enc.to('bfloat16');
      const exp = toOnnx([['backbone', enc]], { sampleShape: [1, 28, 28] });
      const graph = onnx.ModelProto.decode(exp.bytes).graph!;
      assert.ok(graph.initializer!.every((i) => i.dataType === onnx.TensorProto.DataType.FLOAT));
      // The float32 model computes on the bf16 weights widened: the engine on those gives the same.
      enc.to('float32');
      const x = rand([4, 1, 28, 28]);
      const got = await ortRun(exp.bytes, 'images', x.data() as Float32Array, x.shape);
      const r = diff(got.data, engineRun([['backbone', enc]], x));
      x.dispose();
      assert.ok(r.maxAbsDiff <= TOL, `${r.maxAbsDiff}`);
      assert.equal(got.data.length, 4 * 128);
    } finally {
      enc.dispose();
    }
  });
});

describe('ONNX export of the projection heads', () => {
  const d = { inputDim: 24, hiddenDim: 32, outputDim: 16 };
  const heads: [string, () => ProjectionHead][] = [
    ['SimCLR (2 layers)', () => new SimCLRProjectionHead(d)],
    ['SimCLR v2 (3 layers, no BN)', () => new SimCLRProjectionHead({ ...d, numLayers: 3, batchNorm: false })],
    ['BYOL projection', () => new BYOLProjectionHead(d)],
    ['BYOL prediction', () => new BYOLPredictionHead(d)],
    ['NNCLR projection', () => new NNCLRProjectionHead(d)],
    ['NNCLR prediction', () => new NNCLRPredictionHead(d)],
    ['MoCo', () => new MoCoProjectionHead(d)],
    ['SimSiam projection (non-affine output BN)', () => new SimSiamProjectionHead(d)],
    ['SimSiam prediction', () => new SimSiamPredictionHead(d)],
    ['Barlow Twins', () => new BarlowTwinsProjectionHead(d)],
    ['VICReg', () => new VICRegProjectionHead(d)],
  ];
  for (const [name, make] of heads) {
    test(name, async (t) => {
      manualSeed(4);
      const head = make();
      try {
        calibrate(head, [32, 24], 10, 'randn');
        const x = randn([7, 24]);
        const r = await compare([['projectionHead', head]], [24], x);
        x.dispose();
        t.diagnostic(`${name}: max |diff| ${r.maxAbsDiff.toExponential(2)} (max |output| ${r.maxAbs.toFixed(3)})`);
        assert.deepEqual(r.outDims, [7, 16]);
        assert.ok(r.maxAbsDiff <= TOL, `${r.maxAbsDiff}`);
      } finally {
        head.dispose();
      }
    });
  }
});

describe('ONNX export of the layers', () => {
  test('Conv2d (stride, dilation, groups, bias), GELU (erf and tanh), SiLU, MaxPool2d (ceil), AdaptiveAvgPool2d(2), LayerNorm, Linear, Dropout, Identity', async () => {
    manualSeed(5);
    const m = new Sequential(
      new Conv2d(3, 8, 3, { stride: 2, padding: 1 }), new BatchNorm2d(8), new GELU(),
      new Conv2d(8, 8, 3, { padding: 2, dilation: 2, groups: 4, bias: false }), new SiLU(),
      new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), // 6x6 -> 4x4 (floor would give 3x3)
      new AdaptiveAvgPool2d(2), new Flatten(), new LayerNorm(32), new Linear(32, 16), new GELU('tanh'),
      new Dropout(0.5), new Identity(), new Linear(16, 8, { bias: false }),
    );
    try {
      calibrate(m, [8, 3, 12, 12]);
      const x = randn([3, 3, 12, 12]);
      const r = await compare(m, [3, 12, 12], x);
      x.dispose();
      assert.deepEqual(r.outDims, [3, 8]);
      assert.ok(r.maxAbsDiff <= TOL, `${r.maxAbsDiff}`);
    } finally {
      m.dispose();
    }
  });

  test('Conv1d, BatchNorm1d on (N, C, L), Linear on 3-d input (MatMul), Flatten(2) (Reshape)', async () => {
    manualSeed(6);
    const a = new Sequential(new Conv1d(4, 6, 3, { padding: 1, stride: 2 }), new BatchNorm1d(6), new ReLU(), new Linear(5, 3), new Flatten());
    const b = new Sequential(new Conv2d(3, 4, 1), new Flatten(2), new Linear(36, 5), new Flatten());
    try {
      calibrate(a, [8, 4, 10], 10, 'randn');
      const x = randn([2, 4, 10]);
      const ra = await compare(a, [4, 10], x);
      assert.deepEqual(ra.outDims, [2, 18]);
      assert.ok(ra.maxAbsDiff <= TOL, `${ra.maxAbsDiff}`);
      b.eval();
      const y = randn([2, 3, 6, 6]);
      const rb = await compare(b, [3, 6, 6], y);
      assert.deepEqual(rb.outDims, [2, 20]);
      assert.ok(rb.maxAbsDiff <= TOL, `${rb.maxAbsDiff}`);
      x.dispose();
      y.dispose();
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('a module that ends where it began (the identity) is an error, not an empty model', () => {
    const m = new Identity();
    assert.throws(() => toOnnx(m, { sampleShape: [3] }), /the model is the identity/);
  });

  test('the export keeps tensor memory flat', () => {
    const enc = createEncoder('resnet18-cifar', { inChannels: 3 });
    try {
      enc.eval();
      const before = memory();
      scope(() => toOnnx([['backbone', enc]], { sampleShape: [3, 16, 16] }));
      toOnnx([['backbone', enc]], { sampleShape: [3, 16, 16] });
      assert.deepEqual(memory(), before);
    } finally {
      enc.dispose();
    }
  });
});
