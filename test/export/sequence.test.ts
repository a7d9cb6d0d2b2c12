// The sequence encoders exported to ONNX (opset 17: GRU, LSTM, Conv 1-d, masked pooling) and run
// with onnxruntime-node on a padded batch with its lengths: the engine's evaluation-mode
// features within 1e-4 of the output's scale.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { toOnnx, type OnnxStage } from '../../src/export/index.js';
import {
  CPCEncoder, GRUEncoder, Linear, LSTMEncoder, type Pooling, type SequenceEncoder, Sequential, SimCLRProjectionHead, TCN,
} from '../../src/nn/index.js';
import { manualSeed, memory, noGrad, randn, scope, type Tensor, tensor } from '../../src/tensor/index.js';
import { onnx } from './helpers.js';

const TOL = 1e-4;

/** A padded batch (N, T, C) of `lengths`, random steps and zeros past each end; the lengths (N) int64. */
function batch(lengths: readonly number[], t: number, c: number): { x: Tensor; lengths: Tensor } {
  return scope(() => {
    const x = randn([lengths.length, t, c]);
    lengths.forEach((l, i) => { if (l < t) x.select(0, i).narrow(0, l, t - l).zero_(); });
    return { x, lengths: tensor(BigInt64Array.from(lengths, BigInt)) };
  });
}

/** Runs the model on `sequences` and `lengths` with onnxruntime-node; returns the embeddings. */
async function ortRun(bytes: Uint8Array, x: Tensor, lengths: Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  try {
    const r = await session.run({
      sequences: new ort.Tensor('float32', x.data() as Float32Array, [...x.shape]),
      lengths: new ort.Tensor('int64', lengths.data() as BigInt64Array, [...lengths.shape]),
    });
    return { data: r.embeddings!.data as Float32Array, dims: r.embeddings!.dims };
  } finally {
    await session.release();
  }
}

