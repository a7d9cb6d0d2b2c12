// The sequence encoders (gru, lstm, tcn, cpc): torch.nn.GRU/LSTM parity (names, seeded weights,
// outputs with packed variable lengths), padding invariance for every encoder and pooling,
// gradients, input checks, bf16 autocast, and flat memory.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CPCEncoder, createEncoder, encoderInputKind, encoderNames, encoderOptionProblem, type Encoder, GRUEncoder, isSequenceEncoder, LSTMEncoder,
  type Pooling, type SequenceEncoder, TCN,
} from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import {
  autocast, keep, manualSeed, memory, type NestedArray, noGrad, randn, scope, type Tensor, tensor,
} from '../../src/tensor/index.js';
import { assertClose, runTorch } from '../helpers.js';

const LENGTHS = [7, 3, 5, 1];
const T = 7;
const C = 5;

/** A padded batch (4, 7, 5): random steps, zero past each of LENGTHS; and the lengths (4) int64. */
function batch(): { x: Tensor; lengths: Tensor } {
  return scope(() => {
    const x = randn([LENGTHS.length, T, C]);
    LENGTHS.forEach((l, i) => { if (l < T) x.select(0, i).narrow(0, l, T - l).zero_(); });
    return { x, lengths: tensor(BigInt64Array.from(LENGTHS, BigInt)) };
  });
}

/** Every encoder the invariance, gradient and memory tests run: each pooling, both directions, two layers. */
function encoders(): [string, () => SequenceEncoder][] {
  const out: [string, () => SequenceEncoder][] = [];
  for (const pooling of ['last', 'mean', 'max'] as Pooling[]) {
    out.push([`gru ${pooling}`, () => new GRUEncoder({ inputSize: C, hiddenSize: 6, pooling })]);
    out.push([`gru 2 layers bidirectional ${pooling}`, () => new GRUEncoder({ inputSize: C, hiddenSize: 6, numLayers: 2, bidirectional: true, pooling })]);
    out.push([`lstm ${pooling}`, () => new LSTMEncoder({ inputSize: C, hiddenSize: 6, pooling })]);
    out.push([`lstm 2 layers bidirectional ${pooling}`, () => new LSTMEncoder({ inputSize: C, hiddenSize: 6, numLayers: 2, bidirectional: true, pooling })]);
    out.push([`tcn ${pooling}`, () => new TCN({ inputSize: C, hiddenSize: 8, outputSize: 12, depth: 3, pooling })]);
    out.push([`cpc ${pooling}`, () => new CPCEncoder({ inputSize: C, codeSize: 8, hiddenSize: 6, pooling })]);
  }
  return out;
}

interface TorchCase {
  mode: 'gru' | 'lstm';
  numLayers: number;
  bidirectional: boolean;
  seed: number;
  state: Record<string, NestedArray>;
  x: NestedArray;
}

interface TorchResult {
  init: Record<string, NestedArray>;
  keys: string[];
  out: NestedArray;
  last: NestedArray;
  mean: NestedArray;
  max: NestedArray;
  outFull: NestedArray;
  lastFull: NestedArray;
}

const TORCH_RNN = `
import json, sys, torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
p = json.load(sys.stdin)
L = torch.tensor(p['lengths'])
T = p['T']
res = []
for c in p['cases']:
    torch.manual_seed(c['seed'])
    M = torch.nn.GRU if c['mode'] == 'gru' else torch.nn.LSTM
    m = M(p['C'], p['H'], num_layers=c['numLayers'], bidirectional=c['bidirectional'], batch_first=True)
    init = {k: v.tolist() for k, v in m.state_dict().items()}
    m.load_state_dict({k: torch.tensor(v) for k, v in c['state'].items()}, strict=True)
    m.eval()
    x = torch.tensor(c['x'])
    D = 2 if c['bidirectional'] else 1
    def last(h):
        h = h[0] if isinstance(h, tuple) else h
        return h[-D:].transpose(0, 1).reshape(x.shape[0], -1)
    with torch.no_grad():
        out, h = m(pack_padded_sequence(x, L, batch_first=True, enforce_sorted=False))
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
        valid = (torch.arange(T)[None, :] < L[:, None])[:, :, None]
        mean = out.sum(1) / L[:, None]
        mx = out.masked_fill(~valid, float('-inf')).amax(1)
        out_full, h_full = m(x)
    res.append({'init': init, 'keys': list(m.state_dict().keys()), 'out': out.tolist(), 'last': last(h).tolist(),
                'mean': mean.tolist(), 'max': mx.tolist(), 'outFull': out_full.tolist(), 'lastFull': last(h_full).tolist()})
print(json.dumps(res))
`;

