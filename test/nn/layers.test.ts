// Layers against PyTorch (Debian's torch 1.13): seeded initialisation draw for draw, forward
// outputs, BatchNorm running statistics and momentum; gradients by finite differences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type NestedArray, type Tensor, gradcheck, manualSeed, memory, noGrad, randint, randn, scope, tensor } from '../../src/index.js';
import {
  AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, Dropout, Embedding, Flatten, GELU, GroupNorm,
  LayerNorm, Linear, MaxPool2d, type Module, SiLU, init,
} from '../../src/nn/index.js';
import { assertClose, flat, runTorch } from '../helpers.js';

function sdArrays(m: Module<[Tensor], Tensor>): Record<string, NestedArray> {
  return scope(() => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.toArray()])));
}

test('seeded initialisation draws the same weights as PyTorch (Linear, Conv1d, Conv2d, Embedding)', () => {
  manualSeed(123);
  const mods = {
    lin: new Linear(5, 3),
    conv: new Conv2d(3, 4, 3),
    c1: new Conv1d(2, 4, 5, { bias: false }),
    emb: new Embedding(10, 4, { paddingIdx: 2 }),
    convg: new Conv2d(4, 6, [3, 2], { groups: 2 }),
  };
  const theirs = runTorch<Record<string, Record<string, NestedArray>>>(`
import json, torch, torch.nn as nn
torch.manual_seed(123)
mods = {'lin': nn.Linear(5, 3), 'conv': nn.Conv2d(3, 4, 3), 'c1': nn.Conv1d(2, 4, 5, bias=False),
        'emb': nn.Embedding(10, 4, padding_idx=2), 'convg': nn.Conv2d(4, 6, (3, 2), groups=2)}
print(json.dumps({k: {n: t.tolist() for n, t in m.state_dict().items()} for k, m in mods.items()}))
`);
  for (const [k, m] of Object.entries(mods)) {
    const ours = sdArrays(m);
    assert.deepEqual(Object.keys(ours), Object.keys(theirs[k]!), k);
    for (const n of Object.keys(ours)) assertClose(ours[n]!, theirs[k]![n]!, { atol: 0, rtol: 0, message: `${k}.${n}` });
    m.dispose();
  }
});

test('the default initialisation has PyTorch\'s bounds: U(-1/sqrt(fanIn), 1/sqrt(fanIn))', () => {
  manualSeed(5);
  const conv = new Conv2d(8, 16, 3);
  const bound = 1 / Math.sqrt(8 * 9);
  const w = flat(conv.weight);
  const b = flat(conv.bias!);
  assert.ok(w.every((v) => Math.abs(v) <= bound) && b.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.max(...w.map(Math.abs)) > 0.95 * bound, 'the draws fill the range');
  // U(-a, a) has variance a^2 / 3.
  const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
  assert.ok(Math.abs(variance / (bound * bound / 3) - 1) < 0.1, `variance ${variance}`);
  assert.deepEqual(init.fanInAndFanOut([16, 8, 3, 3]), [72, 144]);
  assert.equal(init.calculateGain('leaky_relu', Math.sqrt(5)), Math.sqrt(2 / 6));
  conv.dispose();
});

