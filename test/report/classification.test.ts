// The fine-tuning report: the classification section's numbers on hand-made logits (confusion
// matrix, per-class accuracy, the most confident mistakes first) and its checks; then end to end,
// a fine-tuning run folder made by hand (config, classifier checkpoint, metrics, eval.json), its
// report.html written by writeFinetuneReport, the callback and the CLI, and opened in Chromium.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Dataset, RawBatch } from '../../src/data/index.js';
import { saveCheckpoint } from '../../src/io/index.js';
import { classificationSection, finetuneReportCallback, writeFinetuneReport } from '../../src/report/index.js';
import {
  buildClassifier, encoderFor, FINETUNE_DEFAULTS, finetunePaths, loadFinetuneRun, writeJson, type FinetuneConfig,
} from '../../src/run/index.js';
import { memory, scope, tensor } from '../../src/tensor/index.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { assertSelfContained, checkInChromium, pageData, type PageData } from './page.js';

/** The page data of a fine-tuning report: the pre-training report's, and the classification section's numbers. */
type FinetunePageData = PageData & {
  accuracy: { field: string; title: string };
  classification: {
    classes: string[]; top1: number; count: number; confusion: number[][];
    perClass: { class: string; count: number; correct: number; accuracy: number }[];
  } | null;
};

/** n images (1, 4, 4) in memory, image i filled with 10 * i, labelled `labels[i]`, classes 'a', 'b', 'c'. */
function tinyImages(labels: readonly number[]): Dataset {
  const per = 16;
  return {
    length: labels.length, sampleShape: [1, 4, 4], labels: Int32Array.from(labels), classes: ['a', 'b', 'c'],
    read(indices: Int32Array): RawBatch {
      const data = new Uint8Array(indices.length * per);
      indices.forEach((i, k) => data.fill(10 * i, k * per, (k + 1) * per));
      return { data, labels: Int32Array.from(indices, (i) => labels[i]!), indices: Int32Array.from(indices) };
    },
  };
}

const LABELS = [0, 0, 1, 1, 2, 2, 2];
/** Rows 1, 3 and 4 are wrong, with softmax confidences e^3/(e^3+2), e/(e+2), e^2/(e^2+2). */
const LOGITS = [[5, 0, 0], [0, 3, 0], [0, 4, 0], [0, 0, 1], [2, 0, 0], [0, 0, 6], [0, 0, 2]];
const softmaxTop = (a: number): number => Math.exp(a) / (Math.exp(a) + 2);

/** classificationSection of the logits `rows` (float32, or `dtype`), freed after. */
async function sectionOf(rows: number[][], labels: readonly number[], ds: Dataset, o: { misclassified?: number; dtype?: 'float64' } = {}) {
  const logits = tensor(rows, { dtype: o.dtype ?? 'float32' });
  try {
    return await classificationSection(logits, Int32Array.from(labels), ds, o);
  } finally {
    logits.dispose();
  }
}

