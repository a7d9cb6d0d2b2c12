// Metric learning on Fashion-MNIST, side by side: SupCon, triplet with batch-hard mining and
// ArcFace (method metric), each trained the same epochs on the same views, encoder and batch,
// with the test split's retrieval precision@1 and MAP@R after every epoch (pytorch-metric-learning's
// AccuracyCalculator, the test split queried against itself) and the seconds each took, so the
// table compares the losses at equal time. Runs serially; each run leaves its folder under --out.
//
//   node dist/bench/metric.js [--epochs 3] [--runs supcon,triplet,arcface] [--out runs/bench-metric] [--json]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { reportCallback } from '../src/report/index.js';
import { resolveConfig, type TrainConfig } from '../src/run/index.js';
import { train } from '../src/train/index.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    runs: { type: 'string', default: 'supcon,triplet,arcface' },
    out: { type: 'string', default: 'runs/bench-metric' },
    json: { type: 'boolean', default: false },
  },
});

/** Each run's config beyond the shared one: the method, its loss and miner. */
const RUNS: Record<string, { label: string; config: Partial<Record<keyof TrainConfig, unknown>> }> = {
  supcon: { label: 'SupCon (method supcon)', config: { method: 'supcon' } },
  triplet: { label: 'triplet, batch-hard miner', config: { method: 'metric', loss: 'triplet', miner: 'batch-hard' } },
  arcface: { label: 'ArcFace', config: { method: 'metric', loss: 'arcface' } },
  'multi-similarity': { label: 'multi-similarity, its miner', config: { method: 'metric', loss: 'multi-similarity', miner: 'multi-similarity' } },
  ntxent: { label: 'NT-Xent with labels', config: { method: 'metric', loss: 'ntxent', lossOptions: { temperature: 0.1 } } },
};

const epochs = Number(values.epochs);
if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs: expected a positive integer, got '${values.epochs}'`);
const names = values.runs.split(',');
for (const n of names) if (!RUNS[n]) throw new Error(`--runs: unknown run '${n}'; known: ${Object.keys(RUNS).join(', ')}`);

interface Row { run: string; label: string; seconds: number; perEpoch: { epoch: number; seconds: number; precisionAt1: number; mapAtR: number }[] }
const rows: Row[] = [];
for (const name of names) {
  const c = resolveConfig(undefined, { ...RUNS[name]!.config, epochs, out: join(values.out, name) });
  const r = await train(c, { progress: false, callbacks: [reportCallback()] });
  const perEpoch = r.epochs.map((e) => ({ epoch: e.epoch, seconds: e.seconds, precisionAt1: e.precision_at_1 ?? NaN, mapAtR: e.map_at_r ?? NaN }));
  rows.push({ run: name, label: RUNS[name]!.label, seconds: perEpoch.reduce((s, e) => s + e.seconds, 0), perEpoch });
  console.error(`${name}: ${perEpoch.map((e) => `epoch ${e.epoch} P@1 ${e.precisionAt1.toFixed(4)} MAP@R ${e.mapAtR.toFixed(4)}`).join(', ')}, ${rows.at(-1)!.seconds.toFixed(0)} s`);
}

if (values.json) {
  console.log(JSON.stringify({ epochs, rows }, null, 2));
} else {
  const epochCols = Array.from({ length: epochs }, (_, i) => `epoch ${i + 1} P@1 / MAP@R`);
  console.log(`| loss | ${epochCols.join(' | ')} | training time | time vs ${rows[0]!.run} |`);
  console.log(`|---|${epochCols.map(() => '---|').join('')}---|---|`);
  for (const r of rows) {
    const cells = r.perEpoch.map((e) => `${e.precisionAt1.toFixed(4)} / ${e.mapAtR.toFixed(4)}`);
    console.log(`| ${r.label} | ${cells.join(' | ')} | ${r.seconds.toFixed(0)} s | ${(r.seconds / rows[0]!.seconds).toFixed(2)} |`);
  }
}
