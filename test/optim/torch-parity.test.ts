// SGD, Adam and AdamW against torch.optim over 10 steps of a fixed problem; parameter groups;
// optimizer state dicts (resuming mid-way gives the same trajectory); clipping vs PyTorch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type NestedArray, type Tensor, keep, manualSeed, memory, randn, scope, tensor, zerosLike } from '../../src/index.js';
import { Adam, AdamW, type Optimizer, SGD, clipGradNorm } from '../../src/optim/index.js';
import { assertClose, runTorch } from '../helpers.js';

interface Problem {
  X: NestedArray;
  Y: NestedArray;
  W: NestedArray;
  b: NestedArray;
}

/** The fixed problem: loss = mean((tanh(X W + b) - Y)^2), W (5, 4), b (4). */
function makeProblem(): Problem {
  manualSeed(17);
  return scope(() => ({ X: randn([8, 5]).toArray(), Y: randn([8, 4]).mul(0.5).toArray(), W: randn([5, 4]).toArray(), b: randn([4]).mul(0.1).toArray() }));
}

type Make = (params: [Tensor, Tensor]) => Optimizer<{ lr: number }>;

function forced<T extends Optimizer<{ lr: number }>>(o: T): T {
  o.foreach = true;
  return o;
}

/** 10 steps here; returns the final W and b and the losses. */
function runOurs(p: Problem, make: Make, steps = 10, resumeAt?: number): { W: NestedArray; b: NestedArray; losses: number[] } {
  const W = keep(tensor(p.W).requiresGrad_());
  const b = keep(tensor(p.b).requiresGrad_());
  let opt = make([W, b]);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    if (i === resumeAt) {
      // A new optimizer from the state dict continues exactly.
      const next = make([W, b]);
      next.loadStateDict(opt.stateDict());
      opt.dispose();
      opt = next;
    }
    losses.push(scope(() => {
      opt.zeroGrad();
      const loss = tensor(p.X).matmul(W).add(b).tanh().sub(tensor(p.Y)).square().mean();
      loss.backward();
      opt.step();
      return loss.item();
    }));
  }
  const out = { W: W.toArray(), b: b.toArray(), losses };
  opt.dispose();
  W.dispose();
  b.dispose();
  return out;
}

const TORCH_RUN = `
import json, sys, torch
p = json.load(sys.stdin)
out = {}
for name, (cls, groups, opts) in p['configs'].items():
    W = torch.tensor(p['W'], requires_grad=True); b = torch.tensor(p['b'], requires_grad=True)
    X = torch.tensor(p['X']); Y = torch.tensor(p['Y'])
    params = [W, b] if groups is None else [dict(g, params=[[W, b][i] for i in g.pop('idx')]) for g in groups]
    opt = getattr(torch.optim, cls)(params, **opts)
    losses = []
    for _ in range(10):
        opt.zero_grad()
        loss = (X @ W + b).tanh().sub(Y).square().mean()
        loss.backward(); opt.step(); losses.append(loss.item())
    out[name] = {'W': W.tolist(), 'b': b.tolist(), 'losses': losses}
print(json.dumps(out))
`;

test('SGD, Adam and AdamW follow torch.optim step for step (10 steps, float tolerance)', () => {
  const p = makeProblem();
  const before = memory().tensors;
  // name -> [ours, torch class, torch groups (with parameter indices), torch options]
  const configs: Record<string, [Make, string, unknown, Record<string, unknown>]> = {
    sgd: [(ps) => new SGD(ps, { lr: 0.3 }), 'SGD', null, { lr: 0.3 }],
    momentum: [(ps) => new SGD(ps, { lr: 0.2, momentum: 0.9 }), 'SGD', null, { lr: 0.2, momentum: 0.9 }],
    dampening: [(ps) => new SGD(ps, { lr: 0.1, momentum: 0.8, dampening: 0.3, weightDecay: 0.05 }), 'SGD', null,
      { lr: 0.1, momentum: 0.8, dampening: 0.3, weight_decay: 0.05 }],
    nesterov: [(ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-2 }), 'SGD', null,
      { lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 1e-2 }],
    maximize: [(ps) => new SGD(ps, { lr: 0.05, momentum: 0.5, maximize: true }), 'SGD', null, { lr: 0.05, momentum: 0.5, maximize: true }],
    groups: [(ps) => new SGD([{ params: [ps[0]], lr: 0.2 }, { params: [ps[1]], momentum: 0, weightDecay: 0.1 }], { lr: 0.05, momentum: 0.9 }), 'SGD',
      [{ idx: [0], lr: 0.2 }, { idx: [1], momentum: 0, weight_decay: 0.1 }], { lr: 0.05, momentum: 0.9 }],
    // The multi-tensor (_foreach_) update, used on CUDA, forced here on the CPU.
    foreachNesterov: [(ps) => forced(new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-2 })), 'SGD', null,
      { lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 1e-2 }],
    foreachDampening: [(ps) => forced(new SGD(ps, { lr: 0.1, momentum: 0.8, dampening: 0.3, maximize: true })), 'SGD', null,
      { lr: 0.1, momentum: 0.8, dampening: 0.3, maximize: true }],
    foreachPlain: [(ps) => forced(new SGD(ps, { lr: 0.3 })), 'SGD', null, { lr: 0.3 }],
    adam: [(ps) => new Adam(ps, { lr: 0.05 }), 'Adam', null, { lr: 0.05 }],
    adamDecay: [(ps) => new Adam(ps, { lr: 0.05, weightDecay: 0.1, amsgrad: true, betas: [0.8, 0.95], eps: 1e-6 }), 'Adam', null,
      { lr: 0.05, weight_decay: 0.1, amsgrad: true, betas: [0.8, 0.95], eps: 1e-6 }],
    adamw: [(ps) => new AdamW(ps, { lr: 0.05 }), 'AdamW', null, { lr: 0.05 }],
    adamwStrong: [(ps) => new AdamW(ps, { lr: 0.05, weightDecay: 0.5, amsgrad: true, betas: [0.85, 0.99] }), 'AdamW', null,
      { lr: 0.05, weight_decay: 0.5, amsgrad: true, betas: [0.85, 0.99] }],
  };
  const theirs = runTorch<Record<string, { W: NestedArray; b: NestedArray; losses: number[] }>>(TORCH_RUN, {
    ...p, configs: Object.fromEntries(Object.entries(configs).map(([k, [, cls, g, o]]) => [k, [cls, g, o]])),
  });
  for (const [name, [make]] of Object.entries(configs)) {
    const ours = runOurs(p, make);
    const t = theirs[name]!;
    assertClose(ours.losses, t.losses, { atol: 1e-5, rtol: 1e-4, message: `${name} losses` });
    assertClose(ours.W, t.W, { atol: 1e-5, rtol: 1e-4, message: `${name} W` });
    assertClose(ours.b, t.b, { atol: 1e-5, rtol: 1e-4, message: `${name} b` });
    // The problem is not trivial: the parameters moved.
    assert.ok(Math.abs((ours.W as number[][])[0]![0]! - (p.W as number[][])[0]![0]!) > 1e-4, `${name} moved`);
    // Resuming from the state dict after 5 steps gives the same trajectory.
    const resumed = runOurs(p, make, 10, 5);
    assertClose(resumed.W, ours.W, { atol: 1e-7, rtol: 0, message: `${name} resumed` });
  }
  assert.equal(memory().tensors, before, 'optimizers free their state on dispose');
});

