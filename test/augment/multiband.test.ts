// Augmentations of multi-band images (N, C, H, W), e.g. Sentinel-2's 13 bands standardised per
// band: geometric ops act on every band alike and never clamp; ColorJitter's rgb / perBand /
// clamp options and RandomGrayscale's rgb; band dropout and band noise; the multispectral preset.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cat, manualSeed, memory, rand, randn, scope, tensor, type Tensor } from '../../src/tensor/index.js';
import {
  ColorJitter, GaussianBlur, multispectral, preset, PRESET_INPUTS, RandomBandDropout, RandomBandNoise, RandomGrayscale,
  RandomHorizontalFlip, RandomResizedCrop, RandomRotation, RandomVerticalFlip, simclr, tsWeak, type Augmentation,
} from '../../src/augment/index.js';
import { assertClose, flat } from '../helpers.js';

const C = 13;
const S2_RGB = [3, 2, 1] as const; // Sentinel-2's B4, B3, B2

/** Standardised-looking bands: N(0, 1.5^2), so values leave [0, 1] on both sides. */
function bands(n: number, c = C, side = 12): Tensor {
  return randn([n, c, side, side]).mul_(1.5);
}

/** Band k of `x` (N, 1, H, W). */
const band = (x: Tensor, k: number): Tensor => x.narrow(1, k, 1);

/** Runs `op` under `seed`. */
function seeded(seed: number, op: Augmentation, x: Tensor): Tensor {
  manualSeed(seed);
  return op.apply(x);
}

describe('geometric ops act on each of C = 13 bands alike', () => {
  const ops: Augmentation[] = [
    new RandomResizedCrop({ size: [7, 9], scale: [0.2, 1], hflip: 0.5 }),
    new RandomHorizontalFlip({ p: 0.5 }),
    new RandomVerticalFlip({ p: 0.5 }),
    new RandomRotation({ degrees: 40 }),
    new GaussianBlur({ kernelSize: 5, p: 0.7 }),
  ];
  for (const op of ops) {
    test(`${op.name}: band k of the 13-band result is the op on band k alone, unclamped`, () => {
      scope(() => {
        manualSeed(3);
        const x = bands(6);
        const y = seeded(11, op, x); // (6, 13, H', W')
        assert.equal(y.shape[1], C);
        for (const k of [0, 4, 12]) assertClose(band(y, k), seeded(11, op, band(x, k)), { atol: 1e-5 });
        const v = flat(y);
        assert.ok(Math.min(...v) < -1 && Math.max(...v) > 1.5, 'standardised values pass through without clamping');
        assertClose(seeded(11, op, x), y, { atol: 0 }); // manualSeed repeats it
      });
    });
  }
});

