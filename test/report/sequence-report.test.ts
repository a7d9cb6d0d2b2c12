// The report for sequence runs: series drawn where images are (map hover, neighbour galleries,
// augmented views) as line plots or heat maps of their valid steps on one scale per figure; then
// end to end, a Fashion-MNIST-seq run and a CSV of multivariate series of unequal lengths, each
// trained for an epoch and its report.html opened in headless Chromium.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { memory } from '../../src/index.js';
import type { Dataset, RawBatch } from '../../src/data/index.js';
import {
  augmentedViewGrid, HEATMAP_MAX_FEATURES, previews, readSeries, reportCallback, SERIES_MAX_POINTS, seriesFigure, seriesSvg, seriesThumb, writeReport,
  type SeriesFigure, type SeriesThumb,
} from '../../src/report/index.js';
import { DEFAULT_CONFIG } from '../../src/run/index.js';
import { train, type TrainResult } from '../../src/train/index.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { assertSelfContained, checkInChromium, pageData } from './page.js';

/**
 * A dataset of n series (T, C) in memory: series i has lengths[i] steps, value
 * `value(i, step, channel)`, zeros after; float32, or uint8 when `bytes`.
 */
function seriesDataset(t: number, c: number, lengths: readonly number[], value: (i: number, step: number, ch: number) => number, bytes = false): Dataset {
  const n = lengths.length;
  const data = bytes ? new Uint8Array(n * t * c) : new Float32Array(n * t * c);
  lengths.forEach((len, i) => {
    for (let s = 0; s < len; s++) for (let ch = 0; ch < c; ch++) data[(i * t + s) * c + ch] = value(i, s, ch);
  });
  const all = Int32Array.from(lengths);
  return {
    length: n, sampleShape: [t, c], labels: Int32Array.from(lengths, (_, i) => i % 2), classes: ['even', 'odd'], lengths: all,
    read(indices: Int32Array): RawBatch {
      const out = bytes ? new Uint8Array(indices.length * t * c) : new Float32Array(indices.length * t * c);
      indices.forEach((i, k) => out.set(data.subarray(i * t * c, (i + 1) * t * c), k * t * c));
      return { data: out, labels: Int32Array.from(indices, (i) => i % 2), indices: Int32Array.from(indices), lengths: Int32Array.from(indices, (i) => all[i]!) };
    },
  };
}

/** The polylines of a line-plot SVG, as [x, y] points per channel. */
function polylines(svg: string): [number, number][][] {
  return [...svg.matchAll(/<polyline points='([^']*)'/g)].map((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]));
}

/** The heat map of a heat-map SVG: its BMP's width, height and palette index per pixel (rows top-down), and the image's drawn width. */
function heatmap(svg: string): { width: number; height: number; pixels: number[][]; drawnWidth: number } {
  const m = /<image href='data:image\/bmp;base64,([^']*)' x='0' y='0' width='([\d.]+)'/.exec(svg);
  assert.ok(m, 'an inline BMP image');
  const b = Buffer.from(m[1]!, 'base64');
  assert.equal(b.toString('latin1', 0, 2), 'BM');
  assert.equal(b.readUInt32LE(2), b.length, 'file size field');
  const width = b.readInt32LE(18);
  const height = -b.readInt32LE(22); // top-down
  assert.equal(b.readUInt16LE(28), 8, '8 bits a pixel');
  const offset = b.readUInt32LE(10);
  const row = Math.ceil(width / 4) * 4;
  const pixels = Array.from({ length: height }, (_, y) => Array.from(b.subarray(offset + y * row, offset + y * row + width)));
  return { width, height, pixels, drawnWidth: Number(m[2]) };
}

/** Bytes of a thumb's quantized points. */
function bytesOf(s: SeriesThumb): number[] {
  return Array.from(Buffer.from(s.q, 'base64'));
}

