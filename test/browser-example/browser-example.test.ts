// The browser example end to end: a trained run exported with `contrastive export
// --index-for-browser`, served by examples/browser/serve.mjs, opened in headless Chromium; images
// given through the file input and dropped on the page list their nearest neighbours, the top
// one being the image itself, with no console errors. A 13-band model (exported in-process with
// `exportModel`) takes dropped (C, H, W) .npy arrays and GeoTIFFs of raw band values the same way
// (resized as ImageFolder resizes rasters), and each kind of model refuses the other's files with
// a message saying what it needs.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { type BrowserIndex, exportModel, type ExportRunResult } from '../../src/export/index.js';
import { resizeRaster } from '../../src/data/raster-resize.js';
import { setNumThreads } from '../../src/index.js';
import { DEFAULT_CONFIG } from '../../src/run/index.js';
import { train } from '../../src/train/index.js';
import { artifactPath, chromiumSkipReason, collectConsoleErrors, launchChromium, REPO_ROOT } from '../helpers/browser.js';
import { tiffBytes } from '../helpers/tiff.js';
import { BANDS, bandExportable, SIDE } from '../export/helpers.js';

const skip = chromiumSkipReason() ?? false;
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const serveScript = join(REPO_ROOT, 'examples', 'browser', 'serve.mjs');

let work: string;
let data: string;
let index: BrowserIndex;
const servers: ChildProcess[] = [];
let url: string;
let browser: Browser | null = null;

/** Starts serve.mjs on a free port; resolves to its URL (from the line it prints). */
function startServer(dir: string): Promise<string> {
  const server = spawn(process.execPath, [serveScript, '--data', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(server);
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    server.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1]!);
    });
    server.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    server.on('exit', (code) => fail(new Error(`serve.mjs exited with ${code}: ${err}`)));
  });
}

/** Closes the browser and stops the servers started so far. */
async function stopAll(): Promise<void> {
  await browser?.close();
  browser = null;
  for (const server of servers.splice(0)) {
    if (server.exitCode !== null) continue;
    const done = new Promise((ok) => server.once('exit', ok));
    server.kill('SIGTERM');
    await done;
  }
}

/** PNG bytes of an index item's thumbnail (the image exactly as the model saw it). */
function itemPng(i: number): Buffer {
  return Buffer.from(index.items[i]!.thumbnail.split(',')[1]!, 'base64');
}

/**
 * A colour version of a grayscale item: each pixel replaced by a tinted colour whose grayscale
 * under sharp (what ImageFolder uses: Rec. 709 luminance in linear light) is the original byte.
 * The page must convert it back exactly for the item to be its own nearest neighbour. Returns the
 * PNG, how many pixels are tinted, how many a gamma-space BT.601 conversion would get wrong, and
 * how many are not black (black has no tint of the same luminance).
 */
async function tintedPng(i: number): Promise<{ png: Buffer; tinted: number; bt601Wrong: number; nonBlack: number }> {
  assert.equal((await sharp(itemPng(i)).metadata()).channels, 1, 'a grayscale thumbnail');
  const { data: gray, info } = await sharp(itemPng(i)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  // Candidates for each byte v: red and blue moved apart, green solved for the same luminance
  // (in linear light); sharp itself then decides which ones map back to v.
  const lin = (c: number): number => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  const enc = (y: number): number => 255 * (y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055);
  const moves = [[40, -40], [-40, 40], [60, 0], [0, 60], [25, -25], [-25, 25], [15, 15]];
  const candidates = Buffer.alloc(256 * moves.length * 3); // one pixel per (v, move); gray where no green fits
  for (let v = 0; v < 256; v++) {
    moves.forEach(([dr, db], k) => {
      const r = Math.max(0, Math.min(255, v + dr!));
      const b = Math.max(0, Math.min(255, v + db!));
      const gLin = (lin(v) - 0.2126 * lin(r) - 0.0722 * lin(b)) / 0.7152;
      candidates.set(gLin >= 0 && gLin <= 1 ? [r, Math.round(enc(gLin)), b] : [v, v, v], (v * moves.length + k) * 3);
    });
  }
  const lum = await sharp(candidates, { raw: { width: moves.length, height: 256, channels: 3 } }).grayscale().raw().toBuffer();
  const colour = new Map<number, [number, number, number]>();
  for (let v = 0; v < 256; v++) {
    const pick = Array.from({ length: moves.length }, (_, k) => (v * moves.length + k) * 3)
      .find((o, k) => lum[v * moves.length + k] === v && !(candidates[o] === v && candidates[o + 2] === v));
    colour.set(v, pick === undefined ? [v, v, v] : [candidates[pick]!, candidates[pick + 1]!, candidates[pick + 2]!]);
  }
  const rgb = Buffer.alloc(gray.length * 3);
  let tinted = 0;
  let bt601Wrong = 0;
  let nonBlack = 0;
  gray.forEach((v, p) => {
    if (v > 0) nonBlack++;
    const [r, g, b] = colour.get(v)!;
    rgb.set([r, g, b], p * 3);
    if (r !== g || g !== b) tinted++;
    if (Math.round(0.299 * r + 0.587 * g + 0.114 * b) !== v) bt601Wrong++;
  });
  const png = await sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toBuffer();
  return { png, tinted, bt601Wrong, nonBlack };
}

/**
 * A NumPy .npy file (format 1.0: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html)
 * of `values` in C order, dtype '<f4' or '<u2', of `shape`: magic, version, uint16 header length,
 * the header dict padded with spaces to a multiple of 64 bytes and ended by a newline, the data.
 */
function npyBytes(values: ArrayLike<number>, shape: readonly number[], dtype: '<f4' | '<u2'): Buffer {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const data = dtype === '<f4' ? Buffer.from(Float32Array.from(values).buffer) : Buffer.from(Uint16Array.from(values).buffer);
  const pre = Buffer.alloc(10);
  pre.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), data]);
}