test('the optimizer state dict holds hyper-parameters by group and state by parameter index', () => {
  const w = keep(randn([3, 2]).requiresGrad_());
  const v = keep(randn([2]).requiresGrad_());
  const opt = new AdamW([{ params: [w] }, { params: [v], weightDecay: 0 }], { lr: 0.1 });
  scope(() => {
    w.square().sum().add(v.sum()).backward();
  });
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(sd.paramGroups.map((g) => g.params), [[0], [1]]);
  assert.equal(sd.paramGroups[1]!.weightDecay, 0);
  assert.equal(sd.paramGroups[0]!.weightDecay, 0.01);
  assert.equal(sd.state[0]!.step, 1);
  assert.deepEqual((sd.state[1]!.expAvg as Tensor).shape, [2]);
  const other = new AdamW([{ params: [w] }], { lr: 0.1 });
  assert.throws(() => other.loadStateDict(sd), /2 parameter groups, this optimizer 1/);
  assert.throws(() => new SGD([w, w], { lr: 0.1 }), /more than one group/);
  assert.throws(() => new SGD([], { lr: 0.1 }), /non-empty array/);
  assert.throws(() => new SGD([w], { lr: -1 }), /invalid learning rate -1/);
  assert.throws(() => new SGD([w], { lr: 0.1, nesterov: true }), /nesterov momentum needs momentum > 0/);
  assert.throws(() => new Adam([w], { betas: [0.9, 1.5] }), /betas must be two numbers in \[0, 1\)/);
  for (const x of [opt, other]) x.dispose();
  w.dispose();
  v.dispose();
});

/** A leaf parameter of zeros whose gradient is `g`. */
function withGrad(g: Tensor): Tensor {
  const p = zerosLike(g).requiresGrad_();
  p.grad = g;
  return p;
}

test('clipGradNorm scales gradients as torch.nn.utils.clip_grad_norm_ (norms 2, 1 and inf)', () => {
  manualSeed(8);
  const grads = scope(() => [randn([4, 3]).mul(3), randn([5]), randn([2, 2, 2]).mul(0.1)].map((g) => g.toArray()));
  const theirs = runTorch<Record<string, { total: number; grads: NestedArray[] }>>(`
import json, sys, torch
grads = json.load(sys.stdin)
out = {}
for name, norm, max_norm in [('l2', 2.0, 1.0), ('l1', 1.0, 2.5), ('inf', float('inf'), 0.5), ('noclip', 2.0, 1e6)]:
    ps = [torch.zeros(torch.tensor(g).shape, requires_grad=True) for g in grads]
    for p, g in zip(ps, grads): p.grad = torch.tensor(g)
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm)
    out[name] = {'total': total.item(), 'grads': [p.grad.tolist() for p in ps]}
print(json.dumps(out))
`, grads);
  for (const [name, norm, maxNorm] of [['l2', 2, 1], ['l1', 1, 2.5], ['inf', Infinity, 0.5], ['noclip', 2, 1e6]] as const) {
    scope(() => {
      const ps = grads.map((g) => withGrad(tensor(g)));
      const total = clipGradNorm(ps, maxNorm, norm);
      assert.ok(Math.abs(total - theirs[name]!.total) < 1e-5 * Math.max(1, total), `${name} total ${total}`);
      ps.forEach((p, i) => assertClose(p.grad!, theirs[name]!.grads[i]!, { atol: 1e-6, message: `${name} grad ${i}` }));
    });
  }
});
