// Sequence augmentations: each op's formula on known inputs, lengths honoured (padding stays zero,
// a padded batch augments each sequence as it would alone with the same draws), seeds, names,
// bad input, memory, and a timing line for a 256 x 28 x 28 batch (diagnostic only).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cat, manualSeed, memory, ones, rand, scope, tensor, zeros, type Tensor } from '../../src/tensor/index.js';
import {
  ChannelDropout, Compose, MagnitudeWarp, preset, PRESETS, RandomJitter, Scaling, SegmentPermutation, SplineBasis,
  TimestampMask, TimeWarp, tsSimclr, tsStrong, tsWeak, TwoViews, WindowSlice, type Augmentation, type SequenceAugmentation,
} from '../../src/augment/index.js';
import { assertClose, flat, runTorch } from '../helpers.js';

/** A batch (N, T, C) of uniform values, zero past each of `lengths`, and the lengths as int64 (N). */
function padded(lengths: readonly number[], t: number, c: number): [Tensor, Tensor] {
  return scope(() => {
    const valid = Float32Array.from({ length: lengths.length * t }, (_, j) => (j % t < lengths[Math.floor(j / t)]! ? 1 : 0));
    const x = rand([lengths.length, t, c]).add(0.1).mul(tensor(valid, { shape: [lengths.length, t, 1] })); // (N, T, C), no zeros inside
    return [x, tensor(BigInt64Array.from(lengths, (l) => BigInt(l)))] as const;
  }) as [Tensor, Tensor];
}

/** Sample i's valid part (1, L, C). */
const part = (x: Tensor, i: number, l: number): Tensor => x.narrow(0, i, 1).narrow(1, 0, l);

/** Every sequence augmentation, with parameters strong enough to change every sequence. */
const OPS = (): SequenceAugmentation[] => [
  new RandomJitter({ sigma: 0.1 }), new Scaling({ sigma: 0.3 }), new MagnitudeWarp({ sigma: 0.3, knots: 3 }), new TimeWarp({ sigma: 0.4 }),
  new WindowSlice({ scale: [0.3, 0.8] }), new SegmentPermutation({ maxSegments: 4 }), new TimestampMask({ p: 0.3 }), new ChannelDropout({ p: 0.3 }),
];