describe('classification section', () => {
  test('confusion matrix, per-class accuracy and the most confident mistakes first, on known logits', async () => {
    const ds = tinyImages(LABELS);
    const logits = tensor(LOGITS);
    const before = memory();
    const s = await classificationSection(logits, Int32Array.from(LABELS), ds);
    assert.deepEqual(memory(), before, 'no tensor left behind');
    logits.dispose();
    assert.deepEqual(s.classes, ['a', 'b', 'c']);
    assert.equal(s.count, 7);
    assert.equal(s.top1, 4 / 7);
    assert.deepEqual(s.confusion, [[1, 1, 0], [0, 1, 1], [1, 0, 2]]);
    assert.deepEqual(s.perClass, [
      { class: 'a', count: 2, correct: 1, accuracy: 0.5 },
      { class: 'b', count: 2, correct: 1, accuracy: 0.5 },
      { class: 'c', count: 3, correct: 2, accuracy: 2 / 3 },
    ]);
    assert.deepEqual(s.misclassified.map((m) => [m.index, m.label, m.predicted]), [[1, 0, 1], [4, 2, 0], [3, 1, 2]]);
    s.misclassified.forEach((m, i) => assert.ok(Math.abs(m.confidence - softmaxTop([3, 2, 1][i]!)) < 1e-6, `confidence of #${m.index}`));
    assert.ok(s.misclassified.every((m) => m.thumb?.startsWith('data:image/png;base64,')), 'a thumbnail per mistake');
    assert.equal(s.figure, null, 'images have no series figure');

    const few = await sectionOf(LOGITS, LABELS, ds, { misclassified: 2, dtype: 'float64' });
    assert.deepEqual(few.misclassified.map((m) => m.index), [1, 4], 'the two most confident mistakes');
    const none = await sectionOf(LOGITS, LABELS, ds, { misclassified: 0 });
    assert.deepEqual(none.misclassified, []);
    // More logits than the dataset names classes: the rest are 'class i'; an empty class has NaN accuracy.
    const wide = await sectionOf([[1, 0, 0, 0], [0, 0, 0, 2]], [0, 3], tinyImages([0, 0]));
    assert.deepEqual(wide.classes, ['a', 'b', 'c', 'class 3']);
    assert.ok(Number.isNaN(wide.perClass[1]!.accuracy));
  });

  test('bad inputs are TypeErrors naming the argument and the shapes', async () => {
    const ds = tinyImages(LABELS);
    const labels = Int32Array.from(LABELS);
    const logits = tensor(LOGITS);
    const flat = tensor([1, 2, 3]);
    const ints = tensor(new Int32Array(21), { shape: [7, 3] });
    const bad: [() => Promise<unknown>, RegExp][] = [
      [() => classificationSection([[1, 2]] as never, labels, ds), /logits must be a Tensor \(N, K\), got Array/],
      [() => classificationSection(flat, labels, ds), /logits must be \(N, K\).*got \[3\]/],
      [() => classificationSection(ints, labels, ds), /logits must be floating point, got int32/],
      [() => classificationSection(logits, Int32Array.from([0, 1]), ds), /labels has 2 entries for the 7 rows of logits \[7, 3\]/],
      [() => classificationSection(logits, LABELS as never, ds), /labels must be an Int32Array \(N\), got Array/],
      [() => classificationSection(logits, Int32Array.from([0, 0, 3, 1, 2, 2, 2]), ds), /labels\[2\] is 3, not a class of the 3 logits/],
      [() => classificationSection(logits, labels, tinyImages([0, 1])), /ds has 2 items for the 7 rows of logits \[7, 3\]/],
      [() => classificationSection(logits, labels, ds, { misclassified: -1 }), /misclassified must be a non-negative integer, got -1/],
    ];
    for (const [call, message] of bad) await assert.rejects(call, (e: Error) => e instanceof TypeError && message.test(e.message) && e.message.startsWith('classificationSection: '), String(message));
    for (const t of [logits, flat, ints]) t.dispose();
  });
});