describe('ColorJitter on C bands', () => {
  test('saturation and hue change only the declared rgb bands, as on the 3-band image', () => {
    scope(() => {
      manualSeed(4);
      const x = rand([5, C, 6, 6]);
      const rgb = cat([band(x, 3), band(x, 2), band(x, 1)], 1); // (5, 3, 6, 6) in R, G, B order
      const o = { saturation: 0.8, hue: 0.2 };
      const y = seeded(7, new ColorJitter({ ...o, rgb: S2_RGB }), x);
      const ref = seeded(7, new ColorJitter(o), rgb);
      assertClose(cat([band(y, 3), band(y, 2), band(y, 1)], 1), ref, { atol: 1e-6 });
      for (const k of [0, 4, 5, 12]) assertClose(band(y, k), band(x, k), { atol: 0 });
      // A permuted triple on 3 channels: BGR data with rgb [2, 1, 0] gives the permuted RGB result.
      const bgr = cat([band(rgb, 2), band(rgb, 1), band(rgb, 0)], 1);
      const z = seeded(7, new ColorJitter({ ...o, rgb: [2, 1, 0] }), bgr);
      assertClose(cat([band(z, 2), band(z, 1), band(z, 0)], 1), ref, { atol: 1e-6 });
    });
  });

  test('defaults: rgb [0, 1, 2] on 3 channels is the default jitter; 1 channel keeps brightness / contrast only', () => {
    scope(() => {
      const x = rand([4, 3, 5, 5]);
      const o = { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 };
      assertClose(seeded(2, new ColorJitter({ ...o, rgb: [0, 1, 2] }), x), seeded(2, new ColorJitter(o), x), { atol: 0 });
      const g = rand([4, 1, 5, 5]);
      assertClose(seeded(2, new ColorJitter(o), g), seeded(2, new ColorJitter({ brightness: 0.4, contrast: 0.4 }), g), { atol: 0 });
      assertClose(seeded(2, new ColorJitter({ saturation: 0.5, hue: 0.3 }), g), g, { atol: 0 });
    });
  });

  test('perBand: one factor per sample and band; contrast about each band\'s own mean; clamp false keeps the range', () => {
    scope(() => {
      const [n, h] = [2, 4];
      const x = bands(n, C, h);
      const jit = new ColorJitter({ brightness: 0.5, contrast: 0.5, perBand: true, clamp: false });
      manualSeed(5);
      const params = jit.sampleParams(n, C);
      assert.equal(params.factors[0]!.length, n * C);
      assert.equal(params.factors[1]!.length, n * C);
      assert.ok(new Set(params.factors[0]).size === n * C, 'brightness factors differ between bands');
      params.on.fill(1);
      const y = jit.applyParams(x, params);
      const xv = flat(x), yv = flat(y), hw = h * h;
      for (let i = 0; i < n; i++) {
        const pos = [0, 1, 2, 3].map((p) => params.order[i * 4 + p]!); // sample i's ops in order
        for (let k = 0; k < C; k++) {
          let v = xv.slice((i * C + k) * hw, (i * C + k + 1) * hw);
          for (const op of pos) {
            const f = params.factors[op]![i * C + k]!;
            if (op === 0) v = v.map((e) => e * f);
            if (op === 1) {
              const mean = v.reduce((a, b) => a + b, 0) / hw;
              v = v.map((e) => f * e + (1 - f) * mean);
            }
          }
          assertClose(yv.slice((i * C + k) * hw, (i * C + k + 1) * hw), v, { atol: 1e-5, message: `sample ${i} band ${k}` });
        }
      }
      assert.ok(Math.min(...yv) < -1 && Math.max(...yv) > 1, 'clamp false leaves standardised values outside [0, 1]');
      const clamped = flat(seeded(5, new ColorJitter({ brightness: 0.5, contrast: 0.5, perBand: true }), x));
      assert.ok(Math.min(...clamped) >= 0 && Math.max(...clamped) <= 1, 'the default clamp still holds');
      assertClose(seeded(9, jit, x), seeded(9, jit, x), { atol: 0 });
    });
  });

  test('errors: the op, the channel count and the fix, at apply time; options by name', () => {
    scope(() => {
      const x = bands(2, C, 4);
      assert.throws(() => new ColorJitter({ hue: 0.1 }).apply(x),
        { message: "ColorJitter: hue needs an RGB triple, but the images have 13 channels; declare rgb: [red, green, blue] (the band indices, e.g. rgb: [3, 2, 1] for Sentinel-2's B4, B3, B2) or leave hue out" });
      assert.throws(() => new ColorJitter({ brightness: 0.2, saturation: 0.4, hue: 0.1 }).apply(x), /ColorJitter: saturation and hue need an RGB triple, but the images have 13 channels; .* or leave saturation and hue out/);
      assert.throws(() => new RandomGrayscale({ p: 0.2 }).apply(x), /RandomGrayscale: grayscale needs an RGB triple, but the images have 13 channels; .* or leave RandomGrayscale out/);
      assert.throws(() => new ColorJitter({ hue: 0.1, rgb: [3, 2, 1] }).apply(bands(2, 3, 4)), /ColorJitter: rgb \[3, 2, 1\] names band 3, but the images have 3 channels \(bands 0 to 2\)/);
      assert.throws(() => new ColorJitter({ rgb: [1, 1, 2] }), /ColorJitter: rgb must name three different bands, got \[1, 1, 2\]/);
      assert.throws(() => new RandomGrayscale({ rgb: [0, 1] as never }), /RandomGrayscale: rgb must be three band indices \[red, green, blue\] \(non-negative integers\), got \[0,1\]/);
      assert.throws(() => new ColorJitter({ perBand: 'yes' as never }), /ColorJitter: perBand must be true or false, got "yes"/);
      assert.throws(() => new ColorJitter({ clamp: 0 as never }), /ColorJitter: clamp must be true or false, got 0/);
      // Brightness and contrast need no triple.
      assert.deepEqual(new ColorJitter({ brightness: 0.4, contrast: 0.4, clamp: false }).apply(x).shape, [2, C, 4, 4]);
    });
  });

  test('RandomGrayscale with rgb: the triple becomes its luma, the other bands stay', () => {
    scope(() => {
      const x = bands(3, C, 5);
      const y = new RandomGrayscale({ p: 1, rgb: S2_RGB }).apply(x);
      const luma = band(x, 3).mul(0.2989).add_(band(x, 2).mul(0.587)).add_(band(x, 1).mul(0.114));
      for (const k of S2_RGB) assertClose(band(y, k), luma, { atol: 1e-5 });
      for (const k of [0, 4, 8, 12]) assertClose(band(y, k), band(x, k), { atol: 0 });
      assertClose(new RandomGrayscale({ p: 0, rgb: S2_RGB }).apply(x), x, { atol: 0 });
    });
  });
});