test('forward outputs of every layer match PyTorch\'s', () => {
  manualSeed(9);
  const before = memory().tensors;
  const layers: Record<string, [Module<[Tensor], Tensor>, string, Tensor]> = scope(() => {
    const ln = new LayerNorm([4, 5]);
    const gn = new GroupNorm(2, 6);
    noGrad(() => {
      init.uniform_(ln.weight!, 0.5, 1.5);
      init.normal_(ln.bias!, 0, 0.2);
      init.uniform_(gn.weight!, 0.5, 1.5);
      init.normal_(gn.bias!, 0, 0.2);
    });
    return {
      linear: [new Linear(6, 3), 'nn.Linear(6, 3)', randn([2, 4, 6])],
      conv2d: [new Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 }),
        'nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)', randn([2, 4, 7, 6])],
      conv1d: [new Conv1d(3, 5, 3, { stride: 2, padding: 1 }), 'nn.Conv1d(3, 5, 3, stride=2, padding=1)', randn([2, 3, 9])],
      layernorm: [ln, 'nn.LayerNorm([4, 5])', randn([3, 4, 5]).mul(3).add(1)],
      groupnorm: [gn, 'nn.GroupNorm(2, 6)', randn([2, 6, 3, 3]).mul(2)],
      maxpool: [new MaxPool2d(3, { stride: 2, padding: 1 }), 'nn.MaxPool2d(3, stride=2, padding=1)', randn([2, 3, 7, 7])],
      avgpool: [new AdaptiveAvgPool2d([2, 3]), 'nn.AdaptiveAvgPool2d((2, 3))', randn([2, 3, 7, 8])],
      gelu: [new GELU(), 'nn.GELU()', randn([5, 4]).mul(3)],
      gelutanh: [new GELU('tanh'), 'nn.GELU(approximate="tanh")', randn([5, 4]).mul(3)],
      silu: [new SiLU(), 'nn.SiLU()', randn([5, 4]).mul(3)],
      flatten: [new Flatten(), 'nn.Flatten()', randn([2, 3, 2, 2])],
      embedding: [new Embedding(7, 3, { paddingIdx: 0 }), 'nn.Embedding(7, 3, padding_idx=0)', randint(0, 7, [2, 5])],
    };
  });
  const cases = Object.fromEntries(Object.entries(layers).map(([k, [m, ctor, x]]) => [k, { ctor, sd: sdArrays(m), x: x.toArray(), long: x.dtype === 'int64' }]));
  const theirs = runTorch<Record<string, NestedArray>>(`
import json, sys, torch, torch.nn as nn
cases = json.load(sys.stdin)
out = {}
for k, c in cases.items():
    m = eval(c['ctor'])
    m.load_state_dict({n: torch.tensor(v) for n, v in c['sd'].items()})
    x = torch.tensor(c['x'], dtype=torch.int64 if c['long'] else torch.float32)
    with torch.no_grad():
        out[k] = m(x).tolist()
print(json.dumps(out))
`, cases);
  scope(() => {
    for (const [k, [m, , x]] of Object.entries(layers)) {
      const y = m.forward(x);
      assertClose(y, theirs[k]!, { atol: 1e-5, message: k });
    }
  });
  for (const [m, , x] of Object.values(layers)) {
    m.dispose();
    x.dispose();
  }
  assert.equal(memory().tensors, before);
});

test('BatchNorm running statistics, momentum and num_batches_tracked match PyTorch exactly', () => {
  manualSeed(11);
  const xs2 = scope(() => [0, 1, 2].map((i) => randn([4, 3, 5, 5]).mul(i + 1).add(i)));
  const xs1 = scope(() => [0, 1, 2].map((i) => randn([6, 3]).mul(i + 1).sub(i)));
  const xs13 = scope(() => [0, 1, 2].map((i) => randn([5, 3, 4]).mul(2).add(i)));
  const variants = {
    bn2: [new BatchNorm2d(3), 'nn.BatchNorm2d(3)', xs2],
    bn2cum: [new BatchNorm2d(3, { momentum: null }), 'nn.BatchNorm2d(3, momentum=None)', xs2],
    bn2m: [new BatchNorm2d(3, { momentum: 0.3, eps: 1e-3 }), 'nn.BatchNorm2d(3, momentum=0.3, eps=1e-3)', xs2],
    bn1: [new BatchNorm1d(3), 'nn.BatchNorm1d(3)', xs1],
    bn1seq: [new BatchNorm1d(3, { affine: false }), 'nn.BatchNorm1d(3, affine=False)', xs13],
    bn1notrack: [new BatchNorm1d(3, { trackRunningStats: false }), 'nn.BatchNorm1d(3, track_running_stats=False)', xs1],
  } as const;
  const ours: Record<string, { train: NestedArray[]; eval: NestedArray; sd: Record<string, NestedArray> }> = {};
  for (const [k, [m, , xs]] of Object.entries(variants)) {
    scope(() => {
      const train = xs.map((x) => m.forward(x).toArray());
      m.eval();
      ours[k] = { train, eval: m.forward(xs[0]!.mul(0.5)).toArray(), sd: sdArrays(m) };
    });
  }
  const input = Object.fromEntries(Object.entries(variants).map(([k, [, ctor, xs]]) => [k, { ctor, xs: xs.map((x) => x.toArray()) }]));
  const theirs = runTorch<typeof ours>(`
import json, sys, torch, torch.nn as nn
cases = json.load(sys.stdin)
out = {}
for k, c in cases.items():
    m = eval(c['ctor'])
    xs = [torch.tensor(x) for x in c['xs']]
    with torch.no_grad():
        train = [m(x).tolist() for x in xs]
        m.eval()
        ev = m(xs[0] * 0.5).tolist()
    out[k] = {'train': train, 'eval': ev, 'sd': {n: t.tolist() for n, t in m.state_dict().items()}}
print(json.dumps(out))
`, input);
  for (const k of Object.keys(variants)) {
    const o = ours[k]!;
    const t = theirs[k]!;
    assert.deepEqual(Object.keys(o.sd), Object.keys(t.sd), k);
    for (const n of Object.keys(o.sd)) assertClose(o.sd[n]!, t.sd[n]!, { atol: 1e-6, message: `${k}.${n}` });
    o.train.forEach((y, i) => assertClose(y, t.train[i]!, { atol: 1e-5, message: `${k} train ${i}` }));
    assertClose(o.eval, t.eval, { atol: 1e-5, message: `${k} eval` });
  }
  assert.equal(ours.bn2!.sd.num_batches_tracked, 3);
  // momentum null: the running mean is the plain average of the three batch means.
  scope(() => {
    const means = xs2.map((x) => x.mean([0, 2, 3]));
    assertClose(ours.bn2cum!.sd.running_mean!, means[0]!.add(means[1]!).add(means[2]!).div(3), { atol: 1e-5 });
  });
  for (const [m] of Object.values(variants)) m.dispose();
  for (const x of [...xs2, ...xs1, ...xs13]) x.dispose();
});

