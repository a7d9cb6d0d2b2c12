// The HTML report end to end: `train` writes DIR/report.html after one short epoch; the page is
// self-contained and renders in headless Chromium without errors; `contrastive report --run DIR`
// rewrites it; folders that are not runs, runs without metrics and unlabelled data are handled.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { memory } from '../../src/index.js';
import { reportCallback, writeReport } from '../../src/report/index.js';
import { DEFAULT_CONFIG, loadRun } from '../../src/run/index.js';
import { train, type TrainResult } from '../../src/train/index.js';
import type { Dataset } from '../../src/data/index.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { assertSelfContained, checkInChromium, pageData } from './page.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the garbage collector and lets the tensors' finalizers run. */
async function collectGarbage(): Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('report', () => {
  let root: string;
  let out: string;
  let result: TrainResult;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'contrastive-report-'));
    out = join(root, 'run');
    result = await train({ ...DEFAULT_CONFIG, trainLimit: 512, testLimit: 256, epochs: 1, out }, { progress: false, callbacks: [reportCallback()] });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('train writes a self-contained report.html with every section', () => {
    assert.equal(result.status, 'completed');
    const file = join(out, 'report.html');
    assert.ok(existsSync(file), 'report.html written by train\'s report callback');
    const html = readFileSync(file, 'utf8');
    assertSelfContained(html);
    assert.match(html, /echarts/, 'ECharts inlined');
    const data = pageData(html);
    assert.equal(data.metrics.length, 1);
    assert.equal(data.classes.length, 10);
    assert.ok(data.map, 'embedding map data');
    assert.equal(data.map.split, 'test');
    assert.equal(data.map.points.length, 256, 'every test image (fewer than 2,000)');
    assert.ok(data.map.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y)), 'finite UMAP coordinates');
    assert.ok(data.map.points.every((p) => p.thumb?.startsWith('data:image/png;base64,')), 'a PNG thumbnail per point');
    assert.equal(new Set(data.map.points.map((p) => p.label)).size, 10, 'points of all ten classes');
    // Ten queries (one per class), eight neighbours each, every one marked right or wrong.
    assert.equal(html.match(/class="gallery-row"/g)?.length, 10);
    assert.equal(html.match(/<figure class="(hit|miss)" data-index="\d+">/g)?.length, 80);
    assert.match(html, /<img id="views-grid" class="pixel" src="data:image\/png;base64,/);
    assert.match(html, /<table class="kv" id="eval-table">[\s\S]*precision@1/);
    assert.match(html, /<table class="kv" id="config-table">[\s\S]*<td>method<\/td><td>simclr<\/td>/);
    const evaluation = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8')) as { knn_top1: number };
    assert.ok(html.includes(evaluation.knn_top1.toPrecision(4)), 'the evaluation table shows eval.json');
  });

  test('the page renders in headless Chromium: charts and map drawn, no errors, nothing fetched', async (t) => {
    const skip = chromiumSkipReason();
    if (skip) return t.skip(skip);
    await checkInChromium(join(out, 'report.html'), { points: 256, hoverSelector: 'img[src^="data:image/png"]', artifact: 'report' });
  });

  test('contrastive report --run DIR rewrites the report; the layout repeats exactly (seeded UMAP)', () => {
    const file = join(root, 'cli-report.html');
    const r = runCli(['report', '--run', out, '--out', file, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout) as { file: string; bytes: number; seconds: number };
    assert.equal(o.file, file);
    assert.equal(o.bytes, statSync(file).size);
    const html = readFileSync(file, 'utf8');
    assertSelfContained(html);
    // The same weights (from the checkpoint here, in memory in train) and the same seed: the same map.
    assert.deepEqual(pageData(html).map, pageData(readFileSync(join(out, 'report.html'), 'utf8')).map);
    // Without --out it writes DIR/report.html.
    rmSync(join(out, 'report.html'));
    const r2 = runCli(['report', '--run', out, '--map-points', '100']);
    assert.equal(r2.status, 0, r2.stderr);
    assert.equal(r2.stdout.trim(), join(out, 'report.html'));
    assert.equal(pageData(readFileSync(join(out, 'report.html'), 'utf8')).map?.points.length, 100);
  });

  test('a folder that is not a run, a missing folder and a run without metrics are clear errors', () => {
    const notRun = join(root, 'not-a-run');
    mkdirSync(notRun);
    const a = runCli(['report', '--run', notRun]);
    assert.equal(a.status, 1);
    assert.match(a.stderr, /is not a run folder: it has no config\.json/);
    assert.doesNotMatch(a.stderr, /\n\s+at /, 'no stack trace');
    const b = runCli(['report', '--run', join(root, 'missing')]);
    assert.equal(b.status, 1);
    assert.match(b.stderr, /no such folder: .*missing/);
    const fresh = join(root, 'fresh');
    mkdirSync(fresh);
    copyFileSync(join(out, 'config.json'), join(fresh, 'config.json'));
    const c = runCli(['report', '--run', fresh]);
    assert.equal(c.status, 1);
    assert.match(c.stderr, /has no metrics and no checkpoint yet/);
    assert.ok(!existsSync(join(fresh, 'report.html')));
  });

  test('unlabelled data without a test split: one colour, unmarked neighbours, memory flat', async () => {
    const run = await loadRun(out);
    const unlabelled = (ds: Dataset): Dataset => ({ ...ds, labels: null, classes: [], read: (i) => ds.read(i) });
    // train() leaves its method to the garbage collector's backstop: collect it first, so that
    // memory() counts only what writeReport itself leaves behind.
    await collectGarbage();
    const before = memory();
    try {
      const file = join(root, 'unlabelled.html');
      const r = await writeReport(out, { run: { ...run, splits: { train: unlabelled(run.splits.train), test: null } }, file, mapPoints: 300 });
      assert.deepEqual(memory(), before, 'no tensor left behind');
      assert.match(r.notes.map ?? '', /no labels/);
      assert.match(r.notes.neighbours ?? '', /no test split/);
      const html = readFileSync(file, 'utf8');
      const data = pageData(html);
      assert.equal(data.classes.length, 0);
      assert.equal(data.map?.split, 'train');
      assert.equal(data.map?.points.length, 300);
      assert.ok(data.map?.points.every((p) => p.label === null));
      assert.equal(html.match(/<figure class="(hit|miss)"/g), null, 'no right/wrong marks without labels');
      assert.equal(html.match(/<figure class="plain"/g)?.length, 80);
      // A query drawn from the train split is never its own neighbour.
      const rows = html.split('<div class="gallery-row">').slice(1);
      assert.equal(rows.length, 10);
      for (const row of rows) {
        const ids = [...row.matchAll(/<figure class="(query|plain)" data-index="(\d+)">/g)].map((m) => Number(m[2]));
        assert.equal(ids.length, 9);
        assert.ok(!ids.slice(1).includes(ids[0]!), `query ${ids[0]} is not among its neighbours ${ids.slice(1).join(', ')}`);
      }
    } finally {
      run.method.dispose();
    }
  });
});