describe('GRU and LSTM encoders are torch.nn.GRU/LSTM(batch_first=True)', () => {
  test('same state-dict keys, the same seeded weights; the state dict loads (strict) and reproduces the outputs, packed and full', () => {
    const H = 6;
    const specs: Omit<TorchCase, 'state' | 'x'>[] = [
      { mode: 'gru', numLayers: 1, bidirectional: false, seed: 11 },
      { mode: 'gru', numLayers: 2, bidirectional: true, seed: 12 },
      { mode: 'lstm', numLayers: 1, bidirectional: false, seed: 13 },
      { mode: 'lstm', numLayers: 2, bidirectional: true, seed: 14 },
    ];
    const made = specs.map((s) => {
      manualSeed(s.seed);
      const Enc = s.mode === 'gru' ? GRUEncoder : LSTMEncoder;
      const m = new Enc({ inputSize: C, hiddenSize: H, numLayers: s.numLayers, bidirectional: s.bidirectional });
      m.eval();
      const init = scope(() => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.toArray()])));
      // Moved away from the initialisation, so that matching outputs show the loaded weights.
      noGrad(() => scope(() => { for (const p of m.parameters()) p.add_(randn(p.shape).mul(0.2)); }));
      const { x, lengths } = batch();
      const state = scope(() => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.toArray()])));
      return { s, m, init, x, lengths, state };
    });
    const theirs = runTorch<TorchResult[]>(TORCH_RNN, {
      lengths: LENGTHS, T, C, H, cases: made.map(({ s, x, state }) => ({ ...s, state, x: x.toArray() })),
    });
    made.forEach(({ s, m, init, x, lengths }, i) => {
      const r = theirs[i]!;
      const what = `${s.mode} layers ${s.numLayers} bidirectional ${s.bidirectional}`;
      assert.deepEqual(m.flatWeightNames, r.keys, `${what}: torch's parameter names, in its order`);
      assert.deepEqual(Object.keys(init), r.keys);
      for (const k of r.keys) assertClose(init[k]!, r.init[k]!, { atol: 0, rtol: 0, message: `${what} ${k}: manualSeed draws torch's weights` });
      scope(() => {
        const tol = { atol: 1e-5, rtol: 1e-5 };
        assertClose(m.forwardSteps(x, lengths), r.out, { ...tol, message: `${what}: packed outputs` });
        assertClose(m.forward(x, lengths), r.last, { ...tol, message: `${what}: h_n` });
        assertClose(m.forwardSteps(x), r.outFull, { ...tol, message: `${what}: full outputs` });
        assertClose(m.forward(x), r.lastFull, { ...tol, message: `${what}: full h_n` });
        for (const pooling of ['mean', 'max'] as const) {
          const Enc = s.mode === 'gru' ? GRUEncoder : LSTMEncoder;
          const p = new Enc({ inputSize: C, hiddenSize: H, numLayers: s.numLayers, bidirectional: s.bidirectional, pooling });
          p.loadStateDict(m.stateDict());
          p.eval();
          assertClose(p.forward(x, lengths), r[pooling], { ...tol, message: `${what}: ${pooling} pooling` });
          p.dispose();
        }
      });
      m.dispose();
      x.dispose();
      lengths.dispose();
    });
  });

  test('featureDim is hiddenSize x directions; the defaults are torch\'s (hidden 256, 1 layer, unidirectional, no dropout, last)', () => {
    const g = new GRUEncoder({ inputSize: 28 });
    assert.deepEqual([g.hiddenSize, g.numLayers, g.bidirectional, g.dropout, g.pooling, g.featureDim], [256, 1, false, 0, 'last', 256]);
    const l = new LSTMEncoder({ inputSize: 28, hiddenSize: 32, bidirectional: true });
    assert.equal(l.featureDim, 64);
    assert.deepEqual(scope(() => Object.values(l.stateDict()).map((t) => [...t.shape])), [[128, 28], [128, 32], [128], [128], [128, 28], [128, 32], [128], [128]]);
    g.dispose();
    l.dispose();
  });

  test('dropout between layers acts in training only', () => {
    manualSeed(3);
    const m = new GRUEncoder({ inputSize: C, hiddenSize: 6, numLayers: 2, dropout: 0.5 });
    const { x, lengths } = batch();
    scope(() => {
      const a = m.forward(x, lengths);
      const b = m.forward(x, lengths);
      assert.ok(a.sub(b).abs().max().item() > 1e-4, 'two training forwards differ');
      m.eval();
      assertClose(m.forward(x, lengths), m.forward(x, lengths), { atol: 0, rtol: 0 });
    });
    for (const t of [m, x, lengths]) t.dispose();
  });
});

