// Colour ops against torchvision 0.14 (Debian's python3-torchvision) for fixed per-sample
// parameters, and the defining properties: grayscale has equal channels, brightness keeps the
// hue, solarize inverts exactly the pixels at or above the threshold.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { manualSeed, memory, rand, scope, type Tensor } from '../../src/index.js';
import {
  adjustBrightness, adjustContrast, adjustHue, adjustSaturation, ColorJitter, normalize, RandomGrayscale, rgbToGrayscale, rgbToHsv, solarize,
} from '../../src/augment/index.js';
import { assertClose, flat, runTorch } from '../helpers.js';

const N = 6;
const SHAPE = [N, 3, 7, 9] as const;

// torchvision applies each op image by image with Python float factors; we pass the float32
// factors we use, so both sides see the same numbers.
const SCRIPT = String.raw`
import json, sys, torch
import torchvision.transforms.functional as F
import torchvision.transforms.functional_tensor as FT
inp = json.load(sys.stdin)
x = torch.tensor(inp['x'], dtype=torch.float32).reshape(inp['shape'])
g = torch.tensor(inp['g'], dtype=torch.float32).reshape(inp['gshape'])
out = {}
def per(fn, fs, img=x):
    return torch.stack([fn(img[i], float(fs[i])) for i in range(img.shape[0])]).flatten().tolist()
out['brightness'] = per(F.adjust_brightness, inp['b'])
out['contrast'] = per(F.adjust_contrast, inp['c'])
out['contrast1'] = per(F.adjust_contrast, inp['c'], g)
out['saturation'] = per(F.adjust_saturation, inp['s'])
out['hue'] = per(F.adjust_hue, inp['h'])
out['gray'] = F.rgb_to_grayscale(x, 1).flatten().tolist()
out['solarize'] = F.solarize(x, 0.5).flatten().tolist()
out['normalize'] = F.normalize(x, [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]).flatten().tolist()
out['hsv'] = FT._rgb2hsv(x).flatten().tolist()
fns = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue]
jit = []
for i in range(x.shape[0]):
    img = x[i]
    if inp['on'][i]:
        for k in range(4):
            op = inp['order'][i * 4 + k]
            img = fns[op](img, float(inp['factors'][op][i]))
    jit.append(img)
out['jitter'] = torch.stack(jit).flatten().tolist()
print(json.dumps(out))
`;

interface Ref {
  brightness: number[]; contrast: number[]; contrast1: number[]; saturation: number[]; hue: number[];
  gray: number[]; solarize: number[]; normalize: number[]; hsv: number[]; jitter: number[];
}

describe('colour ops equal torchvision 0.14 for fixed parameters', () => {
  let x: Tensor;
  let g: Tensor;
  let ref: Ref;
  const b = Float32Array.from([0.2, 0.7, 1, 1.3, 1.8, 0.05]);
  const c = Float32Array.from([0.2, 0.5, 1, 1.5, 1.8, 0]);
  const s = Float32Array.from([0, 0.4, 1, 1.6, 1.8, 0.9]);
  const h = Float32Array.from([-0.5, -0.2, 0, 0.1, 0.2, 0.5]);
  const jitter = new ColorJitter({ brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2, p: 0.8 });
  let params: ReturnType<ColorJitter['sampleParams']>;

  before(() => {
    manualSeed(11);
    x = rand([...SHAPE]);
    // A few pixels with max == min (h, s = 0) and exact ties between channels.
    g = rand([N, 1, 7, 9]);
    params = jitter.sampleParams(N);
    ref = runTorch<Ref>(SCRIPT, {
      x: flat(x), shape: SHAPE, g: flat(g), gshape: g.shape, b: [...b], c: [...c], s: [...s], h: [...h],
      order: [...params.order], on: [...params.on], factors: params.factors.map((f) => [...f]),
    });
  });

  test('brightness', () => scope(() => assertClose(adjustBrightness(x, b), ref.brightness, { atol: 1e-6 })));
  test('contrast (RGB and 1-channel)', () => scope(() => {
    assertClose(adjustContrast(x, c), ref.contrast, { atol: 1e-6 });
    assertClose(adjustContrast(g, c), ref.contrast1, { atol: 1e-6 });
  }));
  test('saturation', () => scope(() => assertClose(adjustSaturation(x, s), ref.saturation, { atol: 1e-6 })));
  test('hue (HSV round trip, closed-form hsv2rgb)', () => scope(() => assertClose(adjustHue(x, h), ref.hue, { atol: 2e-6 })));
  test('rgb to grayscale (ITU-R 601-2 luma)', () => scope(() => assertClose(rgbToGrayscale(x), ref.gray, { atol: 0, rtol: 0 })));
  test('solarize', () => scope(() => assertClose(solarize(x, 0.5), ref.solarize, { atol: 0, rtol: 0 })));
  test('normalize', () => scope(() => assertClose(normalize(x, [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]), ref.normalize, { atol: 1e-6 })));
  test('rgb to hsv', () => scope(() => {
    const hsv = rgbToHsv(x);
    const ours = flat(hsv.h.unsqueeze(1).squeeze(2)); // (N, 1, H, W)
    const torchHsv = ref.hsv; // (N, 3, H, W)
    const hw = 7 * 9;
    const pick = (k: number): number[] => Array.from({ length: N * hw }, (_, i) => torchHsv[Math.floor(i / hw) * 3 * hw + k * hw + (i % hw)]!);
    assertClose(ours, pick(0), { atol: 1e-6 });
    assertClose(hsv.s, pick(1), { atol: 1e-6 });
    assertClose(hsv.v, pick(2), { atol: 0 });
  }));
  test('ColorJitter: per-sample order and factors, applied as torchvision applies them one image at a time', () => scope(() => {
    assert.ok(params.on.some((v) => v === 0) || N < 5, 'some sample should be left alone at p 0.8 (seeded)');
    assertClose(jitter.applyParams(x, params), ref.jitter, { atol: 3e-6 });
  }));
});

