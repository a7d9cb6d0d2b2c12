// Geometric ops and blur against torchvision 0.14 for fixed parameters; flips are involutions;
// RandomResizedCrop's areas follow the requested scale range (statistical tests).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { manualSeed, memory, rand, scope, type Tensor } from '../../src/index.js';
import {
  GaussianBlur, gaussianBlur, hflip, RandomHorizontalFlip, RandomResizedCrop, RandomRotation, RandomVerticalFlip, resizedCrop, rotate, simclrKernelSize, vflip, type Boxes,
} from '../../src/augment/index.js';
import { assertClose, flat, runTorch } from '../helpers.js';

const SCRIPT = String.raw`
import json, sys, math, torch
import torchvision.transforms as T
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode as IM
inp = json.load(sys.stdin)
x = torch.tensor(inp['x'], dtype=torch.float32).reshape(inp['shape'])
out = {}
b = inp['boxes']
for key, size in (('crop_small', inp['small']), ('crop_large', inp['large'])):
    out[key] = torch.stack([F.resized_crop(x[i], b['top'][i], b['left'][i], b['height'][i], b['width'][i], size, IM.BILINEAR, antialias=False)
                            for i in range(x.shape[0])]).flatten().tolist()
out['rotate'] = torch.stack([F.rotate(x[i], float(a), IM.BILINEAR) for i, a in enumerate(inp['angles'])]).flatten().tolist()
out['blur'] = torch.stack([F.gaussian_blur(x[i], [inp['k'], inp['k']], [float(s), float(s)]) for i, s in enumerate(inp['sigmas'])]).flatten().tolist()
# torchvision's own crop parameters, many draws, for the distribution test
torch.manual_seed(0)
img = torch.zeros(1, inp['H'], inp['W'])
params = [T.RandomResizedCrop.get_params(img, [0.08, 1.0], [3 / 4, 4 / 3]) for _ in range(inp['draws'])]
out['tv_area'] = [h * w / (inp['H'] * inp['W']) for (i, j, h, w) in params]
out['tv_ratio'] = [w / h for (i, j, h, w) in params]
print(json.dumps(out))
`;