/** Drops a file of `bytes` named `name` on the page's drop zone (a DataTransfer on a drop event). */
async function dropFile(page: Page, bytes: Uint8Array, name: string, type = 'application/octet-stream'): Promise<void> {
  await page.evaluate(async ([b64, n, t]) => {
    const data = Uint8Array.from(atob(b64!), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([data], n!, { type: t }));
    document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [Buffer.from(bytes).toString('base64'), name, type]);
}

/** The neighbours the page lists: ids and cosines, best first. */
async function neighbours(page: Page): Promise<{ id: number; score: number }[]> {
  return page.$$eval('#results li', (lis) => lis.map((li) => ({ id: Number((li as HTMLElement).dataset.id), score: Number((li as HTMLElement).dataset.score) })));
}

/** Waits until the page has answered the query for file `name` (consecutive queries use different names); returns its state. */
async function answered(page: Page, name: string): Promise<string> {
  await page.waitForFunction((n) => {
    const state = document.body.dataset.state;
    return (state === 'done' || state === 'error') && (document.getElementById('status')!.textContent ?? '').includes(n);
  }, name, { timeout: 30_000 });
  return page.evaluate(() => document.body.dataset.state ?? '');
}

describe('browser example', { skip }, () => {
  before(async () => {
    setNumThreads(1);
    work = mkdtempSync(join(tmpdir(), 'contrastive-browser-'));
    const run = join(work, 'run');
    data = join(work, 'web');
    await train({ ...DEFAULT_CONFIG, out: run, epochs: 1, trainLimit: 512, testLimit: 256, batchSize: 128, linearProbe: false }, { progress: false });
    const r = spawnSync(process.execPath, [cli, 'export', '--run', run, '--onnx', join(work, 'model.onnx'), '--verify', '64', '--index-for-browser', data, '--index-limit', '200', '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as ExportRunResult;
    assert.equal(out.index!.items, 200);
    index = JSON.parse(readFileSync(join(data, 'index.json'), 'utf8')) as BrowserIndex;
    url = await startServer(data);
    browser = await launchChromium();
  });

  after(async () => {
    await stopAll();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the server sends the right MIME types and nothing outside its folders', async () => {
    const types: Record<string, RegExp> = {
      '': /^text\/html/, 'app.js': /^text\/javascript/, 'ort/ort.wasm.min.mjs': /^text\/javascript/,
      'ort/ort-wasm-simd-threaded.wasm': /^application\/wasm$/, 'data/index.json': /^application\/json/,
    };
    for (const [path, type] of Object.entries(types)) {
      const res = await fetch(url + path, { method: 'HEAD' });
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', type, path);
    }
    for (const path of ['data/%2e%2e/%2e%2e/package.json', 'ort/..%2F..%2Fpackage.json', 'nope.html']) {
      assert.equal((await fetch(url + path)).status, 404, path);
    }
    assert.equal((await fetch(url, { method: 'POST' })).status, 405);
  });

  test('a chosen file and a dropped image list their nearest neighbours, the image itself first', async (t) => {
    const page = await browser!.newPage();
    const errors = collectConsoleErrors(page);
    try {
      const t0 = performance.now();
      await page.goto(url);
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60_000 });
      assert.match(await page.textContent('#status') ?? '', /^Ready: convnet28 \(simclr\), 512-d embeddings; index of 200/);
      const readyMs = performance.now() - t0;

      // 1. The file input, with an index image as it is.
      const a = 37;
      const fileA = join(work, 'query-a.png');
      writeFileSync(fileA, itemPng(a));
      await page.setInputFiles('#file', fileA);
      assert.equal(await answered(page, 'query-a.png'), 'done', await page.textContent('#status') ?? '');
      const hitsA = await neighbours(page);
      assert.equal(hitsA.length, 10);
      assert.equal(hitsA[0]!.id, index.items[a]!.id, 'the top neighbour of an indexed image is itself');
      assert.ok(hitsA[0]!.score >= 0.999999, `cosine to itself ${hitsA[0]!.score}`);
      assert.ok(hitsA.every((h, i) => i === 0 || h.score <= hitsA[i - 1]!.score), 'sorted by cosine');
      const inferMs = Number(await page.getAttribute('#results', 'data-infer-ms'));

      // 2. Dropped (a DataTransfer on a drop event): a colour image whose grayscale is another item.
      const b = 150;
      const tinted = await tintedPng(b);
      assert.ok(tinted.tinted > 0.5 * tinted.nonBlack && tinted.bt601Wrong > 0.25 * tinted.nonBlack, `the tinted image tests the conversion (${tinted.tinted} of ${tinted.nonBlack} non-black pixels tinted, ${tinted.bt601Wrong} wrong under BT.601)`);
      await page.evaluate(async (b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
        document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, tinted.png.toString('base64'));
      assert.equal(await answered(page, 'dropped.png'), 'done');
      const hitsB = await neighbours(page);
      assert.equal(hitsB[0]!.id, index.items[b]!.id, 'the colour image converts to the indexed grayscale one');
      assert.ok(hitsB[0]!.score >= 0.999999, `cosine ${hitsB[0]!.score}`);
      await page.screenshot({ path: artifactPath('browser-example.png'), fullPage: true });

      // 3. A file that is not an image: a message, no crash; the page still answers afterwards.
      const text = join(work, 'notes.txt');
      writeFileSync(text, 'not an image');
      await page.setInputFiles('#file', text);
      assert.equal(await answered(page, 'notes.txt'), 'error');
      assert.match(await page.textContent('#status') ?? '', /Could not decode notes\.txt/);
      await page.setInputFiles('#file', fileA);
      assert.equal(await answered(page, 'query-a.png'), 'done');
      assert.equal((await neighbours(page))[0]!.id, index.items[a]!.id);

      // 4. A multi-band array on an image model: it says what the file needs.
      await dropFile(page, npyBytes(new Float32Array(BANDS * 8 * 8), [BANDS, 8, 8], '<f4'), 'bands.npy');
      assert.equal(await answered(page, 'bands.npy'), 'error');
      assert.match(await page.textContent('#status') ?? '', /bands\.npy is a multi-band \.npy array: it needs a multi-band model/);

      t.diagnostic(`page ready (model + index loaded) in ${readyMs.toFixed(0)} ms; first inference ${inferMs.toFixed(1)} ms (onnxruntime-web wasm, 1 thread)`);
      assert.deepEqual(errors, [], 'no console errors');
    } finally {
      await page.close();
    }
  });
});

describe('browser example with a 13-band model', { skip }, () => {
  let bandWork: string;
  let bandUrl: string;
  let bandIndex: BrowserIndex;
  let raw: Float32Array;
  let dispose: () => void = () => {};

  before(async () => {
    setNumThreads(1);
    bandWork = mkdtempSync(join(tmpdir(), 'contrastive-browser-bands-'));
    const { model, module, data: d } = bandExportable('convnet-small');
    dispose = () => module.dispose();
    raw = d.raw;
    const web = join(bandWork, 'web');
    const r = await exportModel(model, { onnx: join(bandWork, 'model.onnx'), verifyImages: 16, indexForBrowser: web, indexLimit: 24 });
    assert.ok(r.verify!.max_abs_diff <= 1e-4);
    bandIndex = JSON.parse(readFileSync(join(web, 'index.json'), 'utf8')) as BrowserIndex;
    bandUrl = await startServer(web);
    browser = await launchChromium();
  });

  after(async () => {
    await stopAll();
    dispose();
    if (bandWork) rmSync(bandWork, { recursive: true, force: true });
  });

  /** Item `i`'s raw band values (C, H, W) from the index's dataset. */
  const itemRaw = (i: number): Float32Array => {
    const per = BANDS * SIDE * SIDE;
    const id = bandIndex.items[i]!.id;
    return raw.subarray(id * per, (id + 1) * per);
  };

  test('a dropped 13-band .npy (as stored, and at twice the size, resized as training resizes) and a GeoTIFF list their nearest neighbours, the item itself first', async (t) => {
    const page = await browser!.newPage();
    const errors = collectConsoleErrors(page);
    try {
      await page.goto(bandUrl);
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60_000 });
      assert.match(await page.textContent('#status') ?? '', /^Ready: convnet-small \(simclr\), \d+-d embeddings; index of 24 .* Input 13x32x32 raw band values/);

      // 1. A float32 .npy of an item's raw values, at the model's size.
      const a = 5;
      await dropFile(page, npyBytes(itemRaw(a), [BANDS, SIDE, SIDE], '<f4'), 'item-a.npy');
      assert.equal(await answered(page, 'item-a.npy'), 'done', await page.textContent('#status') ?? '');
      const hitsA = await neighbours(page);
      assert.equal(hitsA.length, 10);
      assert.equal(hitsA[0]!.id, bandIndex.items[a]!.id, 'the top neighbour of an indexed item is itself');
      assert.ok(hitsA[0]!.score >= 0.99999, `cosine to itself ${hitsA[0]!.score}`);
      const inferMs = Number(await page.getAttribute('#results', 'data-infer-ms'));
      await page.screenshot({ path: artifactPath('browser-example-bands.png'), fullPage: true });

      // 2. A uint16 .npy at twice the size (each pixel doubled): resized in the page exactly as ImageFolder resizes rasters.
      const b = 17;
      const src = itemRaw(b);
      const big = new Uint16Array(BANDS * 4 * SIDE * SIDE);
      for (let c = 0; c < BANDS; c++) for (let y = 0; y < 2 * SIDE; y++) for (let x = 0; x < 2 * SIDE; x++) {
        big[(c * 2 * SIDE + y) * 2 * SIDE + x] = src[(c * SIDE + (y >> 1)) * SIDE + (x >> 1)]!;
      }
      await dropFile(page, npyBytes(big, [BANDS, 2 * SIDE, 2 * SIDE], '<u2'), 'item-b-64.npy');
      assert.equal(await answered(page, 'item-b-64.npy'), 'done', await page.textContent('#status') ?? '');
      const fed = Float32Array.from(await page.evaluate(() => Array.from((globalThis as unknown as { lastInput: Float32Array }).lastInput)));
      const want = resizeRaster(Float32Array.from(big), BANDS, 2 * SIDE, 2 * SIDE, SIDE, SIDE, 'cover'); // (C, H, W), what training reads from such a file
      assert.equal(fed.length, want.length);
      assert.ok(fed.every((v, i) => Math.abs(v - want[i]!) <= 1e-3), 'the page resizes as ImageFolder does (antialiased bilinear, cover)');
      assert.ok(fed.some((v, i) => v !== src[i]), 'not by nearest neighbour: antialiasing mixes neighbouring pixels');
      const hitsB = await neighbours(page);
      assert.equal(hitsB.length, 10);

      // 3. A 13-band uint16 GeoTIFF of another item, through geotiff.js's browser bundle.
      const c = 9;
      await dropFile(page, tiffBytes({ data: Uint16Array.from(itemRaw(c)), bands: BANDS, height: SIDE, width: SIDE, dtype: 'uint16' }), 'item-c.tif', 'image/tiff');
      assert.equal(await answered(page, 'item-c.tif'), 'done', await page.textContent('#status') ?? '');
      const hitsC = await neighbours(page);
      assert.equal(hitsC[0]!.id, bandIndex.items[c]!.id);
      assert.ok(hitsC[0]!.score >= 0.99999, `cosine ${hitsC[0]!.score}`);

      // 4. A PNG, and an array of the wrong band count: messages saying what the model takes.
      await dropFile(page, Buffer.from(bandIndex.items[0]!.thumbnail.split(',')[1]!, 'base64'), 'photo.png', 'image/png');
      assert.equal(await answered(page, 'photo.png'), 'error');
      assert.match(await page.textContent('#status') ?? '', /This model takes 13-band images: drop a \(13, H, W\) \.npy array or a 13-band GeoTIFF, not an image like photo\.png/);
      await dropFile(page, npyBytes(new Float32Array(4 * 8 * 8), [4, 8, 8], '<f4'), 'four.npy');
      assert.equal(await answered(page, 'four.npy'), 'error');
      assert.match(await page.textContent('#status') ?? '', /Could not read four\.npy: four\.npy has 4 bands .*this model takes 13-band/);

      t.diagnostic(`13-band convnet-small in onnxruntime-web: first inference ${inferMs.toFixed(1)} ms; .npy (float32, uint16 at 2x) and GeoTIFF drops each find the item itself (cosine ${hitsA[0]!.score}, ${hitsC[0]!.score}; the 2x .npy, resized as training does: top hit ${hitsB[0]!.id === bandIndex.items[b]!.id ? 'itself' : hitsB[0]!.id}, cosine ${hitsB[0]!.score})`);
      assert.deepEqual(errors, [], 'no console errors');
    } finally {
      await page.close();
    }
  });
});