describe('padding never changes a sequence\'s output (padded batch vs one by one, within 1e-5)', () => {
  for (const [name, make] of encoders()) {
    test(name, () => {
      manualSeed(5);
      const m = make();
      m.eval();
      const { x, lengths } = batch();
      scope(() => {
        const features = m.forward(x, lengths);
        const steps = m.forwardSteps(x, lengths);
        const stepLengths = m.stepLengths(lengths).toArray() as number[];
        assert.deepEqual(features.shape, [4, m.featureDim]);
        assert.deepEqual(steps.shape, [4, m.stepCount(T), m.stepDim]);
        LENGTHS.forEach((l, i) => {
          const alone = x.narrow(0, i, 1).narrow(1, 0, l); // (1, l, C)
          assertClose(features.narrow(0, i, 1), m.forward(alone), { atol: 1e-5, rtol: 1e-5, message: `${name}: sequence ${i} (length ${l}) features` });
          const s = stepLengths[i]!;
          assert.equal(s, m.stepCount(l), 'stepLengths agrees with stepCount');
          assertClose(steps.narrow(0, i, 1).narrow(1, 0, s), m.forwardSteps(alone), { atol: 1e-5, rtol: 1e-5, message: `${name}: sequence ${i} steps` });
          if (s < steps.shape[1]!) assert.equal(steps.narrow(0, i, 1).narrow(1, s, steps.shape[1]! - s).abs().max().item(), 0, 'zero past the end');
        });
        // Non-zero padding is ignored too, and lengths of all T steps equal no lengths.
        const noisy = x.add(randn(x.shape).mul(zeroMask(x).logicalNot()));
        assertClose(m.forward(noisy, lengths), features, { atol: 1e-5, rtol: 1e-5, message: `${name}: padding values do not matter` });
        const full = tensor(BigInt64Array.from(LENGTHS, () => BigInt(T)));
        assertClose(m.forward(x, full), m.forward(x), { atol: 0, rtol: 0, message: `${name}: all-T lengths` });
      });
      m.dispose();
      x.dispose();
      lengths.dispose();
    });
  }
});

/** Where the padded batch `x` (N, T, C) is inside a sequence (LENGTHS), broadcast over C. */
function zeroMask(x: Tensor): Tensor {
  return scope(() => tensor(Uint8Array.from({ length: x.numel() }, (_, i) => Number(Math.floor(i / C) % T < LENGTHS[Math.floor(i / (C * T))]!)), { shape: x.shape, dtype: 'bool' }));
}

describe('training: gradients reach every parameter, an SGD step changes them, memory stays flat', () => {
  for (const [name, make] of encoders().filter(([n]) => n.endsWith('last') || n.startsWith('tcn'))) {
    test(name, () => {
      manualSeed(6);
      const m = make();
      const opt = new SGD(m.parameters(), { lr: 0.1 });
      const { x, lengths } = batch();
      const before = scope(() => m.parameters().map((p) => keep(p.detach().clone())));
      const step = (): void => scope(() => {
        opt.zeroGrad();
        m.forward(x, lengths).square().mean().backward();
        opt.step();
      });
      step();
      m.namedParameters().forEach(([k, p], i) => {
        assert.ok(scope(() => p.sub(before[i]!).abs().max().item()) > 0, `${name}: ${k} changed`);
      });
      const count = memory().tensors;
      for (let i = 0; i < 3; i++) step();
      scope(() => { m.forwardSteps(x, lengths); m.forward(x); });
      assert.equal(memory().tensors, count, `${name}: no tensor left behind`);
      for (const t of [...before, x, lengths]) t.dispose();
      opt.dispose();
      m.dispose();
    });
  }
});

