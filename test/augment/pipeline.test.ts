// Pipelines: the same seed gives the same views and another seed other views; presets carry the
// papers' settings; Compose applies a step with its probability; multi-view transforms; memory.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { manualSeed, memory, rand, scope, type Tensor } from '../../src/index.js';
import {
  byol, cifar32, ColorJitter, Compose, COMPOSE_CHUNK_BYTES, GaussianBlur, hflip, mnist28, MultiCrop, preset, RandomApply, RandomGrayscale, RandomHorizontalFlip,
  RandomResizedCrop, RandomSolarize, simclr, TwoViews, writeViewGrid, type Augmentation,
} from '../../src/augment/index.js';
import { assertClose, flat } from '../helpers.js';

const maxDiff = (a: Tensor, b: Tensor): number => scope(() => a.sub(b).abs().max().item());

describe('determinism', () => {
  test('the same seed gives the same views; a different seed different ones', () => {
    const x = rand([16, 3, 32, 32]);
    const views = (seed: number): number[][] => scope(() => {
      manualSeed(seed);
      return simclr({ size: 24 }).views(x).map((v) => flat(v));
    });
    const a = views(1), b = views(1), c = views(2);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a[0], c[0]);
    assert.notDeepEqual(a[0], a[1], 'the two views of one seed differ');
    x.dispose();
  });
});

describe('presets', () => {
  const names = (t: Augmentation): string[] => (t as Compose).ops.map((o) => o.name);

  test('simclr: crop 0.08-1, flip, jitter 0.8/0.8/0.8/0.2 at p 0.8, grayscale p 0.2, blur p 0.5 with a 10% kernel', () => {
    const t = simclr({ size: 96 });
    assert.equal(t.first, t.second);
    const ops = (t.first as Compose).ops;
    assert.deepEqual((ops[0] as RandomResizedCrop).scale, [0.08, 1]);
    assert.deepEqual((ops[0] as RandomResizedCrop).size, [96, 96]);
    assert.equal((ops[0] as RandomResizedCrop).hflip, 0.5, 'horizontal flip p 0.5, fused into the crop');
    const j = ops[1] as ColorJitter;
    assert.deepEqual(j.ranges, [[0.19999999999999996, 1.8], [0.19999999999999996, 1.8], [0.19999999999999996, 1.8], [-0.2, 0.2]]);
    assert.equal(j.p, 0.8);
    assert.equal((ops[2] as RandomGrayscale).p, 0.2);
    const blur = ops[3] as GaussianBlur;
    assert.deepEqual([blur.p, blur.kernelSize, ...blur.sigma], [0.5, 9, 0.1, 2]);
  });

  test('byol: asymmetric blur p 1.0 / 0.1 and solarize p 0 / 0.2, jitter 0.4/0.4/0.2/0.1', () => {
    const t = byol({ size: 64 });
    const blurP = (c: Augmentation): number[] => (c as Compose).ops.filter((o) => o instanceof GaussianBlur).map((o) => (o as GaussianBlur).p);
    const solarizeP = (c: Augmentation): number[] => (c as Compose).ops.filter((o) => o instanceof RandomSolarize).map((o) => (o as RandomSolarize).p);
    assert.deepEqual([blurP(t.first), blurP(t.second)], [[1], [0.1]]);
    assert.deepEqual([solarizeP(t.first), solarizeP(t.second)], [[], [0.2]]);
    const j = (t.first as Compose).ops[1] as ColorJitter;
    assert.deepEqual(j.ranges.map((r) => r![1]), [1.4, 1.4, 1.2, 0.1]);
    assert.ok(names(t.second).some((n) => n.startsWith('RandomSolarize(threshold=0.5')));
  });

  test('small-image presets: cifar32 (no blur, s = 0.5) and mnist28 (one channel) give views of the right size', () => scope(() => {
    assert.ok(!names(cifar32().first).some((n) => n.startsWith('GaussianBlur')));
    const rgb = rand([4, 3, 32, 32]);
    const gray = rand([4, 1, 28, 28]);
    assert.deepEqual(cifar32().views(rgb).map((v) => v.shape), [[4, 3, 32, 32], [4, 3, 32, 32]]);
    assert.deepEqual(mnist28().views(gray).map((v) => v.shape), [[4, 1, 28, 28], [4, 1, 28, 28]]);
    assert.deepEqual(preset('simclr', { size: 16 }).views(rgb).map((v) => v.shape), [[4, 3, 16, 16], [4, 3, 16, 16]]);
    const normalized = simclr({ size: 16, normalize: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } }).views(rgb)[0]!;
    assert.ok(normalized.min().item() < 0, 'normalised views leave [0, 1]');
    assert.throws(() => preset('nope' as never), /unknown preset 'nope'/);
  }));

  test('cropScale and colorStrength replace the preset\'s crop range and jitter strength; 0 removes the jitter', () => {
    const ops = (o: Parameters<typeof simclr>[0]): readonly Augmentation[] => ((simclr({ size: 16, ...o }).first) as Compose).ops;
    assert.deepEqual((ops({ cropScale: [0.3, 0.9] })[0] as RandomResizedCrop).scale, [0.3, 0.9]);
    const half = ops({ colorStrength: 0.5 })[1] as ColorJitter;
    assert.deepEqual(half.ranges.map((r) => r![1]), [1.4, 1.4, 1.4, 0.1]);
    assert.ok(!ops({ colorStrength: 0 }).some((o) => o instanceof ColorJitter));
    const m = (mnist28({ colorStrength: 1 }).first as Compose).ops[1] as ColorJitter;
    assert.deepEqual(m.ranges.slice(0, 2).map((r) => r![1]), [1.8, 1.8], 'mnist28: brightness and contrast 0.8 s');
    assert.deepEqual(m.ranges.slice(2), [null, null], 'mnist28: no saturation or hue on one channel');
    const b = ((byol({ size: 16, colorStrength: 1 }).first as Compose).ops[1] as ColorJitter).ranges.map((r) => r![1]);
    assert.deepEqual(b, [1.8, 1.8, 1.4, 0.2], "byol scales its own 0.4/0.4/0.2/0.1 with s / 0.5");
    assert.throws(() => simclr({ colorStrength: -1 }), /colorStrength must be a finite number >= 0, got -1/);
    assert.throws(() => simclr({ cropScale: [0.9, 0.1] }), /scale/);
  });

  test('augmented views stay in [0, 1] and are finite', () => scope(() => {
    manualSeed(12);
    const x = rand([32, 3, 32, 32]);
    for (const t of [simclr({ size: 32 }), byol({ size: 32 })]) {
      for (const v of t.views(x)) {
        assert.ok(v.min().item() >= 0 && v.max().item() <= 1, `${t.name}: values out of [0, 1]`);
        assert.equal(v.isfinite().all().item(), 1);
      }
    }
  }));
});