/** Exports `stages` on (T, C) sequences, runs it, and compares with `engine` (the float32 evaluation-mode output). */
async function check(stages: readonly OnnxStage[], engine: (x: Tensor, lengths: Tensor) => Tensor, lengths: readonly number[], t: number, c: number): Promise<{ diff: number; scale: number; dims: readonly number[]; nodes: number }> {
  for (const [, m] of stages) m.eval();
  const before = memory().tensors;
  const exp = toOnnx(stages, { sampleShape: [t, c], inputName: 'sequences' });
  assert.equal(memory().tensors, before, 'the export leaves no tensor behind');
  const b = batch(lengths, t, c);
  const want = noGrad(() => scope(() => engine(b.x, b.lengths).data() as Float32Array));
  const got = await ortRun(exp.bytes, b.x, b.lengths);
  b.x.dispose();
  b.lengths.dispose();
  let diff = 0;
  let scale = 0;
  assert.equal(got.data.length, want.length);
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got.data[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  assert.ok(scale > 1e-3, 'the outputs are not all ~0 (the comparison means something)');
  assert.ok(diff <= TOL * Math.max(1, scale), `max |onnxruntime - engine| ${diff} (max |output| ${scale})`);
  return { diff, scale, dims: got.dims, nodes: exp.nodes };
}

const LENGTHS = [9, 4, 7, 1, 9, 2];

describe('ONNX export of the sequence encoders (padded batch with lengths, onnxruntime-node vs the engine)', () => {
  const cases: [string, () => SequenceEncoder][] = [];
  for (const pooling of ['last', 'mean', 'max'] as Pooling[]) {
    for (const bidirectional of [false, true]) {
      const o = { inputSize: 5, hiddenSize: 12, numLayers: bidirectional ? 2 : 1, bidirectional, pooling };
      const what = `${bidirectional ? 'bidirectional, 2 layers' : 'unidirectional'}, ${pooling}`;
      cases.push([`gru ${what}`, () => new GRUEncoder(o)], [`lstm ${what}`, () => new LSTMEncoder(o)]);
    }
  }
  cases.push(
    ['tcn (TS2Vec defaults: hidden 64, output 320, depth 10, max)', () => new TCN({ inputSize: 5 })],
    ['tcn depth 2, last', () => new TCN({ inputSize: 5, hiddenSize: 8, outputSize: 16, depth: 2, pooling: 'last' })],
    ['tcn depth 2, mean', () => new TCN({ inputSize: 5, hiddenSize: 8, outputSize: 16, depth: 2, pooling: 'mean' })],
    ['cpc (codes 256, contexts 256, last)', () => new CPCEncoder({ inputSize: 5 })],
    ['cpc mean', () => new CPCEncoder({ inputSize: 5, codeSize: 16, hiddenSize: 8, pooling: 'mean' })],
  );
  for (const [name, make] of cases) {
    test(name, async (t) => {
      manualSeed(1);
      const m = make();
      try {
        const r = await check([['backbone', m]], (x, l) => m.forward(x, l), LENGTHS, 9, 5);
        assert.deepEqual(r.dims, [LENGTHS.length, m.featureDim]);
        t.diagnostic(`${name}: max |diff| ${r.diff.toExponential(2)} (max |output| ${r.scale.toFixed(3)}), ${r.nodes} nodes`);
      } finally {
        m.dispose();
      }
    });
  }

  test('the inputs are sequences (N, T, C) float32 and lengths (N) int64, the batch dynamic', async () => {
    manualSeed(2);
    const m = new GRUEncoder({ inputSize: 3, hiddenSize: 4 });
    m.eval();
    try {
      const exp = toOnnx([['backbone', m]], { sampleShape: [6, 3], inputName: 'sequences' });
      const graph = onnx.ModelProto.decode(exp.bytes).graph!;
      const inputs = graph.input!.map((i) => [i.name, i.type!.tensorType!.elemType, i.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))]);
      assert.deepEqual(inputs, [['sequences', onnx.TensorProto.DataType.FLOAT, ['N', 6, 3]], ['lengths', onnx.TensorProto.DataType.INT64, ['N']]]);
      assert.ok(graph.node!.some((n) => n.opType === 'GRU'), 'an ONNX GRU operator');
      assert.ok(graph.initializer!.some((i) => i.name === 'backbone.weight_ih_l0'), 'initializers under the state-dict names');
      for (const lengths of [[6], [2, 6, 1, 5, 3]]) {
        const b = batch(lengths, 6, 3);
        const got = await ortRun(exp.bytes, b.x, b.lengths);
        const want = noGrad(() => scope(() => m.forward(b.x, b.lengths).data() as Float32Array));
        assert.deepEqual(got.dims, [lengths.length, 4]);
        got.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= TOL, `batch ${lengths.length}, element ${i}`));
        b.x.dispose();
        b.lengths.dispose();
      }
    } finally {
      m.dispose();
    }
  });

  test('stages (a sequence backbone + a projection head) and a Sequential of them', async () => {
    manualSeed(3);
    const lstm = new LSTMEncoder({ inputSize: 4, hiddenSize: 8, bidirectional: true, pooling: 'mean' });
    const head = new SimCLRProjectionHead({ inputDim: 16, hiddenDim: 32, outputDim: 8 });
    const tcn = new TCN({ inputSize: 4, hiddenSize: 8, outputSize: 8, depth: 2 });
    const seq = new Sequential(tcn, new Linear(8, 3));
    try {
      const staged = await check([['backbone', lstm], ['projectionHead', head]], (x, l) => head.forward(lstm.forward(x, l)), [5, 2, 8, 3], 8, 4);
      assert.deepEqual(staged.dims, [4, 8]);
      // A Sequential passes no lengths: the engine computes on all T steps, as the model does with lengths = T.
      const full = await check([['model', seq]], (x) => seq.forward(x), [8, 8, 8], 8, 4);
      assert.deepEqual(full.dims, [3, 3]);
    } finally {
      for (const m of [lstm, head, seq]) m.dispose();
    }
  });
});
