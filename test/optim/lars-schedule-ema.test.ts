// LARS against a naive reference of the formula (You et al. 2017 as SimCLR's LARSOptimizer);
// the warmup + cosine schedule; BYOL's EMA and tau schedule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Tensor, keep, manualSeed, memory, randn, scope, tensor } from '../../src/index.js';
import { BatchNorm1d, Linear, Sequential } from '../../src/nn/index.js';
import { EMA, LARS, SGD, WarmupCosineSchedule, byolTau, splitBiasAndNorm, warmupCosineFactor } from '../../src/optim/index.js';
import { assertClose, flat } from '../helpers.js';

/**
 * The reference: plain loops in float64 over flat arrays, written from the formula
 *   g += wd w;  r = η ||w|| / ||g|| (1 when a norm is 0, or without adaptation);
 *   v = m v + lr r g;  w -= nesterov ? m v + lr r g : v.
 */
function larsReference(
  w: number[], grads: (w: number[]) => number[], steps: number,
  o: { lr: number; momentum: number; wd: number; eta: number; nesterov: boolean; adapt: boolean },
): number[] {
  const v = w.map(() => 0);
  for (let s = 0; s < steps; s++) {
    const g = grads(w).map((gi, i) => gi + o.wd * w[i]!);
    const wn = Math.sqrt(w.reduce((a, x) => a + x * x, 0));
    const gn = Math.sqrt(g.reduce((a, x) => a + x * x, 0));
    const r = o.adapt && wn > 0 && gn > 0 ? (o.eta * wn) / gn : 1;
    for (let i = 0; i < w.length; i++) {
      const step = o.lr * r * g[i]!;
      v[i] = o.momentum * v[i]! + step;
      w[i] = w[i]! - (o.nesterov ? o.momentum * v[i]! + step : v[i]!);
    }
  }
  return w;
}

test('LARS matches the naive formula over 10 steps, with and without adaptation and nesterov', () => {
  manualSeed(21);
  const [w0, b0, target] = scope(() => [randn([6, 3]), randn([3]).mul(0.5), randn([6, 3])].map((t) => flat(t)));
  // loss = sum((w - target)^2 * c) + sum((b - 0.3)^2): gradients 2 c (w - target) and 2 (b - 0.3).
  const c = w0.map((_, i) => 0.5 + (i % 3));
  const gw = (w: number[]): number[] => w.map((x, i) => 2 * c[i]! * (x - target[i]!));
  const gb = (b: number[]): number[] => b.map((x) => 2 * (x - 0.3));
  for (const nesterov of [false, true]) {
    const hp = { lr: 0.5, momentum: 0.9, wd: 1e-2, eta: 0.02, nesterov };
    const expectW = larsReference([...w0!], gw, 10, { ...hp, adapt: true });
    const expectB = larsReference([...b0!], gb, 10, { ...hp, lr: 0.05, wd: 0, adapt: false });
    const w = keep(tensor(w0!).reshape([6, 3]).requiresGrad_());
    const b = keep(tensor(b0!).requiresGrad_());
    const ct = keep(tensor(c).reshape([6, 3]));
    const tt = keep(tensor(target!).reshape([6, 3]));
    const opt = new LARS([{ params: [w], weightDecay: hp.wd }, { params: [b], lr: 0.05, weightDecay: 0, adaptation: false }],
      { lr: hp.lr, momentum: hp.momentum, trustCoefficient: hp.eta, nesterov });
    for (let s = 0; s < 10; s++) {
      scope(() => {
        opt.zeroGrad();
        w.sub(tt).square().mul(ct).sum().add(b.sub(0.3).square().sum()).backward();
        opt.step();
      });
    }
    assertClose(w, expectW, { atol: 1e-5, rtol: 1e-4, message: `w nesterov=${nesterov}` });
    assertClose(b, expectB, { atol: 1e-5, rtol: 1e-4, message: `b nesterov=${nesterov}` });
    // The adaptation matters: without it the weights end elsewhere.
    const plain = larsReference([...w0!], gw, 10, { ...hp, adapt: false });
    assert.ok(Math.max(...plain.map((x, i) => Math.abs(x - expectW[i]!))) > 1e-3);
    opt.dispose();
    for (const t of [w, b, ct, tt]) t.dispose();
  }
});

test('LARS.groups excludes biases and normalisation parameters from decay and adaptation', () => {
  const model = new Sequential(new Linear(4, 8), new BatchNorm1d(8), new Linear(8, 2, { bias: false }));
  const { decay, noDecay } = splitBiasAndNorm(model);
  const l0 = model.at(0) as Linear;
  const bn = model.at(1) as BatchNorm1d;
  const l2 = model.at(2) as Linear;
  assert.deepEqual(decay, [l0.weight, l2.weight]);
  assert.deepEqual(noDecay, [l0.bias, bn.weight, bn.bias]);
  const opt = new LARS(LARS.groups(model, 1e-6), { lr: 1 });
  assert.equal(opt.paramGroups[0]!.weightDecay, 1e-6);
  assert.equal(opt.paramGroups[0]!.adaptation, true);
  assert.equal(opt.paramGroups[1]!.weightDecay, 0);
  assert.equal(opt.paramGroups[1]!.adaptation, false);
  // A zero weight gets trust ratio 1 (SimCLR's tf.where guards), not a NaN.
  scope(() => {
    const z = keep(tensor([0, 0]).to('float32').requiresGrad_());
    const o = new LARS([z], { lr: 0.1, momentum: 0 });
    z.add(tensor([1, 2])).square().sum().backward();
    o.step();
    assert.deepEqual(flat(z), [-0.2, -0.4].map((x) => Math.fround(x)));
    o.dispose();
    z.dispose();
  });
  assert.throws(() => new LARS([l0.weight], { lr: 0.1, trustCoefficient: 0 }), /trustCoefficient must be positive/);
  opt.dispose();
  model.dispose();
});

