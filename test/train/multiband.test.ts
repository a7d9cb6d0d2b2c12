// Multi-band remote-sensing images end to end: test-generated 13-band uint16 GeoTIFFs in class
// folders (Sentinel-2's band names) train one epoch, evaluate, embed, search and export (the ONNX
// model takes raw band values and matches the engine within 1e-4), fine-tune into a classifier
// that keeps the run's band statistics, and the report renders in Chromium. The error cases each give one clear message naming the file, never a crash.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { memory } from '../../src/index.js';
import { reportCallback } from '../../src/report/index.js';
import { DEFAULT_CONFIG, readFinetuneConfig, readRunConfig, resolveFinetuneConfig } from '../../src/run/index.js';
import { finetune, train } from '../../src/train/index.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { checkInChromium } from '../report/page.js';
import { cliFails, cliJson, runCli } from '../helpers/cli.js';
import { writeTiff } from '../helpers/tiff.js';

const dir = mkdtempSync(join(tmpdir(), 'multiband-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'sentinel');
const runDir = join(dir, 'run');
const BANDS = 13;
const SIDE = 16;
/** Sentinel-2 MSI's 13 bands in file order (ESA). */
const S2 = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B8A', 'B9', 'B10', 'B11', 'B12'];


let seed = 7;
const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

/** One 13-band uint16 image (C, H, W) of a class: its own spectral profile, a stripe pattern, noise (reflectance x 10000, as Sentinel-2 L1C). */
function raster(cls: number): Uint16Array {
  const px = new Uint16Array(BANDS * SIDE * SIDE);
  for (let b = 0; b < BANDS; b++) {
    const level = 1500 + 900 * Math.sin((b + 1) * (cls + 1) * 0.7) + 600 * cls;
    for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) {
      const stripe = ((cls === 0 ? x : cls === 1 ? y : x + y) % 4 < 2) ? 1.3 : 0.7;
      px[(b * SIDE + y) * SIDE + x] = Math.round(Math.max(0, level * stripe + 400 * rand()));
    }
  }
  return px;
}

async function makeRasters(): Promise<void> {
  for (const [part, n] of [['train', 12], ['test', 6]] as const) {
    for (const [cls, name] of ['forest', 'river', 'crops'].entries()) {
      mkdirSync(join(data, part, name), { recursive: true });
      for (let i = 0; i < n; i++) {
        writeTiff(join(data, part, name, `${name}-${i}.tif`), { data: raster(cls), bands: BANDS, height: SIDE, width: SIDE, dtype: 'uint16', bandNames: S2 });
      }
    }
  }
}

describe('13-band GeoTIFFs end to end', () => {
  before(async () => {
    await makeRasters();
  });

  test('train one epoch (band statistics in config.json), evaluate, report in Chromium; live tensors flat', async (t) => {
    const before = memory().tensors;
    const result = await train({
      ...DEFAULT_CONFIG, data, out: runDir, epochs: 1, batchSize: 12, imageSize: SIDE, knnK: 5, seed: 3,
    }, { progress: false, callbacks: [reportCallback()] });
    assert.equal(memory().tensors, before, 'train() frees everything it made');
    const c = readRunConfig(runDir);
    assert.equal(c.bandStats!.mean.length, BANDS);
    assert.ok(c.bandStats!.mean.every((m) => m > 500 && m < 6000), `band means in the data's units: ${c.bandStats!.mean.join(', ')}`);
    assert.ok(c.bandStats!.std.every((s) => s > 0));
    const evaluation = JSON.parse(readFileSync(join(runDir, 'eval.json'), 'utf8')) as { knn_top1: number };
    t.diagnostic(`13-band run: kNN top-1 ${evaluation.knn_top1} after 1 epoch (chance 0.33); final loss ${String((result as { finalLoss?: number }).finalLoss)}`);
    assert.ok(evaluation.knn_top1 >= 0 && evaluation.knn_top1 <= 1);
    const reason = chromiumSkipReason();
    if (reason) return t.skip(reason);
    await checkInChromium(join(runDir, 'report.html'), { points: 18, hoverSelector: 'img', artifact: 'multiband-report' });
  });

  test('eval, embed, search and export (ONNX on raw band values within 1e-4 of the engine)', () => {
    const e = cliJson<{ knn_top1: number }>(['eval', '--run', runDir]);
    assert.ok(e.knn_top1 >= 0);
    const emb = join(dir, 'test.safetensors');
    const out = cliJson<{ count: number; dim: number }>(['embed', '--run', runDir, '--out', emb, '--no-progress']);
    assert.equal(out.count, 18);
    const index = join(dir, 'index');
    cliJson(['search', 'build', '--embeddings', emb, '--out', index]);
    const q = cliJson<{ results: { id: string }[] }>(['search', 'query', '--index', index, '--id', 'forest/forest-0.tif', '-k', '3']);
    assert.equal(q.results.length, 3);
    const byFile = cliJson<{ results: { id: string }[] }>(['search', 'query', '--index', index, '--image', join(data, 'test', 'river', 'river-1.tif'), '--run', runDir, '-k', '1']);
    assert.equal(byFile.results[0]!.id, 'river/river-1.tif', 'a GeoTIFF query finds itself');
    const x = cliJson<{ verify: { max_abs_diff: number } | null; input: { shape: (number | string)[] } }>(['export', '--run', runDir, '--onnx', join(dir, 'model.onnx')]);
    assert.deepEqual(x.input.shape.slice(1), [BANDS, SIDE, SIDE]);
    assert.ok(x.verify && x.verify.max_abs_diff <= 1e-4, `ONNX vs engine: ${x.verify?.max_abs_diff}`);
  });

  test('fine-tune the run: the classifier keeps its band statistics, and exports on raw band values within 1e-4', async () => {
    const before = memory().tensors;
    const out = join(dir, 'finetuned');
    await finetune(resolveFinetuneConfig({ from: runDir, out, epochs: 1, batchSize: 12 }), { progress: false });
    assert.equal(memory().tensors, before, 'finetune() frees everything it made');
    assert.deepEqual(readFinetuneConfig(out).bandStats, readRunConfig(runDir).bandStats, 'the encoder learnt on data standardised with the run\'s statistics');
    const x = cliJson<{ verify: { max_abs_diff: number } | null; input: { shape: (number | string)[] }; output: { shape: (number | string)[] } }>(['export', '--run', out, '--onnx', join(dir, 'classifier.onnx')]);
    assert.deepEqual([x.input.shape.slice(1), x.output.shape.slice(1)], [[BANDS, SIDE, SIDE], [3]]);
    assert.ok(x.verify && x.verify.max_abs_diff <= 1e-4, `ONNX vs engine: ${x.verify?.max_abs_diff}`);
  });

  test('errors: mixed band counts, an unsupported sample format, a truncated file, hue on non-RGB data', async () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(join(mixed, 'a'), { recursive: true });
    mkdirSync(join(mixed, 'b'), { recursive: true });
    writeTiff(join(mixed, 'a', 'x.tif'), { data: raster(0), bands: BANDS, height: SIDE, width: SIDE, dtype: 'uint16' });
    writeTiff(join(mixed, 'b', 'y.tif'), { data: raster(0).subarray(0, 4 * SIDE * SIDE), bands: 4, height: SIDE, width: SIDE, dtype: 'uint16' });
    await cliFails(['train', '--data', mixed, '--epochs', '1', '--out', join(dir, 'r1')], /mixed band counts.*x\.tif.*13.*y\.tif.*4/s);

    const f64 = join(dir, 'f64');
    mkdirSync(join(f64, 'a'), { recursive: true });
    writeTiff(join(f64, 'a', 'z.tif'), { data: new Float64Array(BANDS * SIDE * SIDE), bands: BANDS, height: SIDE, width: SIDE, dtype: 'float64' });
    await cliFails(['train', '--data', f64, '--epochs', '1', '--out', join(dir, 'r2')], /z\.tif.*unsupported sample format/);

    // A truncated file among good ones is skipped, named once, and the run goes on.
    const cut = join(dir, 'cut');
    for (const cls of ['a', 'b']) {
      mkdirSync(join(cut, cls), { recursive: true });
      for (let i = 0; i < 6; i++) writeTiff(join(cut, cls, `${i}.tif`), { data: raster(cls === 'a' ? 0 : 1), bands: BANDS, height: SIDE, width: SIDE, dtype: 'uint16' });
    }
    const broken = join(cut, 'b', '3.tif');
    truncateSync(broken, 300);
    const r = runCli(['train', '--data', cut, '--epochs', '1', '--batch-size', '4', '--image-size', String(SIDE), '--out', join(dir, 'r3'), '--no-progress']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.split('\n').filter((l) => l.includes(broken)).length, 1, `the truncated file is reported once: ${r.stderr}`);
    assert.match(r.stderr, /3\.tif.*truncated/);

    await cliFails(['train', '--data', cut, '--epochs', '1', '--batch-size', '4', '--augment', 'simclr', '--image-size', String(SIDE), '--out', join(dir, 'r4')], /hue.*13 channels/);
  });
});