describe('RandomBandDropout', () => {
  test('maxBands (default C / 2): 1 to 6 of 13 bands at rate p, at least one kept', () => {
    const n = 4000;
    manualSeed(1);
    const m = new RandomBandDropout({ p: 0.5 }).sampleMask(n, C);
    let hit = 0, dropped = 0;
    for (let i = 0; i < n; i++) {
      const k = m.subarray(i * C, (i + 1) * C).reduce((a, b) => a + b, 0);
      assert.ok(k <= 6, `sample ${i} lost ${k} bands`);
      if (k > 0) hit++, dropped += k;
    }
    assert.ok(Math.abs(hit / n - 0.5) < 0.03, `rate ${hit / n}`);
    assert.ok(Math.abs(dropped / hit - 3.5) < 0.12, `mean dropped ${dropped / hit}`); // uniform on 1..6
    const all = new RandomBandDropout({ p: 1, maxBands: 20 }).sampleMask(500, C);
    for (let i = 0; i < 500; i++) assert.ok(all.subarray(i * C, (i + 1) * C).includes(0), 'a band is kept');
  });

  test('fraction: each band at that rate; fraction 1 keeps exactly one band', () => {
    manualSeed(2);
    const m = new RandomBandDropout({ p: 1, fraction: 0.3 }).sampleMask(2000, C);
    const rate = m.reduce((a, b) => a + b, 0) / m.length;
    assert.ok(Math.abs(rate - 0.3) < 0.015, `band rate ${rate}`);
    const one = new RandomBandDropout({ p: 1, fraction: 1 }).sampleMask(50, C);
    for (let i = 0; i < 50; i++) assert.equal(one.subarray(i * C, (i + 1) * C).reduce((a, b) => a + b, 0), C - 1);
  });

  test('apply: dropped bands are exactly 0, the others untouched, repeatable; 1 band is never dropped', () => {
    scope(() => {
      const x = bands(16, C, 4).add_(3); // no zeros in the input
      const op = new RandomBandDropout({ p: 0.7, maxBands: 8 });
      const y = seeded(6, op, x);
      const xv = flat(x), yv = flat(y), hw = 16;
      let any = false;
      for (let i = 0; i < 16; i++) {
        let kept = 0;
        for (let k = 0; k < C; k++) {
          const o = (i * C + k) * hw;
          const zero = yv.slice(o, o + hw).every((v) => v === 0);
          if (zero) any = true;
          else assert.deepEqual(yv.slice(o, o + hw), xv.slice(o, o + hw)), kept++;
        }
        assert.ok(kept >= 1);
      }
      assert.ok(any);
      assertClose(seeded(6, op, x), y, { atol: 0 });
      const g = bands(4, 1, 4);
      assertClose(new RandomBandDropout({ p: 1 }).apply(g), g, { atol: 0 });
    });
  });

  test('options by name', () => {
    assert.throws(() => new RandomBandDropout({ p: 2 }), /RandomBandDropout: p must be a probability in \[0, 1\], got 2/);
    assert.throws(() => new RandomBandDropout({ maxBands: 0 }), /RandomBandDropout: maxBands must be a positive integer, got 0/);
    assert.throws(() => new RandomBandDropout({ fraction: 1.5 }), /RandomBandDropout: fraction must be a probability in \[0, 1\], got 1.5/);
    assert.throws(() => new RandomBandDropout({ maxBands: 3, fraction: 0.2 }), /RandomBandDropout: give maxBands or fraction, not both \(got maxBands 3, fraction 0.2\)/);
  });
});