/** Two-sample Kolmogorov-Smirnov statistic. */
function ks(a: readonly number[], b: readonly number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0, j = 0, d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** The KS critical value at significance 0.001 for samples of sizes n and m. */
const ksCritical = (n: number, m: number): number => 1.95 * Math.sqrt((n + m) / (n * m));

describe('geometry and blur equal torchvision 0.14 for fixed parameters', () => {
  const N = 5;
  const SHAPE = [N, 3, 13, 17] as const;
  const boxes: Boxes = {
    top: Int32Array.from([0, 2, 5, 0, 12]),
    left: Int32Array.from([0, 3, 1, 16, 0]),
    height: Int32Array.from([13, 6, 8, 13, 1]),
    width: Int32Array.from([17, 9, 4, 1, 17]),
  };
  const angles = [0, 30, -45, 90, 137.5];
  const sigmas = [0.1, 0.5, 1, 1.7, 2];
  let x: Tensor;
  let ref: Record<string, number[]>;
  const H = 24, W = 36, DRAWS = 4000;

  before(() => {
    manualSeed(21);
    x = rand([...SHAPE]);
    ref = runTorch(SCRIPT, {
      x: flat(x), shape: SHAPE, small: [8, 10], large: [20, 24],
      boxes: { top: [...boxes.top], left: [...boxes.left], height: [...boxes.height], width: [...boxes.width] },
      angles, sigmas, k: 5, H, W, draws: DRAWS,
    });
  });

  test('resizedCrop = crop + bilinear resize (antialias off), down- and upscaling', () => scope(() => {
    assertClose(resizedCrop(x, boxes, [8, 10]), ref['crop_small']!, { atol: 2e-6 });
    assertClose(resizedCrop(x, boxes, [20, 24]), ref['crop_large']!, { atol: 2e-6 });
  }));

  test('RandomResizedCrop with hflip p 1 equals the crop followed by a flip (same draws)', () => scope(() => {
    manualSeed(30);
    const a = new RandomResizedCrop({ size: [6, 7], hflip: 1 }).apply(x);
    manualSeed(30);
    const b = new RandomResizedCrop({ size: [6, 7] }).apply(x);
    assertClose(a, hflip(b), { atol: 0 });
  }));

  test('resizedCrop with hflip mirrors exactly the flipped samples', () => scope(() => {
    const flip = Uint8Array.from([1, 0, 1, 0, 1]);
    const a = resizedCrop(x, boxes, [8, 10], flip);
    const b = resizedCrop(x, boxes, [8, 10]);
    for (let i = 0; i < N; i++) {
      const expected = flip[i] ? hflip(b.narrow(0, i, 1)) : b.narrow(0, i, 1);
      assertClose(a.narrow(0, i, 1), expected, { atol: 0, message: `sample ${i}` });
    }
  }));

  test('rotate (bilinear, non-square images)', () => scope(() => {
    assertClose(rotate(x, angles), ref['rotate']!, { atol: 2e-5 });
  }));

  test('gaussianBlur per-sample sigma (separable, reflect padding)', () => scope(() => {
    assertClose(gaussianBlur(x, 5, sigmas), ref['blur']!, { atol: 2e-6 });
  }));

  test('RandomResizedCrop draws boxes distributed as torchvision\'s get_params (KS test, 4000 draws)', () => {
    manualSeed(1);
    const b = new RandomResizedCrop({ size: 8 }).sampleBoxes(DRAWS, H, W);
    const area = Array.from(b.height, (h, i) => (h * b.width[i]!) / (H * W));
    const ratio = Array.from(b.width, (w, i) => w / b.height[i]!);
    const crit = ksCritical(DRAWS, DRAWS);
    const dArea = ks(area, ref['tv_area']!);
    const dRatio = ks(ratio, ref['tv_ratio']!);
    assert.ok(dArea < crit, `area distributions differ: KS ${dArea.toFixed(4)} >= ${crit.toFixed(4)}`);
    assert.ok(dRatio < crit, `ratio distributions differ: KS ${dRatio.toFixed(4)} >= ${crit.toFixed(4)}`);
    // ...and the test can tell distributions apart: a shifted scale range fails it.
    manualSeed(1);
    const shifted = new RandomResizedCrop({ size: 8, scale: [0.2, 1] }).sampleBoxes(DRAWS, H, W);
    const shiftedArea = Array.from(shifted.height, (h, i) => (h * shifted.width[i]!) / (H * W));
    assert.ok(ks(shiftedArea, ref['tv_area']!) > crit);
  });
});

describe('crop statistics', () => {
  test('crop areas follow the requested scale range: uniform on [s0, s1] when every draw fits', () => {
    // A square image and ratio 1: every attempt fits, so area / (H W) is uniform on the range,
    // up to the rounding of the side (w = h = round(sqrt(area))).
    manualSeed(2);
    const n = 5000, side = 400;
    for (const [s0, s1] of [[0.08, 1], [0.3, 0.5]] as const) {
      const b = new RandomResizedCrop({ size: 8, scale: [s0, s1], ratio: [1, 1] }).sampleBoxes(n, side, side);
      const fractions = Array.from(b.height, (h, i) => (h * b.width[i]!) / (side * side));
      const tol = (2 * side * 0.5 + 0.25) / (side * side); // rounding of a side moves the area by < side + 1/4 pixels
      for (const f of fractions) assert.ok(f >= s0 - tol && f <= s1 + tol, `area fraction ${f} outside [${s0}, ${s1}]`);
      const uniform = Array.from({ length: n }, (_, i) => s0 + ((s1 - s0) * (i + 0.5)) / n);
      const d = ks(fractions, uniform);
      assert.ok(d < ksCritical(n, n), `scale [${s0}, ${s1}]: KS vs uniform ${d.toFixed(4)}`);
      const mean = fractions.reduce((a, c) => a + c, 0) / n;
      assert.ok(Math.abs(mean - (s0 + s1) / 2) < 0.01, `mean area fraction ${mean}`);
    }
  });

  test('boxes lie inside the image, and the fallback is a central crop', () => {
    manualSeed(4);
    const b = new RandomResizedCrop({ size: 8 }).sampleBoxes(2000, 10, 30);
    for (let i = 0; i < 2000; i++) {
      assert.ok(b.top[i]! >= 0 && b.left[i]! >= 0 && b.top[i]! + b.height[i]! <= 10 && b.left[i]! + b.width[i]! <= 30);
      assert.ok(b.height[i]! > 0 && b.width[i]! > 0);
    }
    // Scale (2, 3) never fits: every box is the fallback, the central crop of ratio 4/3 (h 10, w 13).
    const f = new RandomResizedCrop({ size: 8, scale: [2, 3] }).sampleBoxes(3, 10, 30);
    assert.deepEqual([...f.height, ...f.width, ...f.top, ...f.left], [10, 10, 10, 13, 13, 13, 0, 0, 0, 8, 8, 8]);
  });
});

describe('flips and rotation', () => {
  test('a flip applied twice is the identity (functional and random at p 1)', () => scope(() => {
    manualSeed(8);
    const x = rand([4, 3, 5, 7]);
    assertClose(hflip(hflip(x)), x, { atol: 0 });
    assertClose(vflip(vflip(x)), x, { atol: 0 });
    const h = new RandomHorizontalFlip({ p: 1 });
    const v = new RandomVerticalFlip({ p: 1 });
    assertClose(h.apply(h.apply(x)), x, { atol: 0 });
    assertClose(v.apply(v.apply(x)), x, { atol: 0 });
    // and one flip is not (the test can fail): column 0 becomes column 6
    assertClose(hflip(x).select(3, 0), x.select(3, 6), { atol: 0 });
    assert.ok(hflip(x).sub(x).abs().max().item() > 0);
  }));

  test('RandomHorizontalFlip p 0.5 flips about half the samples, each either flipped or not', () => scope(() => {
    manualSeed(9);
    const x = rand([200, 1, 2, 3]);
    const y = new RandomHorizontalFlip().apply(x);
    const same = flat(y.sub(x).abs().flatten(1).max(1).values);
    const flipped = flat(y.sub(hflip(x)).abs().flatten(1).max(1).values);
    let count = 0;
    same.forEach((s, i) => {
      assert.ok(s === 0 || flipped[i] === 0);
      if (flipped[i] === 0) count++;
    });
    assert.ok(count > 70 && count < 130, `${count} of 200 flipped`);
  }));

  test('rotation by 90 degrees of a square image moves pixels as a transpose-and-flip', () => scope(() => {
    manualSeed(10);
    const x = rand([2, 1, 6, 6]);
    // Counter-clockwise by 90: out[i][j] = in[j][W-1-i], i.e. the transpose of the horizontally flipped image.
    const expected = hflip(x).transpose(2, 3);
    assertClose(rotate(x, [90, 90]), expected, { atol: 1e-5 });
    const r = new RandomRotation({ degrees: 0 });
    assertClose(r.apply(x), x, { atol: 1e-6 });
  }));

  test('GaussianBlur: kernel sizes as SimCLR, p 0 leaves the batch alone, memory flat', () => {
    assert.deepEqual([224, 96, 32, 28, 10, 9].map(simclrKernelSize), [23, 9, 3, 3, 1, 1]);
    const x = rand([6, 3, 9, 9]);
    const m0 = memory().tensors;
    scope(() => {
      assertClose(new GaussianBlur({ kernelSize: 3, p: 0 }).apply(x), x, { atol: 0 });
      const y = new GaussianBlur({ kernelSize: 3, p: 1, sigma: [1, 1] }).apply(x);
      assertClose(y, gaussianBlur(x, 3, new Array(6).fill(1)), { atol: 0 });
      new RandomResizedCrop({ size: 4 }).apply(x);
      new RandomRotation({ degrees: 30 }).apply(x);
    });
    assert.equal(memory().tensors, m0);
    assert.throws(() => new GaussianBlur({ kernelSize: 4 }), /kernelSize must be a positive odd integer/);
    assert.throws(() => gaussianBlur(x, 19, new Array(6).fill(1)), /too large for 9x9 images/);
    assert.throws(() => new RandomResizedCrop({ size: 0 }), /size must be a positive integer/);
    assert.throws(() => new RandomResizedCrop({ size: 8, scale: [0.5, 0.1] }), /min <= max/);
    x.dispose();
  });
});