describe('each op does what its formula says', () => {
  test('jitter adds sigma times the draws on valid steps; its noise has standard deviation sigma', () => scope(() => {
    const [x, lengths] = padded([5, 3], 5, 2);
    const op = new RandomJitter({ sigma: 0.25 });
    const y = op.transform(x, lengths, ones([2, 5, 2]));
    assertClose(part(y, 0, 5), part(x, 0, 5).add(0.25), { atol: 1e-6 });
    assertClose(part(y, 1, 3), part(x, 1, 3).add(0.25), { atol: 1e-6 });
    assert.deepEqual(flat(y.narrow(0, 1, 1).narrow(1, 3, 2)), [0, 0, 0, 0], 'padding stays zero');
    manualSeed(3);
    const std = op.apply(zeros([64, 100, 4])).std().item();
    assert.ok(Math.abs(std - 0.25) < 0.01, `noise std ${std}`);
    assert.equal(new RandomJitter().sigma, 0.05, "Um et al.'s sigma");
  }));

  test('scaling multiplies each channel by mean + sigma z', () => scope(() => {
    const x = rand([2, 4, 3]);
    const op = new Scaling({ mean: 2, sigma: 0.5 });
    assertClose(op.transform(x, null, zeros([2, 3])), x.mul(2), { atol: 1e-6 });
    const z = tensor([[1, -1, 0], [2, 0, -2]]);
    assertClose(op.transform(x, null, z), x.mul(tensor([[2.5, 1.5, 2], [3, 2, 1]]).unsqueeze(1)), { atol: 1e-6 });
    assert.deepEqual([new Scaling().mean, new Scaling().sigma], [1, 0.1], "Um et al.'s N(1, 0.1)");
  }));

  test('the spline basis is the not-a-knot cubic: it interpolates its knots and reproduces cubics (one knot: quadratics)', () => {
    const cubic = (u: number): number => 2 - u + 3 * u ** 2 - 4 * u ** 3;
    for (const knots of [1, 2, 4, 7]) {
      const b = new SplineBasis(knots);
      const n = knots + 2;
      const f = knots === 1 ? (u: number): number => 1 + 2 * u - 5 * u ** 2 : cubic;
      const y = Array.from({ length: n }, (_, j) => f(j / (n - 1)));
      for (const l of [1, 2, 9, 28, (n - 1) * 3 + 1]) {
        const w = b.weights(l);
        for (let t = 0; t < l; t++) {
          const u = l > 1 ? t / (l - 1) : 0;
          const s = y.reduce((acc, v, j) => acc + v * w[t * n + j]!, 0);
          assert.ok(Math.abs(s - f(u)) < 1e-5, `knots ${knots}, length ${l}, step ${t}: ${s} != ${f(u)}`);
        }
      }
      const w = b.weights((n - 1) * 2 + 1); // every other point is a knot
      for (let j = 0; j < n; j++) assertClose(Array.from(w.subarray(2 * j * n, 2 * j * n + n)), y.map((_, k) => (k === j ? 1 : 0)), { atol: 1e-6 });
    }
    assert.throws(() => new SplineBasis(0), /knots must be a positive integer, got 0/);
  });

  test('magnitude warp multiplies by the spline through its knots: constant knots scale, linear knots ramp', () => scope(() => {
    const [x, lengths] = padded([7, 4], 7, 2);
    const op = new MagnitudeWarp({ sigma: 0.5, knots: 2 });
    assertClose(op.transform(x, lengths, zeros([2, 4, 2])), x, { atol: 1e-6 });
    assertClose(op.transform(x, lengths, ones([2, 4, 2])), x.mul(1.5), { atol: 1e-6 });
    // Knots 1 + 0.5 z with z = 0, 1, 2, 3: the curve is 1 + 1.5 u over each sequence's own steps.
    const z = tensor([0, 1, 2, 3]).reshape([1, 4, 1]).expand([2, 4, 2]).contiguous();
    const y = op.transform(x, lengths, z);
    for (const [i, l] of [[0, 7], [1, 4]] as const) {
      const ramp = tensor(Float32Array.from({ length: l }, (_, t) => 1 + (1.5 * t) / (l - 1)), { shape: [1, l, 1] });
      assertClose(part(y, i, l), part(x, i, l).mul(ramp), { atol: 1e-5 });
    }
    assert.equal(flat(y.narrow(0, 1, 1).narrow(1, 4, 3)).every((v) => v === 0), true);
  }));

  test('time warp: constant speed is the identity; otherwise a monotone map fixing both ends', () => scope(() => {
    const [x, lengths] = padded([9, 5], 9, 3);
    const op = new TimeWarp({ sigma: 0.5, knots: 3 });
    assertClose(op.transform(x, lengths, zeros([2, 5])), x, { atol: 0 });
    const ramp = tensor(Float32Array.from({ length: 18 }, (_, j) => (j < 9 ? j : j - 9 < 5 ? j - 9 : 0)), { shape: [2, 9, 1] }); // step t holds t
    const y = op.transform(ramp, lengths, tensor([[2, -1, 1, -2, 0], [-1, 2, 2, -1, 1]]));
    for (const [i, l] of [[0, 9], [1, 5]] as const) {
      const v = flat(part(y, i, l));
      assert.equal(v[0], 0);
      assertClose([v[l - 1]!], [l - 1], { atol: 1e-5 });
      for (let t = 1; t < l; t++) assert.ok(v[t]! > v[t - 1]!, `sequence ${i} step ${t}: ${v}`);
      assert.ok(v.some((s, t) => Math.abs(s - t) > 0.05), `sequence ${i} is warped: ${v}`);
    }
    assert.deepEqual(flat(y.narrow(0, 1, 1).narrow(1, 5, 4)), [0, 0, 0, 0]);
  }));

  test("window slice: a window of round(f L) steps resampled to L, as F.interpolate(mode='linear', align_corners=False)", () => scope(() => {
    const [x, lengths] = padded([12, 7, 1], 12, 2);
    const op = new WindowSlice({ scale: [0.4, 0.9] });
    const u = tensor([[0.3, 0.6], [0.9, 0.99], [0.5, 0.5]]);
    const y = op.transform(x, lengths, u);
    const windows = [[12, 0.4 + 0.5 * 0.3], [7, 0.4 + 0.5 * 0.9], [1, 0.65]].map(([l, f]) => {
      const w = Math.min(Math.max(Math.round(f! * l!), 1), l!);
      return { l: l!, w };
    });
    const starts = windows.map(({ l, w }, i) => Math.floor(flat(u)[2 * i + 1]! * (l - w + 1)));
    const expected = runTorch<number[][][]>(`
import json, sys, torch
import torch.nn.functional as F
d = json.load(sys.stdin)
out = []
for seq, l, s, w in zip(d['x'], d['l'], d['s'], d['w']):
    win = torch.tensor(seq, dtype=torch.float32)[s:s + w].T.unsqueeze(0)  # (1, C, w)
    out.append(F.interpolate(win, size=l, mode='linear', align_corners=False)[0].T.tolist())
print(json.dumps(out))`, { x: x.toArray(), l: windows.map((w) => w.l), s: starts, w: windows.map((w) => w.w) });
    expected.forEach((e, i) => assertClose(part(y, i, windows[i]!.l), e, { atol: 1e-6 }));
    assert.deepEqual(windows.map((w) => w.w), [7, 6, 1]);
    assertClose(new WindowSlice({ scale: [1, 1] }).apply(x, lengths), x, { atol: 0 });
    assert.deepEqual(new WindowSlice().scale, [0.9, 0.9], "Le Guennec et al.'s 90% slices");
  }));

  test('segment permutation keeps each sequence\'s values, in at most maxSegments runs of consecutive steps', () => scope(() => {
    manualSeed(8);
    const n = 40, t = 16;
    const lengths = Array.from({ length: n }, (_, i) => 1 + (i % t));
    const steps = Float32Array.from({ length: n * t }, (_, j) => (j % t < lengths[Math.floor(j / t)]! ? 1 + (j % t) : 0));
    const x = tensor(steps, { shape: [n, t, 1] }); // step s holds s + 1
    const y = new SegmentPermutation({ maxSegments: 4 }).apply(x, tensor(BigInt64Array.from(lengths, BigInt)));
    let permuted = 0;
    lengths.forEach((l, i) => {
      const v = flat(y.select(0, i));
      assert.deepEqual([...v.slice(0, l)].sort((a, b) => a - b), Array.from({ length: l }, (_, s) => s + 1), `sequence ${i}: the same values`);
      assert.ok(v.slice(l).every((s) => s === 0), 'padding stays zero');
      const runs = 1 + v.slice(1, l).filter((s, k) => s !== v[k]! + 1).length;
      assert.ok(runs <= 4, `sequence ${i}: ${runs} runs`);
      if (runs > 1) permuted++;
    });
    assert.ok(permuted > n / 2, `${permuted} of ${n} permuted`);
    assertClose(new SegmentPermutation({ maxSegments: 1 }).apply(x), x, { atol: 0 });
  }));

  test('timestamp masking zeroes whole steps with probability p; channel dropout whole channels', () => scope(() => {
    manualSeed(9);
    const x = rand([64, 50, 4]).add(0.1); // no zeros
    assertClose(new TimestampMask({ p: 1 }).apply(x), zeros([64, 50, 4]), { atol: 0 });
    assertClose(new TimestampMask({ p: 0 }).apply(x), x, { atol: 0 });
    const m = new TimestampMask({ p: 0.3 }).apply(x).eq(0); // (N, T, C)
    assert.equal(m.all(2).eq(m.any(2)).all().item(), 1, 'a masked step has every channel zero');
    const stepRate = m.to('float32').mean().item();
    assert.ok(Math.abs(stepRate - 0.3) < 0.03, `masked ${stepRate}`);
    assert.equal(new TimestampMask().p, 0.5, "TS2Vec's p");
    assertClose(new ChannelDropout({ p: 1 }).apply(x), zeros([64, 50, 4]), { atol: 0 });
    const d = new ChannelDropout({ p: 0.5 }).apply(x).eq(0);
    assert.equal(d.all(1).eq(d.any(1)).all().item(), 1, 'a dropped channel is zero at every step');
    const channelRate = d.all(1).to('float32').mean().item();
    assert.ok(Math.abs(channelRate - 0.5) < 0.1, `dropped ${channelRate}`);
  }));
});