describe('series rendering', () => {
  test('a line per channel over the valid steps only, placed on the figure\'s T steps; the padding is shaded', () => {
    // Two series of T = 10 steps, 2 channels: 10 and 4 valid steps, values 5..10 (the padding's zeros are not data).
    const a = { length: 10, values: Float32Array.from({ length: 20 }, (_, k) => 5 + (k % 2 === 0 ? k / 4 : 5 - k / 4)) };
    const b = { length: 4, values: Float32Array.from({ length: 8 }, (_, k) => 5 + k / 2) };
    const fig = seriesFigure([a, b], [10, 2]);
    assert.equal(fig.style, 'lines');
    assert.equal(fig.shown, 2);
    assert.equal(fig.min, 5, 'the scale covers the valid steps, not the padding');
    assert.equal(fig.max, Math.max(...a.values, ...b.values));
    const short = seriesSvg(seriesThumb(b, fig), fig, 100, 50);
    const lines = polylines(short);
    assert.equal(lines.length, 2, 'one line per channel');
    for (const line of lines) {
      assert.equal(line.length, 4, 'one point per valid step');
      assert.deepEqual(line.map(([x]) => x), [5, 15, 25, 35], 'step i at the middle of the i-th of T columns');
    }
    assert.match(short, /<rect x='40' y='0' width='60' height='50' fill='#eef1f4'\/>/, 'steps 4..9 shaded as padding');
    assert.doesNotMatch(seriesSvg(seriesThumb(a, fig), fig, 100, 50), /#eef1f4/, 'a full series has no padding');
    assert.match(short, /stroke='#4e79a7'[\s\S]*stroke='#f28e2b'/, 'channels in their colours');
  });

  test('one scale per figure: equal values are drawn at equal heights in every series, min at the bottom, max at the top', () => {
    const a = { length: 3, values: Float32Array.from([0, 2, 4]) };
    const b = { length: 3, values: Float32Array.from([4, 8, 2]) };
    const fig = seriesFigure([a, b], [3, 1]);
    assert.deepEqual([fig.min, fig.max], [0, 8]);
    const [ya] = polylines(seriesSvg(seriesThumb(a, fig), fig, 30, 52)).map((l) => l.map(([, y]) => y));
    const [yb] = polylines(seriesSvg(seriesThumb(b, fig), fig, 30, 52)).map((l) => l.map(([, y]) => y));
    assert.equal(ya![0], 50, 'min: the bottom (2 px padding)');
    assert.equal(yb![1], 2, 'max: the top');
    assert.equal(ya![2], yb![0], 'value 4 at one height in both');
    assert.equal(ya![1], yb![2], 'value 2 at one height in both');
    // A flat figure draws a level line in the middle; a single step is a level across its column.
    const flat = seriesFigure([{ length: 1, values: Float32Array.from([3]) }], [4, 1]);
    assert.deepEqual(polylines(seriesSvg(seriesThumb({ length: 1, values: Float32Array.from([3]) }, flat), flat, 40, 52)), [[[0, 25.9], [10, 25.9]]]);
  });

  test('long series keep at most SERIES_MAX_POINTS points, and their spikes (a min and a max per bucket)', () => {
    const length = 1000;
    const values = Float32Array.from({ length }, (_, i) => (i === 777 ? 100 : i === 123 ? -50 : Math.sin(i / 30)));
    const fig = seriesFigure([{ length, values }], [1200, 1]);
    const thumb = seriesThumb({ length, values }, fig);
    const q = bytesOf(thumb);
    assert.equal(q.length, SERIES_MAX_POINTS);
    assert.equal(Math.max(...q), 255, 'the spike up is kept');
    assert.equal(Math.min(...q), 0, 'the spike down is kept');
    const [line] = polylines(seriesSvg(thumb, fig, 240, 60));
    assert.equal(line!.length, SERIES_MAX_POINTS);
    assert.ok(line![line!.length - 1]![0] <= (length / 1200) * 240, 'drawn within the valid steps');
    assert.throws(() => seriesThumb({ length: 1300, values: new Float32Array(1300) }, fig), /length must be an integer in \[1, 1200\], got 1300/);
  });

  test('many channels are a heat map: features down, valid steps across, one colour scale; at most HEATMAP_MAX_FEATURES features', () => {
    // 28 steps x 28 features (Fashion-MNIST-seq's shape), one series of 20 valid steps.
    const t = 28;
    const c = 28;
    const value = (s: number, f: number): number => (s + f) / 54; // in [0, 1]
    const s = { length: 20, values: Float32Array.from({ length: 20 * c }, (_, k) => value(Math.floor(k / c), k % c)) };
    const full = { length: t, values: Float32Array.from({ length: t * c }, (_, k) => value(Math.floor(k / c), k % c)) };
    const fig = seriesFigure([s, full], [t, c]);
    assert.equal(fig.style, 'heatmap');
    assert.equal(fig.shown, 28);
    assert.deepEqual([fig.min, fig.max], [0, 1]);
    const h = heatmap(seriesSvg(seriesThumb(s, fig), fig, 112, 56));
    assert.deepEqual([h.width, h.height], [20, 28], 'a column per valid step, a row per feature');
    assert.equal(h.drawnWidth, 80, '20 of 28 steps: 80 of 112 pixels');
    assert.equal(h.pixels[0]![0], 0, 'feature 0 at step 0: the bottom of the scale');
    assert.equal(h.pixels[27]![19], Math.round(((19 + 27) / 54) * 255) >> 2, 'feature 27 at step 19');
    assert.ok(h.pixels[5]![3]! < h.pixels[5]![4]! && h.pixels[5]![4]! <= h.pixels[6]![4]!, 'brighter along steps and features');
    const hFull = heatmap(seriesSvg(seriesThumb(full, fig), fig, 112, 56));
    assert.equal(hFull.pixels[10]![9], h.pixels[10]![9], 'one colour scale: equal values, equal colours');
    // 50 features: the first 32 are shown.
    const wide = { length: 5, values: Float32Array.from({ length: 5 * 50 }, (_, k) => k % 50) };
    const wideFig = seriesFigure([wide], [5, 50]);
    assert.equal(wideFig.shown, HEATMAP_MAX_FEATURES);
    assert.equal(wideFig.max, HEATMAP_MAX_FEATURES - 1, 'the scale spans the features shown');
    assert.equal(heatmap(seriesSvg(seriesThumb(wide, wideFig), wideFig, 50, 40)).height, HEATMAP_MAX_FEATURES);
    // Long heat maps are bucket means.
    const long = { length: 512, values: Float32Array.from({ length: 512 * 5 }, (_, k) => Math.floor(k / 5)) };
    const longFig = seriesFigure([long], [512, 5]);
    const q = bytesOf(seriesThumb(long, longFig));
    assert.equal(q.length, SERIES_MAX_POINTS * 5);
    assert.equal(q[0], Math.round((1.5 / 511) * 255), 'the first bucket: the mean of steps 0..3');
  });

  test('seriesSvg is self-contained: its source alone (as the page inlines it) draws the same SVG', () => {
    const fig: SeriesFigure = seriesFigure([{ length: 3, values: Float32Array.from({ length: 18 }, (_, k) => k) }], [4, 6]);
    const lineFig = seriesFigure([{ length: 3, values: Float32Array.from([1, 2, 3, 4, 5, 6]) }], [4, 2]);
    const inlined = new Function(`return ${seriesSvg.toString()}`)() as typeof seriesSvg;
    for (const f of [fig, lineFig]) {
      const thumb = seriesThumb({ length: 3, values: Float32Array.from({ length: 3 * f.channels }, (_, k) => k) }, f);
      assert.equal(inlined(thumb, f, 90, 40), seriesSvg(thumb, f, 90, 40));
    }
  });

  test('previews read each series\' valid steps (uint8 data as the loader scales it) onto one figure across datasets', async () => {
    const test8 = seriesDataset(6, 2, [6, 3, 1], (i, s, ch) => 10 * i + s + ch, true);
    const train8 = seriesDataset(8, 2, [8, 2], (i, s, ch) => 200 + s + ch, true);
    const read = await readSeries(test8, Int32Array.from([1, 2]));
    assert.deepEqual(read.map((r) => r?.length), [3, 1]);
    assert.deepEqual(Array.from(read[0]!.values, (v) => Math.round(v * 255)), [10, 11, 11, 12, 12, 13], 'valid steps only, scaled to [0, 1]');
    const p = await previews([{ ds: test8, indices: Int32Array.from([0, 2]) }, { ds: train8, indices: Int32Array.from([1]) }]);
    assert.ok(p.figure);
    assert.equal(p.figure.steps, 8, 'the longest split\'s T');
    assert.ok(Math.abs(p.figure.min - 0) < 1e-6 && Math.abs(p.figure.max - 202 / 255) < 1e-6, 'one scale over both datasets');
    assert.deepEqual(p.items.map((list) => list.map((x) => x.series?.length)), [[6, 1], [2]]);
    assert.ok(p.items.flat().every((x) => x.thumb === null));
    await assert.rejects(readSeries({ ...test8, sampleShape: [12] }, Int32Array.from([0])), /sampleShape \[12\] is not a sequence's/);
  });

  test('augmented views of series: the run\'s own views with lengths, seeded, each view of a series as long as it', async () => {
    const ds = seriesDataset(40, 3, [40, 25, 12, 33], (i, s, ch) => Math.sin((s + 7 * i) / 5 + ch));
    const config = { ...DEFAULT_CONFIG, augment: 'ts-simclr' as typeof DEFAULT_CONFIG.augment };
    const before = memory();
    const a = await augmentedViewGrid(config, ds, Int32Array.from([0, 1, 2, 3]), 5);
    const b = await augmentedViewGrid(config, ds, Int32Array.from([0, 1, 2, 3]), 5);
    const c = await augmentedViewGrid(config, ds, Int32Array.from([0, 1, 2, 3]), 6);
    assert.deepEqual(memory(), before, 'no tensor left behind');
    assert.ok(a && a.kind === 'sequence' && b && c && c.kind === 'sequence');
    assert.match(a.augmentation, /TwoViews/);
    assert.equal(a.rows, 4);
    assert.equal(a.views, 2);
    assert.deepEqual(a.cells.map((row) => row.map((s) => s.length)), [[40, 40, 40], [25, 25, 25], [12, 12, 12], [33, 33, 33]]);
    assert.deepEqual(a, b, 'the same seed, the same views');
    assert.notDeepEqual(a.cells, c.cells, 'another seed, other views');
    // The originals, read back on the figure's scale (which spans the views too), are the data.
    const data = await ds.read(Int32Array.from([1]));
    const q = bytesOf(a.cells[1]![0]!);
    const step = (a.figure.max - a.figure.min) / 255;
    q.forEach((v, k) => assert.ok(Math.abs(a.figure.min + v * step - (data.data[k] as number)) <= step / 2 + 1e-6, `original value ${k}`));
    assert.equal(a.figure.style, 'lines');
  });
});

/** Checks a sequence run's report.html: every section, series everywhere images would be; returns the page's data. */
function checkSequenceReport(file: string, o: { points: number; style: 'lines' | 'heatmap'; channels: number }): ReturnType<typeof pageData> {
  const html = readFileSync(file, 'utf8');
  assertSelfContained(html);
  for (const id of ['training', 'evaluation', 'map', 'neighbours', 'views', 'config']) assert.match(html, new RegExp(`<section id="${id}">`), `section ${id}`);
  const data = pageData(html);
  assert.equal(data.items, 'series');
  assert.ok(data.map && data.map.figure, 'map data with its series figure');
  assert.equal(data.map.points.length, o.points);
  assert.equal(data.map.figure.style, o.style);
  assert.equal(data.map.figure.channels, o.channels);
  assert.ok(data.map.points.every((p) => p.thumb === null && p.series && p.series.length >= 1 && p.series.length <= data.map!.figure!.steps), 'a series per point');
  const rows = html.match(/class="gallery-row"/g)?.length ?? 0;
  assert.ok(rows >= 2, 'neighbour galleries');
  assert.equal(html.match(/<figure class="(query|hit|miss)" data-index="\d+"><svg [^>]*class='series'/g)?.length, rows * 9, 'a series per query and neighbour');
  assert.match(html, /<table id="views-grid" class="series-grid">/);
  assert.equal(html.match(/<td><svg [^>]*class='series'/g)?.length, 8 * 3, 'eight series, each with two views');
  assert.match(html, /<table class="kv" id="eval-table">[\s\S]*precision@1/);
  assert.doesNotMatch(html, /no image/, 'every item drawn');
  return data;
}

describe('sequence report end to end', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'contrastive-seq-report-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  describe('fashion-mnist-seq', () => {
    let out: string;
    let result: TrainResult;
    before(async () => {
      out = join(root, 'fmnist-seq');
      result = await train({ ...DEFAULT_CONFIG, data: 'fashion-mnist-seq', trainLimit: 512, testLimit: 256, epochs: 1, out }, { progress: false, callbacks: [reportCallback()] });
    });

    test('train writes a report with every section, series drawn as heat maps (28 features a step)', () => {
      assert.equal(result.status, 'completed');
      const data = checkSequenceReport(join(out, 'report.html'), { points: 256, style: 'heatmap', channels: 28 });
      assert.equal(data.map!.figure!.steps, 28);
      assert.equal(new Set(data.map!.points.map((p) => p.label)).size, 10, 'points of all ten classes');
    });

    test('writeReport from the checkpoint (as contrastive report --run does) repeats the map and its series exactly', async () => {
      const file = join(root, 'fmnist-seq-again.html');
      const r = await writeReport(out, { file });
      assert.ok(r.bytes > 0 && r.timings.thumbnails! < r.seconds);
      assert.deepEqual(pageData(readFileSync(file, 'utf8')).map, pageData(readFileSync(join(out, 'report.html'), 'utf8')).map);
    });

    test('the page renders in headless Chromium, a series on hover, no errors', async (t) => {
      const skip = chromiumSkipReason();
      if (skip) return t.skip(skip);
      const drawn = await checkInChromium(join(out, 'report.html'), {
        points: 256, hoverSelector: 'svg.series image', artifact: 'sequence-report',
        inPage: () => [...document.querySelectorAll('#gallery svg.series, #views-grid svg.series')].filter((e) => e.getBoundingClientRect().width > 50).length,
      });
      assert.equal(drawn, 10 * 9 + 8 * 3, 'every gallery and views series laid out');
    });
  });

  describe('a CSV of multivariate series of unequal lengths', () => {
    let out: string;
    let result: TrainResult;
    let testLengths: number[];
    before(async () => {
      // 'long' layout: a row per step (id, time, three channels, label), two classes; series of 20
      // to 60 steps, 120 to train on and 60 to test (DIR/train.csv and DIR/test.csv).
      const lengths = (n: number): number[] => Array.from({ length: n }, (_, i) => 20 + ((i * 37) % 41));
      const write = (file: string, ls: readonly number[]): void => {
        const lines = ['id,time,x,y,z,label'];
        ls.forEach((len, i) => {
          const f = i % 2 === 0 ? 0.2 : 0.5;
          for (let s = 0; s < len; s++) {
            lines.push(`s${i},${s},${Math.sin(f * s + i).toFixed(4)},${Math.cos(f * s).toFixed(4)},${((s % 10) / 10 - 0.5 * (i % 2)).toFixed(4)},${i % 2 === 0 ? 'slow' : 'fast'}`);
          }
        });
        writeFileSync(file, `${lines.join('\n')}\n`);
      };
      const data = join(root, 'series');
      mkdirSync(data);
      write(join(data, 'train.csv'), lengths(120));
      write(join(data, 'test.csv'), (testLengths = lengths(60)));
      out = join(root, 'csv-run');
      result = await train({ ...DEFAULT_CONFIG, data, epochs: 1, batchSize: 32, out }, { progress: false, callbacks: [reportCallback()] });
    });

    test('train writes a report of line plots over each series\' own steps', () => {
      assert.equal(result.status, 'completed');
      const data = checkSequenceReport(join(out, 'report.html'), { points: 60, style: 'lines', channels: 3 });
      assert.equal(data.map!.figure!.steps, 60);
      assert.deepEqual(data.map!.points.map((p) => p.series!.length), testLengths, 'each test series with its own length');
      assert.match(data.classes.join(), /fast.*slow|slow.*fast/);
    });

    test('the page renders in headless Chromium, a line plot on hover, no errors', async (t) => {
      const skip = chromiumSkipReason();
      if (skip) return t.skip(skip);
      await checkInChromium(join(out, 'report.html'), { points: 60, hoverSelector: 'svg.series polyline', artifact: 'sequence-report-csv' });
    });
  });
});
