// ImageFolder on the fixtures of test/fixtures/images: classes from sub-folders (recursive),
// flat folders unlabelled, resizing and channels; the index cached beside the data (reused,
// invalidated, rebuilt when corrupt); decoding on demand ('memory' keeps items, 'none' decodes
// every read, with a bound on decodes in flight); unreadable files skipped and reported once;
// decoder, band-count and normalisation errors (fake decoders stand in for rasters).
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import sharp from 'sharp';
import { memory } from '../../src/index.js';
import { MissingPackageError } from '../../src/tensor/index.js';
import { ImageFolder, imageDecoder, INDEX_FILE, indexLocations, Loader, type DecodeTarget, type FileDecoder } from '../../src/data/index.js';

// dist/test/data/ -> the repository's test/fixtures/images
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/images/', import.meta.url));
const LABELLED = join(FIXTURES, 'labelled');
const FLAT = join(FIXTURES, 'flat');
const quiet = { onWarning: () => undefined };

/** The image decoder, counting probes and decodes, decodes optionally slowed to `delayMs` (tracking the most in flight). */
function counting(delayMs = 0): FileDecoder & { probes: number; decodes: number; inFlight: number; maxInFlight: number } {
  const d = {
    name: 'image', extensions: imageDecoder.extensions, output: 'uint8' as const, probes: 0, decodes: 0, inFlight: 0, maxInFlight: 0,
    async probe(file: string) {
      d.probes++;
      return imageDecoder.probe(file);
    },
    async decode(file: string, t: DecodeTarget) {
      d.decodes++;
      d.maxInFlight = Math.max(d.maxInFlight, ++d.inFlight);
      try {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        return await imageDecoder.decode(file, t);
      } finally {
        d.inFlight--;
      }
    },
  };
  return d;
}

/** A float32 "raster" decoder of .ras files whose text is the band count: every value is the band index + 1. */
const fakeRaster: FileDecoder = {
  name: 'fake-raster', extensions: ['.ras'], output: 'float32',
  async probe(file: string) {
    const bands = Number(readFileSync(file, 'utf8'));
    if (!Number.isInteger(bands) || bands < 1) throw new Error(`${file}: not a raster`);
    return { channels: bands, height: 4, width: 4, sampleType: 'uint16', ...(bands === 2 ? { bandNames: ['B4', 'B8'] } : {}) };
  },
  async decode(file: string, t: DecodeTarget) {
    const hw = t.height * t.width;
    return Float32Array.from({ length: t.channels * hw }, (_, i) => Math.floor(i / hw) + 1);
  },
};