describe('lengths', () => {
  const lens = [10, 3, 1, 7, 10, 5];

  test('a padded batch augments each sequence as it would alone with the same draws; padding stays zero', () => scope(() => {
    const [x, lengths] = padded(lens, 10, 3);
    for (const op of OPS()) {
      manualSeed(4);
      const draws = op.draw(x.shape);
      const y = op.transform(x, lengths, draws);
      assert.deepEqual(y.shape, x.shape, op.name);
      lens.forEach((l, i) => {
        let d = draws.narrow(0, i, 1);
        if (op.perStep) d = d.narrow(1, 0, l);
        const alone = op.transform(part(x, i, l), null, d.contiguous());
        assertClose(part(y, i, l), alone, { atol: 1e-6, message: `${op.name}, sequence ${i} (length ${l})` });
        if (l < 10) assert.ok(flat(y.select(0, i).narrow(0, l, 10 - l)).every((v) => v === 0), `${op.name}: padding of sequence ${i}`);
      });
      assert.ok(y.sub(x).abs().max().item() > 0, `${op.name} changed something`);
    }
  }));

  test('more padding changes nothing for ops drawn per sample; null lengths equal full lengths', () => scope(() => {
    const [x, lengths] = padded(lens, 10, 3);
    const x14 = cat([x, zeros([6, 4, 3])], 1); // (N, 14, C): four more steps of padding
    for (const op of OPS().filter((o) => !o.perStep)) {
      manualSeed(6);
      const a = op.apply(x, lengths);
      manualSeed(6);
      const b = op.apply(x14, lengths);
      assertClose(b.narrow(1, 0, 10), a, { atol: 1e-6, message: op.name });
      assert.ok(flat(b.narrow(1, 10, 4)).every((v) => v === 0), op.name);
    }
    const full = tensor(BigInt64Array.from(lens, () => 10n));
    for (const op of OPS()) {
      manualSeed(7);
      const a = op.apply(x, null);
      manualSeed(7);
      assertClose(op.apply(x, full), a, { atol: 0, message: op.name });
    }
  }));

  test('Compose, RandomApply and TwoViews pass lengths to every step; presets keep padding zero', () => scope(() => {
    const [x, lengths] = padded(lens, 10, 3);
    const seen: number[][] = [];
    const spy: Augmentation = { name: 'spy', apply: (v, l) => (seen.push(l ? flat(l) : []), v.clone()) };
    manualSeed(2);
    new TwoViews(new Compose([spy, { op: spy, p: 0.5 }])).views(x, lengths);
    assert.deepEqual(seen[0], lens);
    const picked = seen[1]!;
    assert.ok(picked.length > 0 && picked.length < lens.length, 'RandomApply ran on some sequences');
    assert.ok(picked.every((l) => lens.includes(l)), 'with their own lengths');
    assert.deepEqual(seen[2], lens, 'the second view gets the lengths too');
    for (const name of ['ts-weak', 'ts-strong', 'ts-simclr'] as const) {
      for (const v of preset(name).views(x, lengths)) {
        assert.deepEqual(v.shape, [6, 10, 3]);
        lens.forEach((l, i) => assert.ok(flat(v.select(0, i).narrow(0, l, 10 - l)).every((s) => s === 0), `${name}: padding of sequence ${i}`));
        assert.equal(v.isfinite().all().item(), 1);
      }
    }
  }));
});