describe('fine-tuning report', () => {
  let root: string;
  let dir: string;
  let config: FinetuneConfig;
  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const evaluation = { top1: 0.1234, top5: 0.5678, loss: 2.25, count: 200, labels: 300, per_class_top1: [0.1, null], confusion: [[1, 0], [0, 1]], extra: { a: 1 } };

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'contrastive-finetune-report-'));
    dir = join(root, 'run');
    const paths = finetunePaths(dir);
    mkdirSync(join(dir, 'checkpoint'), { recursive: true });
    const c = { ...FINETUNE_DEFAULTS, data: 'fashion-mnist', from: null, init: 'random', trainLimit: 300, testLimit: 200, out: dir, labelsFraction: null, epochs: 2 };
    config = { ...c, encoder: encoderFor(c, [1, 28, 28]) };
    writeJson(paths.config, config);
    const { classifier } = buildClassifier(config, [1, 28, 28], 10);
    scope(() => saveCheckpoint(paths.checkpoint, { model: classifier.stateDict() })); // stateDict's detached handles freed here
    classifier.dispose();
    writeFileSync(paths.metrics, [1, 2].map((epoch) => `${JSON.stringify({
      epoch, loss: 2.3 - 0.2 * epoch, lr: 1e-3 / epoch, images_per_second: 900 + epoch, seconds: 0.5, knn_top1: null, test_top1: 0.1 * epoch,
    })}\n`).join(''));
    writeJson(paths.evaluation, evaluation);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('writeFinetuneReport: confusion matrix, per-class bars, mistakes, scalar metrics only; no tensor left behind', async () => {
    const lines: string[] = [];
    const before = memory();
    const r = await writeFinetuneReport(dir, { log: (line) => lines.push(line) });
    assert.deepEqual(memory(), before, 'every tensor the report made (and the run it opened) is freed');
    assert.equal(r.file, join(dir, 'report.html'));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^report: wrote .*report\.html \(\d+\.\d MB\) in [\d.]+ s \(/);
    for (const phase of ['load', 'embed', 'classification', 'umap', 'thumbnails', 'html']) assert.match(lines[0]!, new RegExp(`(\\(|, )${phase} [\\d.]+ s`), phase);
    const html = readFileSync(r.file, 'utf8');
    assertSelfContained(html);
    const data = pageData(html) as FinetunePageData;
    const c = data.classification;
    assert.ok(c, 'classification data on the page');
    assert.equal(c.count, 200);
    assert.equal(c.classes.length, 10);
    assert.equal(c.classes[9], 'Ankle boot');
    assert.equal(c.confusion.length, 10);
    assert.ok(c.confusion.every((row) => row.length === 10));
    assert.equal(c.confusion.flat().reduce((a, b) => a + b, 0), 200, 'every test image counted once');
    c.perClass.forEach((p, k) => {
      assert.equal(p.count, c.confusion[k]!.reduce((a, b) => a + b, 0));
      assert.equal(p.correct, c.confusion[k]![k]);
    });
    assert.equal(c.top1, c.perClass.reduce((s, p) => s + p.correct, 0) / 200);
    assert.match(html, /<div class="chart" id="chart-confusion"/);
    assert.match(html, /<div class="chart" id="chart-per-class"/);
    assert.match(html, /<nav>.*<a href="#classification">Classification<\/a>/);
    const figures = [...html.matchAll(/<figure class="miss" data-index="(\d+)"><img src="data:image\/png;base64,[^"]+" alt="[^"]+"><figcaption>test #\d+<br>([^<]+) → ([^<]+)<br>confidence (0\.\d{3}|1\.000)<\/figcaption><\/figure>/g)];
    assert.equal(figures.length, Math.min(24, 200 - c.perClass.reduce((s, p) => s + p.correct, 0)), 'the misclassified gallery');
    assert.ok(figures.every((f) => f[2] !== f[3] && c.classes.includes(f[2]!) && c.classes.includes(f[3]!)), 'true and predicted class names differ');
    const confidences = figures.map((f) => Number(f[4]));
    assert.deepEqual(confidences, [...confidences].sort((a, b) => b - a), 'most confident first');
    assert.match(html, /<div class="gallery" id="misclassified">/);
    // Curves, summary, evaluation: the classifier's test top-1; eval.json's arrays and objects left out.
    assert.equal(data.accuracy.field, 'test_top1');
    assert.equal(data.accuracy.title, 'Test top-1 (classifier)');
    assert.match(html, /<div class="k">test top-1<\/div><div class="v">0\.1234<\/div>/);
    assert.doesNotMatch(html, /kNN top-1/);
    const table = /<table class="kv" id="eval-table">([\s\S]*?)<\/table>/.exec(html)![1]!;
    assert.match(table, /classifier top-1 \(test\)<\/td><td class="num">0\.1234/);
    assert.match(table, /<td>classifier cross-entropy \(test\)<\/td><td class="num">2\.250<\/td>/);
    assert.match(table, /<td>training labels used<\/td><td class="num">300<\/td>/);
    assert.match(table, /<td>test items scored<\/td><td class="num">200<\/td>/);
    assert.doesNotMatch(table, /per_class_top1|confusion|extra/);
    // The map of the backbone's test features; no neighbours or views sections.
    assert.equal(data.map?.split, 'test');
    assert.equal(data.map?.points.length, 200);
    assert.doesNotMatch(html, /id="neighbours"|id="views"|href="#neighbours"|href="#views"/);
    assert.match(html, /<p class="sub">finetune init random · convnet28 \+ linear head · fashion-mnist · all labels \(300\) · batch 128 · cpu · seed 0 · run folder /);
  });

  test('the page renders in headless Chromium: confusion heat map and per-class bars drawn, no errors', async (t) => {
    const skip = chromiumSkipReason();
    if (skip) return t.skip(skip);
    const drawn = await checkInChromium(join(dir, 'report.html'), {
      points: 200, hoverSelector: 'img[src^="data:image/png"]', artifact: 'finetune-report',
      inPage: () => {
        const ec = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { series: { type: string; data: unknown[] }[] } } } }).echarts;
        return ['chart-confusion', 'chart-per-class'].map((id) => {
          const el = document.getElementById(id)!;
          const canvas = el.querySelector('canvas')?.getBoundingClientRect();
          const s = ec.getInstanceByDom(el).getOption().series[0]!;
          return { id, width: canvas?.width ?? 0, height: canvas?.height ?? 0, type: s.type, cells: s.data.length };
        });
      },
    });
    assert.ok(drawn);
    const [confusion, perClass] = drawn;
    assert.ok(confusion!.width > 200 && confusion!.height > 200, `confusion canvas drawn: ${JSON.stringify(confusion)}`);
    assert.deepEqual([confusion!.type, confusion!.cells], ['heatmap', 100]);
    assert.ok(perClass!.width > 200 && perClass!.height > 200, `per-class canvas drawn: ${JSON.stringify(perClass)}`);
    assert.deepEqual([perClass!.type, perClass!.cells], ['bar', 10]);
  });

  test('finetuneReportCallback writes from the live run and logits, frees neither; a failure names the retry', async () => {
    const run = await loadFinetuneRun(dir);
    const logits = tensor(Array.from({ length: 200 }, (_, i) => Array.from({ length: 10 }, (_, k) => (k === i % 10 ? 1 : 0)))); // (200, 10): predicts i % 10
    try {
      const lines: string[] = [];
      const file = join(root, 'callback.html');
      const cb = finetuneReportCallback({ file, mapPoints: 20 });
      assert.equal(cb.name, 'report');
      const s = { status: 'completed', config: run.config, run, testLogits: logits, log: (line: string) => lines.push(line) };
      const before = memory();
      await cb.onTrainEnd(s);
      assert.deepEqual(memory(), before);
      assert.match(lines[0] ?? '', /^report: wrote .*callback\.html/);
      const data = pageData(readFileSync(file, 'utf8')) as FinetunePageData;
      const labels = run.splits.test.labels!;
      assert.equal(data.classification?.top1, labels.filter((y, i) => y === i % 10).length / 200, 'scored from the given logits');
      assert.equal(data.map?.points.length, 20);
      assert.deepEqual(logits.shape, [200, 10], 'the given logits are not disposed');
      await cb.onTrainEnd({ ...s, status: 'interrupted' });
      assert.equal(lines.length, 1, 'nothing written unless completed');
      const elsewhere = join(root, 'not-a-run');
      await cb.onTrainEnd({ ...s, config: { ...run.config, out: elsewhere } });
      assert.match(lines[1] ?? '', new RegExp(`^report\\.html not written: .*no such folder.*\\(retry with: contrastive report --run ${elsewhere}\\)$`));
    } finally {
      logits.dispose();
      run.classifier.dispose();
    }
  });

  test('contrastive report --run DIR writes the fine-tuning report', () => {
    const file = join(root, 'cli.html');
    const r = spawnSync(process.execPath, [cli, 'report', '--run', dir, '--out', file, '--map-points', '30', '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { file: string }).file, file);
    const data = pageData(readFileSync(file, 'utf8')) as FinetunePageData;
    assert.equal(data.classification?.count, 200);
    assert.equal(data.map?.points.length, 30);
  });
});