test('gradients through the layers agree with finite differences (float64)', () => {
  manualSeed(2);
  scope(() => {
    const lin = new Linear(4, 3).to('float64');
    const conv = new Conv2d(2, 3, 3, { padding: 1, stride: 2 }).to('float64');
    const bn = new BatchNorm2d(3).to('float64');
    const ln = new LayerNorm(3).to('float64');
    const x = randn([2, 4], { dtype: 'float64' });
    const xi = randn([2, 2, 5, 5], { dtype: 'float64' });
    assert.ok(gradcheck((a) => lin.forward(a).tanh(), [x]).ok, 'Linear');
    assert.ok(gradcheck((a) => bn.forward(conv.forward(a)), [xi]).ok, 'Conv2d + BatchNorm2d (training)');
    assert.ok(gradcheck((a) => ln.forward(lin.forward(a)), [x]).ok, 'LayerNorm');
    // And with respect to the weights: d/dW of sum(Linear(x) * c) is c^T x.
    const c = randn([2, 3], { dtype: 'float64' });
    lin.zeroGrad();
    lin.forward(x).mul(c).sum().backward();
    assertClose(lin.weight.grad!, c.t().matmul(x), { atol: 1e-12 });
    assertClose(lin.bias!.grad!, c.sum(0), { atol: 1e-12 });
    for (const m of [lin, conv, bn, ln]) m.dispose();
  });
});

test('Dropout drops with probability p and rescales in training; identity in eval', () => {
  manualSeed(4);
  const d = new Dropout(0.25);
  scope(() => {
    const y = flat(d.forward(tensor(new Float32Array(20000).fill(1))));
    const zeros = y.filter((v) => v === 0).length / y.length;
    assert.ok(Math.abs(zeros - 0.25) < 0.02, `dropped ${zeros}`);
    assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
    d.eval();
    assert.deepEqual(flat(d.forward(tensor([1, 2, 3]))), [1, 2, 3]);
  });
  assert.throws(() => new Dropout(1.5), /p must be in \[0, 1\]/);
});

test('bad inputs give errors that name the layer and the shapes', () => {
  const lin = new Linear(4, 2);
  const conv = new Conv2d(3, 8, 3);
  const bn1 = new BatchNorm1d(4);
  const bn2 = new BatchNorm2d(3);
  const emb = new Embedding(5, 2);
  scope(() => {
    assert.throws(() => lin.forward(randn([2, 5])), /Linear: expected input with last dim 4, got shape \[2, 5\]/);
    assert.throws(() => conv.forward(randn([2, 1, 8, 8])), /Conv2d: expected input with 3 channels, got 1 \(shape \[2, 1, 8, 8\]\)/);
    assert.throws(() => conv.forward(randn([8, 8])), /Conv2d: expected a 4-d \(batched\) or 3-d input/);
    assert.throws(() => bn2.forward(randn([2, 3, 4])), /BatchNorm2d: expected 4D input, got 3D input/);
    assert.throws(() => bn1.forward(randn([1, 4])), /expected more than 1 value per channel when training/);
    assert.throws(() => bn1.forward(randn([3, 5])), /BatchNorm1d: expected 4 features in dim 1/);
    assert.throws(() => emb.forward(randn([3])), /Embedding: indices must be int64 or int32/);
  });
  assert.throws(() => new Conv2d(3, 8, 0), /kernelSize must be an integer >= 1/);
  assert.throws(() => new Conv2d(3, 8, 3, { groups: 2 }), /divisible by groups/);
  assert.throws(() => new Linear(0, 3), /Linear: inFeatures must be a positive integer, got 0/);
  assert.throws(() => new GroupNorm(4, 6), /divisible by numGroups/);
  for (const m of [lin, conv, bn1, bn2, emb]) m.dispose();
});