describe('Compose and RandomApply', () => {
  test('a step { op, p } runs on about p of the samples, the others untouched', () => scope(() => {
    manualSeed(13);
    const x = rand([400, 3, 2, 2]);
    const y = new Compose([{ op: { name: 'invert', apply: (t: Tensor) => t.neg().add(1) }, p: 0.3 }]).apply(x);
    const unchanged = flat(y.sub(x).abs().flatten(1).max(1).values).filter((d) => d === 0).length;
    const inverted = flat(y.add(x).sub(1).abs().flatten(1).max(1).values).filter((d) => d < 1e-6).length;
    assert.equal(unchanged + inverted, 400);
    assert.ok(inverted > 90 && inverted < 150, `${inverted} of 400 at p 0.3`);
  }));

  test('p 0 is the identity (as a new tensor), p 1 always applies; Compose runs ops in order', () => scope(() => {
    const x = rand([5, 3, 4, 4]);
    const flip: Augmentation = { name: 'hflip', apply: (t) => hflip(t) };
    const id = new RandomApply(flip, 0).apply(x);
    assert.notEqual(id, x);
    assertClose(id, x, { atol: 0 });
    assertClose(new RandomApply(flip, 1).apply(x), hflip(x), { atol: 0 });
    const addOne: Augmentation = { name: '+1', apply: (t) => t.add(1) };
    const double: Augmentation = { name: '*2', apply: (t) => t.mul(2) };
    assertClose(new Compose([addOne, double]).apply(x), x.add(1).mul(2), { atol: 0 });
    assert.throws(() => new Compose([{} as never]), /step 0 is neither an augmentation nor \{ op, p \}/);
    assert.throws(() => new RandomApply(flip, 2), /p must be a probability in \[0, 1\]/);
    assert.throws(() => new RandomApply({ name: 'crop', apply: (t) => t.narrow(2, 0, 2) }, 0.5).apply(rand([8, 3, 4, 4])), /changed the image shape/);
  }));

  test('a CPU image batch over chunkBytes goes through in chunks of rows: same result, own parameters per sample, flat memory', () => scope(() => {
    assert.equal(new Compose([]).chunkBytes, COMPOSE_CHUNK_BYTES);
    const side = 16, chunkBytes = 10 * 3 * side * side * 4; // 10 float32 samples per chunk
    const x = rand([25, 3, side, side]); // chunks of 10, 10 and 5
    const chunks: number[] = [];
    const spy: Augmentation = { name: 'spy', apply: (t) => (chunks.push(t.shape[0]!), t.narrow(3, 2, side - 4).mul(2)) }; // shape changes: W 16 -> 12
    const y = new Compose([spy, { name: '+1', apply: (t) => t.add(1) }], { chunkBytes }).apply(x);
    assert.deepEqual(y.shape, [25, 3, side, side - 4]);
    assert.deepEqual(chunks, [10, 10, 5]);
    assertClose(y, x.narrow(3, 2, side - 4).mul(2).add(1), { atol: 0 });
    // Random ops draw per sample in every chunk: the samples' crops differ, and the same seed repeats.
    const crop = new Compose([new RandomResizedCrop({ size: 8, scale: [0.08, 1] }), new RandomGrayscale({ p: 0.5 })], { chunkBytes });
    const views = (): Tensor => { manualSeed(5); return crop.apply(x); };
    const a = views();
    assertClose(views(), a, { atol: 0 });
    assert.equal(new Set(flat(a.sum([1, 2, 3]))).size, 25, 'each sample its own crop');
    const gray = flat(a.narrow(1, 0, 1).sub(a.narrow(1, 1, 1)).abs().flatten(1).max(1).values).filter((d) => d === 0).length;
    assert.ok(gray > 4 && gray < 21, `${gray} of 25 gray at p 0.5`);
    const before = memory().tensors;
    for (let i = 0; i < 3; i++) scope(() => void crop.apply(x));
    assert.equal(memory().tensors, before);
    assert.throws(() => new Compose([], { chunkBytes: 0 }), /chunkBytes must be a positive integer, got 0/);
  }));
});

