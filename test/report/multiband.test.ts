// The report of multi-band images (13 Sentinel-2 bands, float32, standardised-like values): the RGB
// composite picks B4/B3/B2 by name, stretches each band from its 2nd to its 98th percentile over
// the figure's images, takes configured bands and rejects ones out of range; 1- and 3-channel
// [0, 1] images are drawn as before; the whole report of an in-process 13-band run renders in
// Chromium without errors.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import sharp from 'sharp';
import { TensorDataset, type Dataset } from '../../src/data/index.js';
import { compositeKey, figureComposite, pngDataUri, previews, quantile, thumbnails, writeReport } from '../../src/report/index.js';
import { buildMethod, DEFAULT_CONFIG, runPaths, writeJson, type TrainConfig } from '../../src/run/index.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { checkInChromium, pageData } from './page.js';

/** Sentinel-2 MSI's 13 bands in file order (ESA). */
const S2 = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B8A', 'B9', 'B10', 'B11', 'B12'];
const BANDS = 13;
const SIDE = 16;
const HW = SIDE * SIDE;

/** `n` 13-band images: pixel p of item i in band b is 100 b + (i HW + p) / 50 - 10 (a ramp per band, negative values too), with class i % 3. */
function ramps(n: number, names: readonly string[] | null = S2): Dataset {
  const x = new Float32Array(n * BANDS * HW);
  for (let i = 0; i < n; i++) for (let b = 0; b < BANDS; b++) for (let p = 0; p < HW; p++) x[(i * BANDS + b) * HW + p] = 100 * b + (i * HW + p) / 50 - 10;
  const ds = new TensorDataset(x, { shape: [n, BANDS, SIDE, SIDE], labels: Array.from({ length: n }, (_, i) => i % 3), classes: ['forest', 'river', 'crops'] });
  return Object.assign(ds, { bandNames: names });
}