describe('ImageFolder', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'contrastive-images-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  let copies = 0;
  /** A fresh copy of a fixture folder (its index starts absent). */
  const copy = (from: string): string => {
    const to = join(tmp, `copy-${copies++}`);
    cpSync(from, to, { recursive: true, filter: (f) => !f.endsWith(INDEX_FILE) });
    return to;
  };

  test('class sub-folders are labels (searched recursively); files that cannot be probed skipped at open, counted, reported once', async () => {
    const warnings: string[] = [];
    const ds = await ImageFolder.open(LABELLED, { size: 8, onWarning: (m) => warnings.push(m) });
    assert.deepEqual(ds.classes, ['blue', 'red']);
    assert.deepEqual([...Array(ds.length).keys()].map((i) => ds.relativePath(i)), ['blue/b1.webp', 'blue/nested/b2.png', 'red/halves.png', 'red/r1.png', 'red/r2.jpg']);
    assert.deepEqual([...ds.labels!], [0, 0, 1, 1, 1]);
    assert.deepEqual(ds.sampleShape, [3, 8, 8]);
    assert.deepEqual([ds.output, ds.sampleType, ds.bandNames, ds.normalize, ds.cacheMode], ['uint8', 'uint8', null, null, 'memory']);
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
    const ds = await ImageFolder.open(LABELLED, { size: [4, 6], ...quiet });
    const r = await ds.read(Int32Array.from([2, 0])); // red/halves.png (red | green), blue/b1.webp
    const px = (img: number, y: number, x: number) => [0, 1, 2].map((c) => r.data[img * 72 + c * 24 + y * 6 + x]!);
    const near = (a: number[], b: number[], what: string) => assert.ok(a.every((v, i) => Math.abs(v - b[i]!) <= 3), `${what}: [${a}] vs [${b}]`);
    near(px(0, 1, 0), [255, 0, 0], 'left half red'); // the resampling kernel may ring by a level or two
    near(px(0, 2, 5), [0, 255, 0], 'right half green');
    assert.deepEqual(px(1, 0, 0), [20, 40, 230], 'a lossless webp of one colour keeps it exactly');
    assert.deepEqual([...r.labels!], [1, 0]);
    const gray = await ImageFolder.open(LABELLED, { size: 4, channels: 1, ...quiet });
    assert.deepEqual(gray.sampleShape, [1, 4, 4]);
    const g = (await gray.read(Int32Array.from([0]))).data;
    // sharp's luma of (20, 40, 230) in sRGB: between the channels, closer to the dark ones
    assert.ok(g.every((v) => v === g[0]) && g[0]! > 20 && g[0]! < 120, `gray ${g[0]}`);
    // 'fill' squeezes the whole 32-wide two-tone image: column 0 red, last column green
    const fill = await ImageFolder.open(LABELLED, { size: [2, 2], fit: 'fill', ...quiet });
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

  test('the index: written beside the data, reused (no probe), updated for an added, changed or removed file, rebuilt when corrupt', async () => {
    const root = copy(FLAT);
    const index = join(root, INDEX_FILE);
    const d = counting();
    const open = () => ImageFolder.open(root, { size: 4, decoders: [d] });
    assert.equal((await open()).length, 3);
    assert.equal(d.probes, 3);
    const entries = JSON.parse(readFileSync(index, 'utf8')).entries;
    assert.deepEqual(entries.map((e: { path: string }) => e.path), ['g1.png', 'halves.png', 'y1.jpg']);
    assert.deepEqual(entries[1].info, { channels: 3, height: 12, width: 24, sampleType: 'uint8' });
    assert.equal(entries[1].size, statSync(join(root, 'halves.png')).size);
    const written = statSync(index).mtimeMs;
    assert.equal((await open()).length, 3);
    assert.equal(d.probes, 3, 'unchanged files are not probed again');
    assert.equal(statSync(index).mtimeMs, written, 'an unchanged index is not rewritten');
    cpSync(join(root, 'g1.png'), join(root, 'g2.png'));
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, 'y1.jpg'), later, later); // "changed": another mtime
    rmSync(join(root, 'halves.png'));
    const ds = await open();
    assert.deepEqual(ds.files.map((_, i) => ds.relativePath(i)), ['g1.png', 'g2.png', 'y1.jpg']);
    assert.equal(d.probes, 5, 'the added and the changed file were probed');
    assert.deepEqual(JSON.parse(readFileSync(index, 'utf8')).entries.map((e: { path: string }) => e.path), ['g1.png', 'g2.png', 'y1.jpg']);
    for (const bad of ['{"format": "contrastive-folder-index", "entries": [{"path": 3}', 'garbage', '{"format":"contrastive-folder-index","version":1,"entries":[{"path":"g1.png"}]}']) {
      writeFileSync(index, bad);
      assert.equal((await open()).length, 3);
      assert.doesNotThrow(() => JSON.parse(readFileSync(index, 'utf8')), 'rebuilt');
    }
    assert.equal(d.probes, 14, 'a corrupt index is ignored: every file probed again');
  });

  test('the index falls back to the cache folder when it cannot be written beside the data', async () => {
    const root = copy(FLAT);
    mkdirSync(join(root, INDEX_FILE, 'blocker'), { recursive: true }); // a folder in the index's place: not writable there
    const cache = process.env['CONTRASTIVE_CACHE'];
    process.env['CONTRASTIVE_CACHE'] = join(tmp, 'cache');
    try {
      const d = counting();
      for (let k = 0; k < 2; k++) assert.equal((await ImageFolder.open(root, { size: 4, decoders: [d] })).length, 3);
      const fallback = indexLocations(root)[1];
      assert.ok(fallback.startsWith(join(tmp, 'cache')) && existsSync(fallback), fallback);
      assert.equal(d.probes, 3, 'the cache folder\'s index is reused');
    } finally {
      if (cache === undefined) delete process.env['CONTRASTIVE_CACHE'];
      else process.env['CONTRASTIVE_CACHE'] = cache;
    }
  });

  test("'none' decodes every read (same pixels as 'memory'), 'memory' once; an epoch of 'none' keeps no tensor alive", async () => {
    const dm = counting();
    const dn = counting();
    const mem = await ImageFolder.open(LABELLED, { size: 8, cache: 'memory', decoders: [dm], ...quiet });
    const none = await ImageFolder.open(LABELLED, { size: 8, cache: 'none', decoders: [dn], ...quiet });
    assert.deepEqual([mem.cacheMode, none.cacheMode], ['memory', 'none']);
    const all = Int32Array.from(mem.files.keys());
    for (let e = 0; e < 2; e++) assert.deepEqual(await none.read(all), await mem.read(all));
    assert.deepEqual([dm.decodes, dn.decodes], [5, 10], '2 epochs: memory decodes once, none twice');
    const auto = await ImageFolder.open(LABELLED, { size: 8, memoryBudget: 5 * 3 * 8 * 8 - 1, ...quiet });
    assert.equal(auto.cacheMode, 'none', "'auto' over the budget");
    assert.equal((await ImageFolder.open(LABELLED, { size: 8, memoryBudget: 5 * 3 * 8 * 8, ...quiet })).cacheMode, 'memory');
    assert.equal((await ImageFolder.open(LABELLED, { size: 8, lazy: true, memoryBudget: 0, ...quiet })).cacheMode, 'memory', 'lazy: the deprecated alias of memory');
    const before = memory().tensors;
    let n = 0;
    for await (const b of new Loader(none, { batchSize: 2, seed: 3 })) n += b.x.shape[0]!;
    assert.equal(n, 5);
    assert.equal(memory().tensors, before);
  });

  test('at most `concurrency` decodes in flight across concurrent reads', async () => {
    const d = counting(15);
    const ds = await ImageFolder.open(LABELLED, { size: 4, cache: 'none', concurrency: 2, decoders: [d], ...quiet });
    await Promise.all([0, 1, 2, 3].map((k) => ds.read(Int32Array.from([k, (k + 1) % 5, 4]))));
    assert.equal(d.maxInFlight, 2);
    assert.equal(d.decodes, 5, 'a file read by two batches at once is decoded once');
  });

  test('a file that fails to decode, or is deleted mid-run, is left out of its batch, reported once, never retried', async () => {
    const root = copy(LABELLED);
    const noise = Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 251);
    const jpg = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    writeFileSync(join(root, 'red', 'cut.jpg'), jpg.subarray(0, Math.floor(jpg.length * 0.6))); // the header probes, the pixels do not decode
    const warnings: string[] = [];
    const d = counting();
    const ds = await ImageFolder.open(root, { size: 8, cache: 'none', decoders: [d], onWarning: (m) => warnings.push(m) });
    assert.equal(ds.length, 6);
    assert.equal(warnings.length, 2, 'corrupt.jpg and truncated.png, at open');
    rmSync(join(root, 'blue', 'b1.webp'));
    const seen: number[] = [];
    for (let e = 0; e < 2; e++) for await (const b of new Loader(ds, { batchSize: 4, shuffle: false })) seen.push(...b.indices);
    const names = (ix: number[]) => ix.map((i) => ds.relativePath(i));
    assert.deepEqual(names(seen.slice(0, 4)), ['blue/nested/b2.png', 'red/halves.png', 'red/r1.png', 'red/r2.jpg']);
    assert.equal(seen.length, 8);
    assert.deepEqual(ds.skipped.slice(2).map((s) => s.path), [join(root, 'blue', 'b1.webp'), join(root, 'red', 'cut.jpg')]);
    assert.equal(warnings.length, 4, 'each reported once over two epochs');
    assert.match(warnings[2]!, /b1\.webp \(.*missing/i);
    assert.equal(d.decodes, 4 + 2 + 4, 'the unreadable ones are not retried');
  });

  test('rasters: band count and names from the headers, per-band normalisation; mixed band counts and mixed decoders are errors', async () => {
    const root = join(tmp, 'rasters');
    for (const c of ['a', 'b']) mkdirSync(join(root, c), { recursive: true });
    writeFileSync(join(root, 'a', 'x.ras'), '2');
    writeFileSync(join(root, 'b', 'y.ras'), '2');
    const decoders = [imageDecoder, fakeRaster];
    const ds = await ImageFolder.open(root, { size: 3, decoders, normalize: { mean: [1, 0], std: [2, 4] } });
    assert.deepEqual([ds.sampleShape, ds.output, ds.sampleType, ds.bandNames], [[2, 3, 3], 'float32', 'uint16', ['B4', 'B8']]);
    const r = await ds.read(Int32Array.from([1]));
    assert.ok(r.data instanceof Float32Array);
    assert.deepEqual([r.data[0], r.data[9]], [0, 0.5], 'band 0: (1 - 1) / 2; band 1: (2 - 0) / 4');
    const raw = await ImageFolder.open(root, { size: 3, decoders });
    const same = raw.withNormalize({ mean: [1, 0], std: [2, 4] }); // the raw dataset's index, standardised
    assert.deepEqual([raw.normalize, same.normalize, same.length, same.sampleShape, same.classes], [null, { mean: [1, 0], std: [2, 4] }, 2, [2, 3, 3], ['a', 'b']]);
    assert.deepEqual(Array.from((await same.read(Int32Array.from([1]))).data as Float32Array), Array.from(r.data));
    assert.equal(((await raw.read(Int32Array.from([1]))).data as Float32Array)[9], 2, 'the raw dataset stays raw');
    await assert.rejects(ImageFolder.open(root, { size: 3, decoders, normalize: { mean: [0], std: [1] } }), /normalize\.mean must have 2 values .*\[0\]/);
    await assert.rejects(ImageFolder.open(root, { size: 3, decoders, normalize: { mean: [0, 0], std: [1, 0] } }), /normalize\.std\[1\] must be positive, got 0/);
    await assert.rejects(ImageFolder.open(FLAT, { size: 3, normalize: { mean: [0, 0, 0], std: [1, 1, 1] } }), /normalize is for float32 rasters/);
    writeFileSync(join(root, 'b', 'y.ras'), '13');
    await assert.rejects(ImageFolder.open(root, { size: 3, decoders }), /mixed band counts under '.*rasters': a\/x\.ras has 2 bands, b\/y\.ras has 13/);
    cpSync(join(FLAT, 'g1.png'), join(root, 'b', 'g.png'));
    await assert.rejects(ImageFolder.open(root, { size: 3, decoders }), /need two decoders: a\/x\.ras \(fake-raster\) and b\/g\.png \(image\)/);
  });

  test('errors: a wrong path, a file, an empty folder, nothing readable, bad options', async () => {
    await assert.rejects(ImageFolder.open(join(tmp, 'nope'), { size: 8 }), /ImageFolder: '.*nope' does not exist/);
    await assert.rejects(ImageFolder.open(join(FLAT, 'g1.png'), { size: 8 }), /is not a folder/);
    const empty = join(tmp, 'empty');
    mkdirSync(join(empty, 'class-a'), { recursive: true });
    await assert.rejects(ImageFolder.open(empty, { size: 8 }), /ImageFolder: no images \(.jpg, .jpeg, .png, .webp, .tif, .tiff, .npy\) under '.*empty'/);
    const onlyBad = join(tmp, 'only-bad');
    mkdirSync(onlyBad);
    writeFileSync(join(onlyBad, 'x.png'), 'garbage');
    await assert.rejects(ImageFolder.open(onlyBad, { size: 8, ...quiet }), /none of the 1 images under .* could be read/);
    assert.ok(existsSync(join(onlyBad, INDEX_FILE)), 'the failed probe is indexed too');
    const noPackage: FileDecoder = { ...fakeRaster, name: 'needs-a-package', async probe() { throw new MissingPackageError('geotiff', 'reading TIFF rasters'); } };
    writeFileSync(join(onlyBad, 'y.ras'), '2');
    rmSync(join(onlyBad, 'x.png'));
    await assert.rejects(ImageFolder.open(onlyBad, { size: 8, decoders: [noPackage], ...quiet }), (e: unknown) => e instanceof MissingPackageError && /npm install geotiff/.test(e.message),
      'a decoder missing its optional package is that error, not an unreadable file');
    await assert.rejects(ImageFolder.open(FLAT, { size: 0 }), /size must be a positive integer or \[height, width\]/);
    await assert.rejects(ImageFolder.open(FLAT, { size: 8, channels: 4 as never }), /channels must be 1 or 3/);
    await assert.rejects(ImageFolder.open(FLAT, { size: 8, fit: 'contain' as never }), /fit must be 'cover' or 'fill'/);
    await assert.rejects(ImageFolder.open(FLAT, { size: 8, cache: 'disk' as never }), /cache must be 'auto', 'memory' or 'none', got 'disk'/);
    await assert.rejects(ImageFolder.open(FLAT, { size: 8, concurrency: 0 }), /concurrency must be a positive integer, got 0/);
    const ds = await ImageFolder.open(FLAT, { size: 8 });
    await assert.rejects(ds.read(Int32Array.from([3])), /index 3 is out of range for 3 items/);
  });
});