describe('multi-view transforms', () => {
  test('TwoViews with two pipelines gives asymmetric views', () => scope(() => {
    const x = rand([3, 3, 8, 8]);
    const t = new TwoViews({ name: 'id', apply: (v) => v.clone() }, { name: 'flip', apply: (v) => hflip(v) });
    const [a, b] = t.views(x);
    assertClose(a!, x, { atol: 0 });
    assertClose(b!, hflip(x), { atol: 0 });
  }));

  test('MultiCrop gives SwAV-style global and local crops of the requested sizes', () => scope(() => {
    const x = rand([4, 3, 64, 64]);
    const mc = new MultiCrop({
      groups: [{ count: 2, size: 32, scale: [0.14, 1] }, { count: 3, size: 16, scale: [0.05, 0.14] }],
      transform: new RandomHorizontalFlip(),
    });
    const views = mc.views(x);
    assert.deepEqual(views.map((v) => v.shape[2]), [32, 32, 16, 16, 16]);
    assert.ok(maxDiff(views[2]!, views[3]!) > 0);
    assert.equal(new MultiCrop().groups.length, 2);
  }));

  test('views leave memory flat over many batches', () => {
    const x = rand([8, 3, 32, 32]);
    const t = simclr({ size: 32 });
    const b = byol({ size: 32 });
    scope(() => {
      t.views(x);
    });
    const m0 = memory();
    for (let i = 0; i < 10; i++) {
      scope(() => {
        const views = [...t.views(x), ...b.views(x)];
        assert.equal(views.length, 4);
      });
    }
    assert.deepEqual(memory(), m0);
    x.dispose();
  });

  test('bad input: a clear TypeError naming the op', () => {
    assert.throws(() => simclr().views(rand([3, 32])), /TwoViews: expected images \(N, C, H, W\) or sequences \(N, T, C\), got shape \[3, 32\]/);
    assert.throws(() => simclr().views(rand([3, 32, 32])), /RandomResizedCrop: expected images of shape \(N, C, H, W\), got shape \[3, 32, 32\]/);
    assert.throws(() => simclr().views(rand([2, 3, 8, 8]).to('int64')), /expected floating-point images in \[0, 1\], got dtype int64/);
    assert.throws(() => simclr().views([1, 2] as never), /expected a Tensor of images \(N, C, H, W\) or sequences \(N, T, C\), got an array/);
  });
});

describe('view grid', () => {
  test('writes a PNG with one row per image and one column per view', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contrastive-grid-'));
    try {
      const file = join(dir, 'views.png');
      const [x, views] = scope(() => {
        const x = rand([3, 3, 8, 8]);
        return [x, simclr({ size: 8 }).views(x)] as const;
      });
      const { width, height } = await writeViewGrid(file, [x, ...views], { padding: 1, scale: 2 });
      assert.deepEqual([width, height], [3 * 17 + 1, 3 * 17 + 1]);
      const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [52, 52, 3]);
      // Pixel (row 0, column 0, y 0, x 0), scaled 2x, sits at (1, 1) and (2, 2): the first image's first pixel.
      const expected = flat(x.select(0, 0).select(1, 0).select(1, 0).mul(255).round());
      for (const [px, py] of [[1, 1], [2, 2]]) assert.deepEqual([...data.subarray((py! * 52 + px!) * 3, (py! * 52 + px!) * 3 + 3)], expected);
      assert.deepEqual([...data.subarray(0, 3)], [255, 255, 255], 'padding is white');
      [x, ...views].forEach((t) => t.dispose());
      await assert.rejects(writeViewGrid(file, []), /columns must be a non-empty array/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
