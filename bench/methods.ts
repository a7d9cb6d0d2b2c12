// The per-method benchmark (issue 16 part 3): every image method trained to its own recipe
// (`contrastive train --method M`: its optimizer, learning rate, heads, augmentation preset and
// the default encoder) for the same wall-clock budget on Fashion-MNIST, then evaluated the same
// way: kNN top-1 (k 200, T 0.1), the linear probe and MAP@R on the test split, against the same
// encoder at its random initialisation. The table lightly and solo-learn publish per method.
//
//   npx tsc -p . && node dist/bench/methods.js [--minutes 10] [--methods simclr,byol,...]
//       [--out runs/bench-methods] [--train-limit N] [--test-limit N] [--json]
//
// The budget buys whole epochs: a short calibration run (1 epoch of 2,048 images) measures each
// method's training images/s, and the epochs are those whose training plus the per-epoch kNN
// monitor (timed as one embedding of both splits) fit the budget; at least 1. The figures of
// each method come from its own run folder under --out (report.html included). Runs serially.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { disposeSplits, embedSplits, evaluate, type EvaluationResult } from '../src/eval/index.js';
import { METHOD_NAMES, recipeOf } from '../src/methods/index.js';
import { reportCallback } from '../src/report/index.js';
import { buildMethod, DEFAULT_CONFIG, embedOptions, evaluationOptions, loadSplits, type TrainConfig } from '../src/run/index.js';
import { manualSeed } from '../src/tensor/index.js';
import { train } from '../src/train/index.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    methods: { type: 'string', default: METHOD_NAMES.filter((m) => recipeOf(m).inputs.includes('image')).join(',') },
    out: { type: 'string', default: 'runs/bench-methods' },
    'train-limit': { type: 'string', default: '0' },
    'test-limit': { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const budget = Number(values.minutes) * 60;
if (!(budget > 0)) throw new Error(`--minutes: expected a positive number, got '${values.minutes}'`);
const methods = values.methods.split(',');
for (const m of methods) {
  if (!(METHOD_NAMES as readonly string[]).includes(m) || !recipeOf(m as never).inputs.includes('image')) throw new Error(`--methods: '${m}' is not an image method (known: ${METHOD_NAMES.join(', ')})`);
}
const limits = { trainLimit: Number(values['train-limit']), testLimit: Number(values['test-limit']) };
const CALIBRATION_IMAGES = 2048;

interface Row { method: string; epochs: number; images_per_second: number; seconds: number; knn_top1: number; linear_top1: number; map_at_r: number }

/** The evaluation of `config`'s encoder at its random initialisation (what `train` starts from), and the seconds one embedding of both splits takes. */
async function randomInit(c: TrainConfig): Promise<{ result: EvaluationResult; embedSeconds: number }> {
  const { train: tr, test } = await loadSplits(c);
  manualSeed(c.seed);
  const method = buildMethod(c, tr, 1);
  try {
    method.to({ memoryFormat: c.channelsLast ? 'channelsLast' : 'contiguous' });
    const t0 = performance.now();
    const e = await embedSplits(method.backbone, tr, test!, embedOptions(c));
    const embedSeconds = (performance.now() - t0) / 1000;
    try {
      return { result: evaluate(e.train, e.test, { ...evaluationOptions(c), linearProbe: true }), embedSeconds };
    } finally {
      disposeSplits(e);
    }
  } finally {
    method.dispose();
  }
}

const rows: Row[] = [];
const config = (method: string): TrainConfig => ({ ...DEFAULT_CONFIG, method: method as TrainConfig['method'], ...limits, linearProbe: true, out: join(values.out, method) });
const base = await randomInit(config(methods[0]!)); // every method's default encoder is convnet28 on these images: one baseline
const { train: trainSplit } = await loadSplits(config(methods[0]!));
process.stderr.write(`random init: kNN ${base.result.knn_top1.toFixed(4)}, linear ${base.result.linear_top1!.toFixed(4)}, MAP@R ${base.result.map_at_r.toFixed(4)}; one embedding of both splits ${base.embedSeconds.toFixed(1)} s\n`);
for (const method of methods) {
  const calibration = join(values.out, `${method}-calibration`);
  const cal = await train({ ...config(method), epochs: 1, trainLimit: CALIBRATION_IMAGES, testLimit: 500, linearProbe: false, out: calibration }, { progress: false });
  rmSync(calibration, { recursive: true, force: true });
  const ips = cal.epochs[0]!.images_per_second;
  const epochSeconds = trainSplit.length / ips + base.embedSeconds;
  const epochs = Math.max(1, Math.floor(budget / epochSeconds));
  process.stderr.write(`${method}: ${ips.toFixed(0)} img/s in calibration -> ${epochs} epochs of about ${epochSeconds.toFixed(0)} s\n`);
  const t0 = performance.now();
  const r = await train({ ...config(method), epochs }, { progress: false, callbacks: [reportCallback()] });
  const seconds = (performance.now() - t0) / 1000;
  const ev = r.evaluation!;
  const trainedIps = r.epochs.reduce((a, e) => a + e.images_per_second, 0) / r.epochs.length;
  rows.push({ method, epochs, images_per_second: trainedIps, seconds, knn_top1: ev.knn_top1, linear_top1: ev.linear_top1!, map_at_r: ev.map_at_r });
  process.stderr.write(`${method}: kNN ${ev.knn_top1.toFixed(4)}, linear ${ev.linear_top1!.toFixed(4)}, MAP@R ${ev.map_at_r.toFixed(4)} in ${seconds.toFixed(0)} s\n`);
}

const f = (x: number): string => x.toFixed(3);
const better = (r: Row): string => (r.knn_top1 > base.result.knn_top1 ? 'yes' : '**no**');
process.stdout.write(`\nFashion-MNIST, ${values.minutes} min per method (training and the per-epoch kNN monitor), seed ${DEFAULT_CONFIG.seed}, each method's recipe on its default encoder\n`);
process.stdout.write('| method | epochs | images/s | run s (training, monitor, evaluation, report) | kNN top-1 | linear probe | MAP@R | beats random init (kNN) |\n|---|---|---|---|---|---|---|---|\n');
for (const r of rows) process.stdout.write(`| ${r.method} | ${r.epochs} | ${r.images_per_second.toFixed(0)} | ${r.seconds.toFixed(0)} | ${f(r.knn_top1)} | ${f(r.linear_top1)} | ${f(r.map_at_r)} | ${better(r)} |\n`);
process.stdout.write(`| random init | 0 | - | - | ${f(base.result.knn_top1)} | ${f(base.result.linear_top1!)} | ${f(base.result.map_at_r)} | - |\n`);
if (values.json) process.stdout.write(`${JSON.stringify({ minutes: Number(values.minutes), ...limits, random_init: base.result, rows })}\n`);
