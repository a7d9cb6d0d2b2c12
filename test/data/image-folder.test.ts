// ImageFolder on the fixtures of test/fixtures/images: classes from sub-folders (recursive),
// flat folders unlabelled, resizing and channels, and the error paths: corrupt files are
// skipped, counted and reported once; an empty folder or a wrong path is a clear error.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { memory } from '../../src/index.js';
import { ImageFolder, Loader } from '../../src/data/index.js';

// dist/test/data/ -> the repository's test/fixtures/images
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/images/', import.meta.url));
const LABELLED = join(FIXTURES, 'labelled');
const FLAT = join(FIXTURES, 'flat');

describe('ImageFolder', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'contrastive-images-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('class sub-folders are labels (searched recursively); corrupt files skipped, counted, reported once', async () => {
    const warnings: string[] = [];
    const ds = await ImageFolder.open(LABELLED, { size: 8, onWarning: (m) => warnings.push(m) });
    assert.deepEqual(ds.classes, ['blue', 'red']);
    assert.deepEqual([...Array(ds.length).keys()].map((i) => ds.relativePath(i)), ['blue/b1.webp', 'blue/nested/b2.png', 'red/halves.png', 'red/r1.png', 'red/r2.jpg']);
    assert.deepEqual([...ds.labels!], [0, 0, 1, 1, 1]);
    assert.deepEqual(ds.sampleShape, [3, 8, 8]);
    assert.deepEqual(ds.skipped.map((s) => s.path), [join(LABELLED, 'blue', 'corrupt.jpg'), join(LABELLED, 'red', 'truncated.png')]);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /skipping unreadable image .*corrupt\.jpg \(.*unsupported image format/);
    assert.match(warnings[1]!, /skipping unreadable image .*truncated\.png/);
    // reading and iterating never reports them again
    const loader = new Loader(ds, { batchSize: 2, seed: 1 });
    for (let e = 0; e < 2; e++) for await (const b of loader) assert.ok(b.x.shape[0] > 0);
    assert.equal(warnings.length, 2);
  });

  test('pixels: resized and centre-cropped, RGB channel order kept, grayscale as luma', async () => {
    const ds = await ImageFolder.open(LABELLED, { size: [4, 6], onWarning: () => undefined });
    const r = await ds.read(Int32Array.from([2, 0])); // red/halves.png (red | green), blue/b1.webp
    const px = (img: number, y: number, x: number) => [0, 1, 2].map((c) => r.data[img * 72 + c * 24 + y * 6 + x]!);
    const near = (a: number[], b: number[], what: string) => assert.ok(a.every((v, i) => Math.abs(v - b[i]!) <= 3), `${what}: [${a}] vs [${b}]`);
    near(px(0, 1, 0), [255, 0, 0], 'left half red'); // the resampling kernel may ring by a level or two
    near(px(0, 2, 5), [0, 255, 0], 'right half green');
    assert.deepEqual(px(1, 0, 0), [20, 40, 230], 'a lossless webp of one colour keeps it exactly');
    assert.deepEqual([...r.labels!], [1, 0]);
    const gray = await ImageFolder.open(LABELLED, { size: 4, channels: 1, onWarning: () => undefined });
    assert.deepEqual(gray.sampleShape, [1, 4, 4]);
    const g = (await gray.read(Int32Array.from([0]))).data;
    // sharp's luma of (20, 40, 230) in sRGB: between the channels, closer to the dark ones
    assert.ok(g.every((v) => v === g[0]) && g[0]! > 20 && g[0]! < 120, `gray ${g[0]}`);
    // 'fill' squeezes the whole 32-wide two-tone image: column 0 red, last column green
    const fill = await ImageFolder.open(LABELLED, { size: [2, 2], fit: 'fill', onWarning: () => undefined });
    const f = (await fill.read(Int32Array.from([2]))).data;
    assert.ok(f[0]! > 200 && f[4 + 1]! > 200 && f[1]! < 60 && f[4]! < 60, `fill: [${[...f]}]`);
  });

  test('a flat folder is unlabelled', async () => {
    const ds = await ImageFolder.open(FLAT, { size: 5 });
    assert.equal(ds.length, 3);
    assert.equal(ds.labels, null);
    assert.deepEqual(ds.classes, []);
    assert.equal((await ds.read(Int32Array.from([0, 1]))).labels, null);
  });

  test('lazy: decoded on first read (prefetched by the loader), unreadable files dropped from their batch', async () => {
    const warnings: string[] = [];
    const ds = await ImageFolder.open(LABELLED, { size: 8, lazy: true, onWarning: (m) => warnings.push(m) });
    assert.equal(ds.length, 7, 'lazy: every file counts until read');
    assert.equal(warnings.length, 0);
    const before = memory().tensors;
    const seen: number[] = [];
    for await (const b of new Loader(ds, { batchSize: 3, shuffle: false })) {
      assert.equal(b.x.shape[0], b.indices.length);
      seen.push(...b.indices);
    }
    assert.equal(ds.relativePath(1), 'blue/corrupt.jpg');
    assert.equal(ds.relativePath(6), 'red/truncated.png');
    assert.deepEqual(seen, [0, 2, 3, 4, 5], 'indices 1 (corrupt.jpg) and 6 (truncated.png) are skipped');
    assert.equal(ds.skipped.length, 2);
    for await (const b of new Loader(ds, { batchSize: 7 })) assert.equal(b.x.shape[0], 5);
    assert.equal(warnings.length, 2, 'reported once each, over two epochs');
    assert.equal(memory().tensors, before);
  });

  test('errors: a wrong path, a file, an empty folder, bad options', async () => {
    await assert.rejects(ImageFolder.open(join(tmp, 'nope'), { size: 8 }), /ImageFolder: '.*nope' does not exist/);
    await assert.rejects(ImageFolder.open(join(FLAT, 'g1.png'), { size: 8 }), /is not a folder/);
    const empty = join(tmp, 'empty');
    mkdirSync(join(empty, 'class-a'), { recursive: true });
    await assert.rejects(ImageFolder.open(empty, { size: 8 }), /ImageFolder: no images \(.jpg, .jpeg, .png, .webp\) under '.*empty'/);
    const onlyBad = join(tmp, 'only-bad');
    mkdirSync(onlyBad);
    writeFileSync(join(onlyBad, 'x.png'), 'garbage');
    await assert.rejects(ImageFolder.open(onlyBad, { size: 8, onWarning: () => undefined }), /none of the 1 images under .* could be read/);
    await assert.rejects(ImageFolder.open(FLAT, { size: 0 }), /size must be a positive integer or \[height, width\]/);
    await assert.rejects(ImageFolder.open(FLAT, { size: 8, channels: 4 as never }), /channels must be 1 or 3/);
    await assert.rejects(ImageFolder.open(FLAT, { size: 8, fit: 'contain' as never }), /fit must be 'cover' or 'fill'/);
    const ds = await ImageFolder.open(FLAT, { size: 8 });
    await assert.rejects(ds.read(Int32Array.from([3])), /index 3 is out of range for 3 items/);
  });
});