/** The (H, W, k) pixels of a PNG data: URI. */
async function pixels(uri: string): Promise<{ data: Buffer; channels: number }> {
  const { data, info } = await sharp(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64')).raw().toBuffer({ resolveWithObject: true });
  return { data, channels: info.channels };
}

describe('multi-band report pictures', () => {
  test('the composite of 13 Sentinel-2 bands is B4, B3, B2, each stretched from its 2nd (0) to its 98th percentile (255)', async () => {
    const ds = ramps(4);
    const indices = Int32Array.from([0, 1, 2, 3]);
    const c = await figureComposite([{ ds, indices }]);
    assert.ok(c, 'a composite for 13 bands');
    assert.deepEqual(c.bands, [3, 2, 1], 'B4, B3, B2 by name');
    assert.equal(compositeKey(c).split(';')[0], 'RGB composite: B4, B3, B2 (bands 3, 2, 1 of 13)');
    // Band b holds 100 b + k / 50 - 10 for k = 0 .. 4 HW - 1: its percentiles are known exactly.
    const n = 4 * HW;
    c.bands.forEach((b, k) => {
      assert.ok(Math.abs(c.low[k]! - (100 * b + (0.02 * (n - 1)) / 50 - 10)) < 1e-3, `band ${b} 2nd percentile ${c.low[k]}`);
      assert.ok(Math.abs(c.high[k]! - (100 * b + (0.98 * (n - 1)) / 50 - 10)) < 1e-3, `band ${b} 98th percentile ${c.high[k]}`);
    });
    assert.equal(c.summary.count, 4);
    assert.ok(Math.abs(c.summary.mean[5]! - (500 + (n - 1) / 100 - 10)) < 1e-3, 'band 5 mean');
    assert.ok(Math.abs(c.summary.std[0]! - Math.sqrt((n * n - 1) / 12) / 50) < 1e-3, 'band 0 std');
    const thumbs = await thumbnails(ds, indices, c);
    const first = await pixels(thumbs[0]!);
    const last = await pixels(thumbs[3]!);
    assert.equal(first.channels, 3);
    assert.deepEqual([...first.data.subarray(0, 3)], [0, 0, 0], 'below the 2nd percentile: 0 in every channel');
    assert.deepEqual([...last.data.subarray(last.data.length - 3)], [255, 255, 255], 'above the 98th: 255');
    // A pixel between: (v - low) / (high - low) of each band, every band the same ramp.
    const k = 2 * HW + 100; // item 2, pixel 100
    const want = Math.round(255 * ((k / 50 - 10) - (0.02 * (n - 1) / 50 - 10)) / ((0.96 * (n - 1)) / 50));
    const mid = await pixels(thumbs[2]!);
    for (const ch of [0, 1, 2]) assert.ok(Math.abs(mid.data[100 * 3 + ch]! - want) <= 1, `channel ${ch}: ${mid.data[100 * 3 + ch]} vs ${want}`);
    // One stretch for the figure: the galleries' two parts share it.
    const both = await previews([{ ds, indices: Int32Array.from([0, 1]) }, { ds, indices: Int32Array.from([2, 3]) }]);
    assert.deepEqual(both.composite?.low, c.low);
  });

  test('configured bands override the names; bands out of range are an error naming them; unnamed bands are the first three', async () => {
    const ds = ramps(2);
    const indices = Int32Array.from([0, 1]);
    const c = await figureComposite([{ ds, indices }], [7, 11, 12]);
    assert.deepEqual(c?.bands, [7, 11, 12]);
    assert.match(compositeKey(c!), /^RGB composite: B8, B11, B12 \(bands 7, 11, 12 of 13\)/);
    await assert.rejects(figureComposite([{ ds, indices }], [0, 1, 13]), /rgbBands: band 13 is out of range for 13 bands/);
    await assert.rejects(previews([{ ds, indices }], { bands: [-1, 1, 2] }), /band -1 is out of range/);
    const unnamed = await figureComposite([{ ds: ramps(2, null), indices }]);
    assert.deepEqual(unnamed?.bands, [0, 1, 2]);
    assert.match(compositeKey(unnamed!), /^RGB composite: bands 0, 1, 2 of 13;/);
  });

  test('fewer than 3 bands are gray; [0, 1] images of 1 or 3 channels are drawn as before; standardised ones are stretched', async () => {
    const two = new TensorDataset(Float32Array.from({ length: 2 * 2 * 16 }, (_, i) => i), { shape: [2, 2, 4, 4] });
    const g = await figureComposite([{ ds: two, indices: Int32Array.from([0, 1]) }]);
    assert.deepEqual(g?.bands, [0]);
    assert.match(compositeKey(g!), /^Gray: band 0 of 2;/);
    const gray = await pixels((await thumbnails(two, Int32Array.from([0]), g))[0]!);
    for (let p = 0; p < gray.data.length; p += gray.channels) assert.ok(gray.data.subarray(p, p + gray.channels).every((v) => v === gray.data[p]), 'gray: R = G = B');
    assert.equal(gray.data[0], 0, 'band 0 stretched: its lowest value black');
    const unit = Float32Array.from({ length: 2 * 3 * 16 }, (_, i) => (i % 17) / 16);
    const rgb = new TensorDataset(unit, { shape: [2, 3, 4, 4] });
    const indices = Int32Array.from([0, 1]);
    assert.equal(await figureComposite([{ ds: rgb, indices }]), null, '[0, 1] RGB keeps its path');
    assert.deepEqual(await thumbnails(rgb, indices, null), [await pngDataUri(unit, 0, [3, 4, 4]), await pngDataUri(unit, 48, [3, 4, 4])], 'the same PNGs as before');
    const bytes = new TensorDataset(new Uint8Array(2 * 16).fill(200), { shape: [2, 1, 4, 4] });
    assert.equal(await figureComposite([{ ds: bytes, indices }]), null, 'uint8 gray keeps its path');
    const standardised = new TensorDataset(Float32Array.from(unit, (v) => (v - 0.5) * 4), { shape: [2, 3, 4, 4] });
    assert.deepEqual((await figureComposite([{ ds: standardised, indices }]))?.bands, [0, 1, 2], 'standardised RGB is stretched');
  });
});

describe('the report of a 13-band run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'multiband-report-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('renders in Chromium with the composite, the bands chart and no console errors', async (t) => {
    const config: TrainConfig = { ...DEFAULT_CONFIG, data: 'in-memory 13-band rasters', out: dir, epochs: 1, batchSize: 12, imageSize: SIDE, augment: 'multispectral', knnK: 5, seed: 3, device: 'cpu' };
    writeJson(runPaths(dir).config, config);
    writeFileSync(runPaths(dir).metrics, `${JSON.stringify({ epoch: 1, loss: 4.2, lr: 0.3, images_per_second: 500, seconds: 0.5, knn_top1: 0.5 })}\n`);
    const splits = { train: ramps(24), test: ramps(12) };
    const method = buildMethod(config, splits.train, 1);
    try {
      const r = await writeReport(dir, { run: { config, splits, method } });
      const html = readFileSync(r.file, 'utf8');
      assert.equal(html.match(/RGB composite: B4, B3, B2 \(bands 3, 2, 1 of 13\)/g)?.length, 4, 'said in the bands section, by the map, the galleries and the views');
      assert.match(html, /<div class="chart" id="chart-bands">/);
      const data = pageData(html) as ReturnType<typeof pageData> & { bands: { labels: string[]; mean: number[]; std: number[] } };
      assert.equal(data.bands.labels.length, BANDS);
      assert.equal(data.bands.labels[3], 'B4 (R)');
      assert.ok(data.map?.points.every((p) => p.thumb?.startsWith('data:image/png;base64,')), 'a thumbnail per map point');
      assert.match(html, /<img id="views-grid" class="pixel" src="data:image\/png;base64,/);
      const reason = chromiumSkipReason();
      if (reason) return t.skip(reason);
      const bars = await checkInChromium(r.file, {
        points: 12, hoverSelector: 'img[src^="data:image/png"]', artifact: 'multiband-composite-report',
        inPage: () => {
          const ec = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { series: { data: unknown[] }[] } } | undefined } }).echarts;
          const chart = ec.getInstanceByDom(document.getElementById('chart-bands')!);
          return chart ? chart.getOption().series.map((s) => s.data.length) : null;
        },
      });
      assert.deepEqual(bars, [BANDS, BANDS], 'the bands chart draws a mean and a std bar per band');
    } finally {
      method.dispose();
    }
  });
});