describe('RandomBandNoise', () => {
  test('std within tolerance per sample, drawn from the range, only at rate p, repeatable', () => {
    scope(() => {
      const zeros = tensor(new Float32Array(8 * C * 32 * 32), { shape: [8, C, 32, 32] });
      const sd = (y: Tensor): number[] => flat(y.reshape([8, -1]).std([1]));
      for (const v of sd(new RandomBandNoise({ std: 0.5, p: 1 }).apply(zeros))) assert.ok(Math.abs(v - 0.5) < 0.015, `std ${v}`);
      const ranged = sd(seeded(3, new RandomBandNoise({ std: [0.1, 0.3], p: 1 }), zeros));
      assert.ok(ranged.every((v) => v > 0.09 && v < 0.31), `stds ${ranged}`);
      assert.ok(Math.max(...ranged) - Math.min(...ranged) > 0.03, 'sigma varies between samples');
      assertClose(seeded(3, new RandomBandNoise({ std: [0.1, 0.3], p: 1 }), zeros), seeded(3, new RandomBandNoise({ std: [0.1, 0.3], p: 1 }), zeros), { atol: 0 });
      const half = sd(seeded(4, new RandomBandNoise({ std: 0.2, p: 0.5 }), zeros));
      assert.ok(half.some((v) => v === 0) && half.some((v) => v > 0.15), `p 0.5 leaves some samples clean: ${half}`);
      assertClose(new RandomBandNoise({ std: 1, p: 0 }).apply(zeros), zeros, { atol: 0 });
    });
  });

  test('options by name', () => {
    assert.throws(() => new RandomBandNoise({ std: -1 }), /RandomBandNoise: std must be a finite number >= 0, got -1/);
    assert.throws(() => new RandomBandNoise({ std: [0.2, 0.1] }), /RandomBandNoise: std must have min <= max, got \[0.2, 0.1\]/);
    assert.throws(() => new RandomBandNoise({ std: [-0.1, 0.1] }), /RandomBandNoise: std must be >= 0, got \[-0.1, 0.1\]/);
    assert.throws(() => new RandomBandNoise({ p: -0.1 }), /RandomBandNoise: p must be a probability in \[0, 1\], got -0.1/);
  });
});

describe('presets on 13 bands', () => {
  test('multispectral: two unclamped 13-band views, repeatable; grayscale only with rgb; colorStrength scales the jitter', () => {
    scope(() => {
      assert.equal(PRESET_INPUTS.multispectral, 'image');
      const x = bands(4, C, 24);
      const t = preset('multispectral', { size: 16 });
      manualSeed(8);
      const [a, b] = t.views(x);
      assert.deepEqual([a!.shape, b!.shape], [[4, C, 16, 16], [4, C, 16, 16]]);
      assert.ok(Math.min(...flat(a!)) < -1 && Math.max(...flat(a!)) > 1.5, 'no clamping');
      manualSeed(8);
      assertClose(t.views(x)[0]!, a!, { atol: 0 });
      assert.doesNotMatch(t.name, /RandomGrayscale/);
      assert.match(t.name, /RandomResizedCrop\(size=\[16, 16\], scale=\[0.2, 1\].*hflip=0.5\).*RandomVerticalFlip\(p=0.5\).*brightness=\[0.6, 1.4\], contrast=\[0.6, 1.4\].*perBand, clamp=false, p=0.8\).*GaussianBlur\(kernelSize=1.*RandomBandNoise\(std=\[0, 0.1\], p=0.5\).*RandomBandDropout\(p=0.2/);
      assert.match(multispectral({ size: 16, rgb: S2_RGB }).name, /RandomGrayscale\(p=0.2, rgb=\[3, 2, 1\]\)/);
      assert.match(multispectral({ colorStrength: 0.5 }).name, /brightness=\[0.8, 1.2\]/);
      assert.doesNotMatch(multispectral({ colorStrength: 0 }).name, /ColorJitter/);
      assert.deepEqual(multispectral({ size: 16, rgb: S2_RGB }).views(x)[1]!.shape, [4, C, 16, 16]);
    });
  });

  test('simclr on 13 bands: works with rgb declared, a clear Error without', () => {
    scope(() => {
      const x = rand([3, C, 20, 20]);
      assert.deepEqual(simclr({ size: 16, rgb: S2_RGB }).views(x)[0]!.shape, [3, C, 16, 16]);
      assert.throws(() => simclr({ size: 16 }).views(x), /ColorJitter: saturation and hue need an RGB triple, but the images have 13 channels; declare rgb/);
      assert.throws(() => simclr({ size: 16, colorStrength: 0 }).views(x), /RandomGrayscale: grayscale needs an RGB triple, but the images have 13 channels/);
      assert.throws(() => simclr({ rgb: [0, 0, 1] }), /simclr: rgb must name three different bands, got \[0, 0, 1\]/);
      assert.throws(() => tsWeak({ rgb: S2_RGB }), /ts-weak: rgb is an image option/);
    });
  });

  test('live tensors stay flat over repeated multispectral views of a 13-band batch', () => {
    const x = bands(4, C, 24);
    const t = multispectral({ size: 16, rgb: S2_RGB });
    scope(() => {
      t.views(x);
    });
    const before = memory().tensors;
    for (let i = 0; i < 8; i++) {
      scope(() => {
        assert.equal(t.views(x).length, 2);
      });
    }
    assert.equal(memory().tensors, before);
    x.dispose();
  });
});