describe('presets', () => {
  const ops = (t: TwoViews): string[] => (t.first as Compose).ops.map((o) => o.name);

  test("ts-weak and ts-strong are TS-TCC's views with its defaults; ts-simclr crops, warps, scales, jitters and masks", () => {
    assert.deepEqual(ops(tsWeak()), ['RandomJitter(sigma=0.8)', 'Scaling(mean=2, sigma=1.1)']);
    assert.deepEqual(ops(tsStrong()), ['SegmentPermutation(maxSegments=5)', 'RandomJitter(sigma=0.8)']);
    assert.deepEqual(ops(tsSimclr()), [
      'WindowSlice(scale=[0.5, 1])', 'RandomApply(TimeWarp(sigma=0.2, knots=4), p=0.5)', 'RandomApply(Scaling(mean=1, sigma=0.2), p=0.8)',
      'RandomJitter(sigma=0.05)', 'TimestampMask(p=0.1)',
    ]);
    for (const t of [tsWeak(), tsStrong(), tsSimclr()]) assert.equal(t.first, t.second, 'the same pipeline for both views');
    assert.deepEqual(ops(preset('ts-simclr', { cropScale: [0.7, 0.9] }))[0], 'WindowSlice(scale=[0.7, 0.9])');
    assert.deepEqual(Object.keys(PRESETS).filter((k) => k.startsWith('ts-')), ['ts-weak', 'ts-strong', 'ts-simclr']);
    assert.throws(() => preset('ts-simclr', { size: 28 }), /ts-simclr: size is an image option/);
    assert.throws(() => preset('ts-weak', { colorStrength: 1 }), /ts-weak: colorStrength is an image option/);
    assert.throws(() => preset('ts-strong', { cropScale: [0.5, 1] }), /ts-strong: cropScale does not apply/);
    assert.throws(() => preset('ts-simclr', { cropScale: [0, 1] }), /WindowSlice: scale must lie in \(0, 1\], got \[0, 1\]/);
  });

  test('the same seed gives the same views; another seed other views; the two views differ', () => {
    const [x, lengths] = padded([20, 12, 16, 3], 20, 5);
    for (const name of ['ts-weak', 'ts-strong', 'ts-simclr'] as const) {
      const views = (seed: number): number[][] => scope(() => {
        manualSeed(seed);
        return preset(name).views(x, lengths).map((v) => flat(v));
      });
      const a = views(1), b = views(1), c = views(2);
      assert.deepEqual(a, b, name);
      assert.notDeepEqual(a[0], c[0], name);
      assert.notDeepEqual(a[0], a[1], `${name}: the two views of one seed differ`);
    }
    x.dispose();
    lengths.dispose();
  });
});