describe('bf16 autocast on the CPU', () => {
  for (const [name, make] of encoders().filter(([n]) => n.endsWith('max'))) {
    test(name, () => {
      manualSeed(7);
      const m = make();
      m.eval(); // no dropout: the two forwards compare
      const { x, lengths } = batch();
      scope(() => {
        const want = m.forward(x, lengths);
        const got = autocast('cpu', () => m.forward(x, lengths));
        assert.deepEqual(got.shape, want.shape);
        const err = got.to('float32').sub(want).abs().max().item();
        assert.ok(err <= 0.05 * Math.max(1, want.abs().max().item()), `${name}: bf16 within 5% of fp32 (${err})`);
        autocast('cpu', () => m.forward(x, lengths)).to('float32').sum().backward();
        assert.ok(m.parameters().every((p) => p.grad !== null), 'gradients under autocast');
      });
      m.dispose();
      x.dispose();
      lengths.dispose();
    });
  }
});

describe('input and option checks name the encoder, the argument and the value', () => {
  test('inputs', () => {
    const encs: Encoder[] = [new GRUEncoder({ inputSize: C, hiddenSize: 4 }), new LSTMEncoder({ inputSize: C, hiddenSize: 4 }), new TCN({ inputSize: C, depth: 1 }), new CPCEncoder({ inputSize: C, codeSize: 4, hiddenSize: 4 })];
    scope(() => {
      for (const e of encs) {
        const n = e.name;
        assert.throws(() => e.forward(randn([4, C])), new RegExp(`${n}: x must be a batch of sequences \\(N, T, ${C}\\), got shape \\[4, ${C}\\]`));
        assert.throws(() => e.forward(randn([2, 3, C + 1])), new RegExp(`${n}: x must be .* got shape \\[2, 3, ${C + 1}\\]`));
        assert.throws(() => e.forward(randn([2, 3, C]), tensor([3n])), new RegExp(`${n}: lengths must be \\(2\\) int64.*got shape \\[1\\] int64`));
        assert.throws(() => e.forward(randn([2, 3, C]), tensor([3, 3])), new RegExp(`${n}: lengths must be \\(2\\) int64.*float32`));
        assert.throws(() => e.forward(randn([2, 3, C]), tensor([3n, 0n])), new RegExp(`${n}: lengths\\[1\\] must be in 1..3 .*got 0`));
        assert.throws(() => e.forward(randn([2, 3, C]), tensor([4n, 1n])), new RegExp(`${n}: lengths\\[0\\] must be in 1..3 .*got 4`));
        assert.throws(() => e.forward(tensor(new Int32Array(6 * C), { shape: [2, 3, C] })), new RegExp(`${n}: x must be floating, got int32`));
      }
    });
    for (const e of encs) e.dispose();
  });

  test('options', () => {
    assert.throws(() => createEncoder('gru'), /GRUEncoder: inputSize must be a positive integer, got undefined/);
    assert.throws(() => new LSTMEncoder({ inputSize: 3, hiddenSize: 0 }), /LSTMEncoder: hiddenSize must be a positive integer, got 0/);
    assert.throws(() => new GRUEncoder({ inputSize: 3, pooling: 'first' as Pooling }), /GRUEncoder: pooling must be 'last', 'mean', 'max', got first/);
    assert.throws(() => new GRUEncoder({ inputSize: 3, dropout: 1 }), /GRUEncoder: dropout must be a number in \[0, 1\), got 1/);
    assert.throws(() => new GRUEncoder({ inputSize: 3, bidirectional: 'yes' as unknown as boolean }), /GRUEncoder: bidirectional must be a boolean/);
    assert.throws(() => new TCN({ inputSize: 3, depth: -1 }), /TCN: depth must be an integer >= 0, got -1/);
    assert.throws(() => new CPCEncoder({ inputSize: 3, codeSize: 2.5 }), /CPCEncoder: codeSize must be a positive integer, got 2.5/);
  });
});