test('warmup + cosine: linear warmup, cosine decay to the floor, applied to every group', () => {
  const o = { warmupSteps: 4, totalSteps: 14 };
  assert.equal(warmupCosineFactor(0, o), 0.25);
  assert.equal(warmupCosineFactor(3, o), 1);
  assert.equal(warmupCosineFactor(4, o), 1, 'cosine starts at the peak');
  assert.ok(Math.abs(warmupCosineFactor(9, o) - 0.5) < 1e-12, 'half-way down at the middle of the decay');
  assert.ok(Math.abs(warmupCosineFactor(14, o)) < 1e-12);
  assert.ok(Math.abs(warmupCosineFactor(100, { ...o, minFactor: 0.1 }) - 0.1) < 1e-12, 'clamped at the floor');
  // Against the cosine written out: f(t) = (1 + cos(pi (t - 4) / 10)) / 2.
  for (let t = 4; t <= 14; t++) assert.ok(Math.abs(warmupCosineFactor(t, o) - (1 + Math.cos(Math.PI * (t - 4) / 10)) / 2) < 1e-12);

  const w = keep(randn([2]).requiresGrad_());
  const v = keep(randn([2]).requiresGrad_());
  const opt = new SGD([{ params: [w], lr: 0.4 }, { params: [v] }], { lr: 0.1 });
  const s = new WarmupCosineSchedule(opt, o);
  assert.deepEqual(s.lastLr, [0.1, 0.025]);
  const seen: number[][] = [];
  for (let t = 0; t < 14; t++) {
    seen.push(s.lastLr);
    s.step();
  }
  assert.deepEqual(seen[3], [0.4, 0.1]);
  assert.ok(Math.abs(seen[9]![0]! - 0.2) < 1e-12);
  // The state dict restores the position.
  const s2 = new WarmupCosineSchedule(opt, o);
  s2.loadStateDict({ step: 9, baseLrs: [0.4, 0.1] });
  assert.ok(Math.abs(opt.paramGroups[0]!.lr - 0.2) < 1e-12);
  assert.deepEqual(s.stateDict(), { step: 14, baseLrs: [0.4, 0.1] });
  assert.throws(() => new WarmupCosineSchedule(opt, { warmupSteps: 5, totalSteps: 3 }), /totalSteps \(3\) < warmupSteps \(5\)/);
  assert.throws(() => s.loadStateDict({ step: 1, baseLrs: [1] }), /1 base rates for 2 parameter groups/);
  opt.dispose();
  w.dispose();
  v.dispose();
});

test('EMA: BYOL\'s tau schedule and the update xi <- tau xi + (1 - tau) theta', () => {
  assert.equal(byolTau(0, 100), 0.996);
  assert.equal(byolTau(100, 100), 1);
  assert.ok(Math.abs(byolTau(50, 100) - (1 - 0.004 / 2)) < 1e-12);
  assert.ok(Math.abs(byolTau(25, 100, 0.99) - (1 - 0.01 * (Math.cos(Math.PI / 4) + 1) / 2)) < 1e-12);
  manualSeed(6);
  const online = new Sequential(new Linear(3, 4), new BatchNorm1d(4));
  const target = new Sequential(new Linear(3, 4), new BatchNorm1d(4));
  const before = memory().tensors;
  const ema = new EMA([[online, target]], { tau: 0.9, totalSteps: 10 });
  assert.ok(target.parameters().every((p) => !p.requiresGrad), 'the target is frozen');
  const o0 = scope(() => online.parameters().map((p) => flat(p)));
  scope(() => target.parameters().forEach((p, i) => assert.deepEqual(flat(p), o0[i], 'starts equal')));
  // Move the online network, then update: each target value follows the formula.
  scope(() => online.parameters().forEach((p) => p.detach().add_(1)));
  const tau = ema.tau;
  assert.equal(tau, 0.9);
  ema.update();
  scope(() => target.parameters().forEach((p, i) => assertClose(p, o0[i]!.map((x) => tau * x + (1 - tau) * (x + 1)), { atol: 1e-6 })));
  assert.equal(ema.step, 1);
  assert.ok(Math.abs(ema.tau - byolTau(1, 10, 0.9)) < 1e-15);
  assert.equal(memory().tensors, before, 'updates create nothing');
  const wrong = new Sequential(new Linear(3, 5));
  assert.throws(() => new EMA([[online, wrong]]), /EMA: pair 0: online has 4 parameters, target 2/);
  assert.throws(() => new EMA([]), /EMA: expected a non-empty array of \[online, target\] module pairs/);
  for (const m of [online, target, wrong]) m.dispose();
});

test('the EMA target only changes through update(), not through gradients', () => {
  const online = new Linear(2, 2);
  const target = new Linear(2, 2);
  const ema = new EMA([[online, target]]);
  scope(() => {
    const y = target.forward(randn([3, 2]));
    assert.equal((y as Tensor).requiresGrad, false);
  });
  scope(() => online.weight.detach().add_(1));
  ema.update(1);
  scope(() => assert.ok(target.weight.sub(online.weight).abs().min().item() > 0.5, 'tau 1 keeps the target'));
  ema.update(0);
  scope(() => assertClose(target.weight, online.weight, { atol: 0 }));
  online.dispose();
  target.dispose();
});