describe('names, options and bad input', () => {
  test('name lists every parameter', () => {
    assert.deepEqual(OPS().map((o) => o.name), [
      'RandomJitter(sigma=0.1)', 'Scaling(mean=1, sigma=0.3)', 'MagnitudeWarp(sigma=0.3, knots=3)', 'TimeWarp(sigma=0.4, knots=4)',
      'WindowSlice(scale=[0.3, 0.8])', 'SegmentPermutation(maxSegments=4)', 'TimestampMask(p=0.3)', 'ChannelDropout(p=0.3)',
    ]);
    assert.equal(tsSimclr().name.startsWith('TwoViews(Compose(WindowSlice(scale=[0.5, 1]), RandomApply(TimeWarp('), true);
  });

  test('bad options are errors naming the op and the value', () => {
    assert.throws(() => new RandomJitter({ sigma: -1 }), /RandomJitter: sigma must be a finite number >= 0, got -1/);
    assert.throws(() => new Scaling({ mean: Number.NaN }), /Scaling: mean must be a finite number, got NaN/);
    assert.throws(() => new MagnitudeWarp({ knots: 0 }), /MagnitudeWarp: knots must be a positive integer, got 0/);
    assert.throws(() => new TimeWarp({ knots: 1.5 }), /TimeWarp: knots must be a positive integer, got 1.5/);
    assert.throws(() => new WindowSlice({ scale: [0.5, 1.2] }), /WindowSlice: scale must lie in \(0, 1\], got \[0.5, 1.2\]/);
    assert.throws(() => new WindowSlice({ scale: [0.9, 0.5] }), /WindowSlice: scale must have min <= max/);
    assert.throws(() => new SegmentPermutation({ maxSegments: 0 }), /SegmentPermutation: maxSegments must be a positive integer, got 0/);
    assert.throws(() => new TimestampMask({ p: 2 }), /TimestampMask: p must be a probability in \[0, 1\], got 2/);
    assert.throws(() => new ChannelDropout({ p: -0.1 }), /ChannelDropout: p must be a probability/);
  });

  test('bad input is an error naming the op: not sequences, bad lengths, bad draws', () => scope(() => {
    const x = rand([2, 5, 3]);
    const op = new TimeWarp();
    assert.throws(() => op.apply(rand([2, 1, 5, 3])), /TimeWarp: expected sequences of shape \(N, T, C\), got shape \[2, 1, 5, 3\]/);
    assert.throws(() => op.apply(x.to('int64')), /TimeWarp: expected floating-point sequences, got dtype int64/);
    assert.throws(() => new RandomJitter().apply([1, 2] as never), /RandomJitter: expected a Tensor of sequences \(N, T, C\), got an array/);
    assert.throws(() => op.apply(x, tensor([5n])), /TimeWarp: lengths must have shape \[2\] \(one per sequence\), got \[1\]/);
    assert.throws(() => op.apply(x, tensor([5, 5])), /TimeWarp: lengths must be integers \(int64\), got dtype float32/);
    assert.throws(() => op.apply(x, tensor([5n, 6n])), /TimeWarp: lengths\[1\] is 6, outside \[1, 5\]/);
    assert.throws(() => new Scaling().apply(x, tensor([0n, 5n])), /Scaling: lengths\[0\] is 0, outside \[1, 5\]/);
    assert.throws(() => op.apply(x, [5, 5] as never), /TimeWarp: lengths must be a Tensor \(N\) or null, got an array/);
    assert.throws(() => op.transform(x, null, zeros([2, 5])), /TimeWarp: draws must be a float32 CPU tensor of shape \[2, 6\] \(from draw\), got a float32 cpu tensor of shape \[2, 5\]/);
    assert.throws(() => tsSimclr().views(rand([4])), /TwoViews: expected images \(N, C, H, W\) or sequences \(N, T, C\), got shape \[4\]/);
    assert.throws(() => new Compose([op]).apply(rand([2, 3]).to('int32')), /Compose: expected images \(N, C, H, W\) or sequences \(N, T, C\), got shape \[2, 3\]/);
    assert.throws(() => tsSimclr().views(rand([2, 1, 4, 4])), /WindowSlice: expected sequences of shape \(N, T, C\), got shape \[2, 1, 4, 4\]/);
  }));
});

describe('memory', () => {
  test('views leave memory flat over many batches', () => {
    const [x, lengths] = padded([16, 9, 1, 12], 16, 4);
    const presets = [tsWeak(), tsStrong(), tsSimclr()];
    const ops = OPS();
    const once = (): void => scope(() => {
      for (const t of presets) t.views(x, lengths);
      for (const op of ops) op.apply(x, lengths);
    });
    once();
    const m0 = memory();
    for (let i = 0; i < 20; i++) once();
    assert.deepEqual(memory(), m0);
    x.dispose();
    lengths.dispose();
  });
});