describe('the registry and the designs', () => {
  test('gru, lstm, tcn and cpc by name, with the registry options; encoderNames by input', () => {
    assert.deepEqual(encoderNames('sequence'), ['gru', 'lstm', 'tcn', 'cpc']);
    assert.equal(encoderInputKind('convnet28'), 'image');
    assert.equal(encoderInputKind('mlp'), 'vector');
    assert.deepEqual(encoderNames().slice(-4), ['gru', 'lstm', 'tcn', 'cpc']);
    const e = createEncoder('gru', { inputSize: 28, hiddenSize: 16, numLayers: 2, bidirectional: true, dropout: 0.1, pooling: 'mean' }) as GRUEncoder;
    assert.deepEqual([e.inputSize, e.hiddenSize, e.numLayers, e.bidirectional, e.dropout, e.pooling, e.featureDim], [28, 16, 2, true, 0.1, 'mean', 32]);
    const d = createEncoder('lstm', { inputSize: 28 }) as LSTMEncoder;
    assert.deepEqual([d.hiddenSize, d.numLayers, d.bidirectional, d.pooling, d.featureDim], [128, 1, true, 'last', 256], "the registry's recurrent defaults");
    d.dispose();
    const t = createEncoder('tcn', { inputSize: 3 }) as TCN;
    assert.deepEqual([t.hiddenSize, t.outputSize, t.depth, t.pooling, t.featureDim, t.blocks.length], [64, 320, 10, 'max', 320, 11], 'TS2Vec\'s defaults');
    assert.deepEqual(t.blocks.map((b) => b.dilation), [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
    assert.deepEqual(t.blocks.map((b) => b.projector !== null), [...new Array<boolean>(10).fill(false), true], 'a projector where channels change and on the last block');
    const c = createEncoder('cpc', { inputSize: 28 }) as CPCEncoder;
    assert.deepEqual([c.codeSize, c.contextSize, c.featureDim, c.stepCount(28), c.stepCount(1), c.stepCount(5)], [256, 256, 256, 15, 1, 3]);
    assert.ok(Object.keys(scope(() => c.stateDict())).includes('g_ar.weight_hh_l0'));
    for (const m of [e, t, c]) {
      assert.ok(isSequenceEncoder(m));
      m.dispose();
    }
    assert.throws(() => createEncoder('gru', { inputSize: 28, depth: 3 }), /encoder gru takes no depth \(its options: hiddenSize, numLayers, bidirectional, dropout, pooling\)/);
    assert.throws(() => createEncoder('convnet28', { inChannels: 1, hiddenSize: 3 }), /encoder convnet28 takes no hiddenSize \(its options: featureDim\)/);
    assert.equal(encoderOptionProblem('cpc', { codeSize: 8, hiddenSize: 6, pooling: 'max', inputSize: 3 }), null, "cpc's options, and the input's");
    assert.equal(encoderOptionProblem('cpc', { depth: 2 }), 'encoder cpc takes no depth (its options: codeSize, hiddenSize, pooling)');
  });

  test('CPC encodeSteps: codes and contexts zero past each end, with the downsampled lengths', () => {
    manualSeed(8);
    const c = new CPCEncoder({ inputSize: C, codeSize: 8, hiddenSize: 6, pooling: 'last' });
    c.eval();
    const d = new CPCEncoder({ inputSize: C });
    assert.equal(d.g_ar.pooling, 'max', 'max-pooled contexts by default');
    d.dispose();
    const { x, lengths } = batch();
    scope(() => {
      const r = c.encodeSteps(x, lengths);
      assert.deepEqual(r.z.shape, [4, 4, 8]);
      assert.deepEqual(r.c.shape, [4, 4, 6]);
      assert.deepEqual(r.lengths!.toArray(), [4, 2, 3, 1]);
      assertClose(r.c, c.forwardSteps(x, lengths), { atol: 0, rtol: 0 });
      assertClose(c.forward(x, lengths), r.c.gather(1, r.lengths!.sub(1).view([4, 1, 1]).expand([4, 1, 6])).squeeze(1), { atol: 1e-6, rtol: 1e-6, message: 'features are the last context' });
      LENGTHS.forEach((l, i) => {
        const alone = c.encodeSteps(x.narrow(0, i, 1).narrow(1, 0, l));
        const s = c.stepCount(l);
        assert.equal(alone.lengths, null);
        assertClose(r.z.narrow(0, i, 1).narrow(1, 0, s), alone.z, { atol: 1e-5, rtol: 1e-5, message: `z of sequence ${i}` });
      });
      assert.equal(c.encodeSteps(x).lengths, null);
    });
    for (const t of [c, x, lengths]) t.dispose();
  });
});