describe('colour properties', () => {
  test('ColorJitter on a batch equals the same ops run sample by sample, bit for bit (64 samples: every order, some left alone)', () => scope(() => {
    manualSeed(11);
    const x = rand([64, 3, 6, 5]);
    const jitter = new ColorJitter({ brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2, p: 0.8 });
    const params = jitter.sampleParams(64);
    const batched = jitter.applyParams(x, params);
    const orders = new Set(Array.from({ length: 64 }, (_, i) => (params.on[i] ? params.order.subarray(i * 4, i * 4 + 4).join('') : 'off')));
    assert.ok(orders.size > 12 && orders.has('off'), `${orders.size} distinct orders`);
    for (let i = 0; i < 64; i++) {
      const one = { on: params.on.subarray(i, i + 1), order: params.order.subarray(i * 4, i * 4 + 4), factors: params.factors.map((f) => f.subarray(i, i + 1)) };
      assertClose(batched.narrow(0, i, 1), jitter.applyParams(x.narrow(0, i, 1), one), { atol: 0, rtol: 0 });
    }
  }));

  test('RandomGrayscale p 0.5: each sample is either its luma in every channel or unchanged', () => scope(() => {
    manualSeed(3);
    const x = rand([64, 3, 5, 5]);
    const y = new RandomGrayscale({ p: 0.5 }).apply(x);
    const luma = rgbToGrayscale(x).expand(x.shape);
    const toGray = flat(y.sub(luma).abs().flatten(1).max(1).values);
    const unchanged = flat(y.sub(x).abs().flatten(1).max(1).values);
    let converted = 0;
    for (let i = 0; i < 64; i++) {
      assert.ok(toGray[i] === 0 || unchanged[i] === 0, `sample ${i} is neither gray nor unchanged`);
      if (toGray[i] === 0) converted++;
    }
    assert.ok(converted > 16 && converted < 48, `${converted} of 64 converted at p 0.5`);
  }));

  test('grayscale: all three channels equal, and equal to the luma', () => scope(() => {
    manualSeed(3);
    const x = rand([64, 3, 5, 5]);
    const y = new RandomGrayscale({ p: 1 }).apply(x);
    const [r, g, b] = y.split(1, 1);
    assert.equal(r!.sub(g!).abs().max().item(), 0);
    assert.equal(g!.sub(b!).abs().max().item(), 0);
    assertClose(r!, rgbToGrayscale(x), { atol: 0 });
  }));

  test('brightness leaves the hue unchanged (where no channel clips)', () => scope(() => {
    manualSeed(5);
    const x = rand([32, 3, 6, 6]).mul(0.5).add(0.05); // (0.05, 0.55): factor up to 1.8 never clips
    const f = Float32Array.from({ length: 32 }, (_, i) => 0.2 + (1.6 * i) / 31);
    const before = rgbToHsv(x);
    const after = rgbToHsv(adjustBrightness(x, f));
    assertClose(after.h, before.h, { atol: 2e-6 });
    assertClose(after.s, before.s, { atol: 2e-6 });
    // ...while the value (brightness) did change, so the test can fail.
    assert.ok(after.v.sub(before.v).abs().max().item() > 0.1);
  }));

  test('solarize inverts exactly the pixels at or above the threshold', () => scope(() => {
    manualSeed(6);
    const x = rand([8, 3, 10, 10]);
    for (const t of [0, 0.25, 0.5, 0.9, 1]) {
      const y = flat(solarize(x, t));
      const v = flat(x);
      let inverted = 0;
      v.forEach((p, i) => {
        const expected = p >= t ? Math.fround(1 - p) : p;
        if (p >= t) inverted++;
        assert.equal(y[i], expected, `threshold ${t}, pixel ${i}: ${p} -> ${y[i]}`);
      });
      if (t === 0.5) assert.ok(inverted > 0 && inverted < v.length);
    }
  }));

  test('ops leave no tensor behind and reject bad input with a clear error', () => {
    const x = rand([2, 3, 4, 4]);
    const m0 = memory().tensors;
    scope(() => {
      adjustHue(x, 0.1);
      adjustContrast(x, [0.5, 1.5]);
      new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }).apply(x);
    });
    assert.equal(memory().tensors, m0);
    assert.throws(() => adjustHue(x, 0.7), /adjustHue: factors must be in \[-0.5, 0.5\]/);
    assert.throws(() => adjustBrightness(x, [1]), /expected 2 per-sample factors/);
    assert.throws(() => adjustBrightness(x.flatten(), 1), /expected images of shape \(N, C, H, W\)/);
    assert.throws(() => adjustSaturation(rand([2, 4, 3, 3]), 1), /expected 1 or 3 channels, got 4/);
    assert.throws(() => new ColorJitter({ hue: 0.6 }), /hue must be in \[0, 0.5\]/);
    assert.throws(() => new ColorJitter({ brightness: -1 }), /brightness must be >= 0/);
    x.dispose();
  });
});
