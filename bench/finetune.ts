// The few-label transfer table (the SimCLR paper's semi-supervised protocol, Chen et al. 2020,
// Sec. 6): for each label budget, kNN and the linear probe on a pre-training run's features of the
// labelled subset, the classifier fine-tuned from that run, the same classifier trained from
// scratch, and fine-tuned from a second run (e.g. SupCon). Every column of a row uses the same
// subset (class-balanced, seeded), the same epochs and the same augmentation. With several seeds,
// each seed draws its own subset and trains its own runs, and the table gives mean ± standard
// deviation over seeds.
//
//   node dist/bench/finetune.js --ssl runs/default [--second runs/supcon] [--rows 0.01:50,0.1:20,1:10]
//                               [--seeds 0] [--head linear|mlp] [--out runs/bench-finetune] [--json]
//
// Each fine-tuning run leaves its folder under --out (report.html included). Runs serially.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { balancedIndices } from '../src/data/index.js';
import { evaluate } from '../src/eval/index.js';
import { finetuneReportCallback } from '../src/report/index.js';
import { embedRun, evaluationOptions, loadRun, resolveFinetuneConfig } from '../src/run/index.js';
import { scope, tensor } from '../src/tensor/index.js';
import { finetune } from '../src/train/index.js';

const { values } = parseArgs({
  options: {
    ssl: { type: 'string', default: 'runs/default' },
    second: { type: 'string' },
    rows: { type: 'string', default: '0.01:50,0.1:20,1:10' },
    seeds: { type: 'string', default: '0' },
    head: { type: 'string', default: 'linear' },
    out: { type: 'string', default: 'runs/bench-finetune' },
    json: { type: 'boolean', default: false },
  },
});

/** A row: the fraction of each class's labels, and the fine-tuning epochs. */
const rows = values.rows.split(',').map((r) => {
  const [f, e] = r.split(':').map(Number);
  if (!(f! > 0 && f! <= 1) || !Number.isInteger(e) || e! < 1) throw new Error(`--rows: expected fraction:epochs pairs like 0.01:50, got '${r}'`);
  return { fraction: f!, epochs: e! };
});
const seeds = values.seeds.split(',').map(Number);
if (!seeds.every((s) => Number.isInteger(s) && s >= 0)) throw new Error(`--seeds: expected integers like 0,1,2, got '${values.seeds}'`);

/** kNN and the linear probe (the run's protocol) of the SSL run's features, with only each (fraction, seed) subset's labels: embedded once (the features live until the process ends). */
async function probes(): Promise<(fraction: number, seed: number) => { knn: number; linear: number; labels: number }> {
  const run = await loadRun(values.ssl, { linearProbe: true });
  const e = await embedRun(run).finally(() => run.method.dispose());
  const labels = run.splits.train.labels!;
  return (fraction, seed) => scope(() => {
    const idx = tensor(fraction < 1 ? balancedIndices(labels, { fraction }, seed) : Int32Array.from(labels, (_, i) => i), { dtype: 'int64' });
    const train = { embeddings: e.train.embeddings.indexSelect(0, idx), labels: e.train.labels.indexSelect(0, idx) };
    const r = evaluate(train, e.test, { ...evaluationOptions(run.config), linearProbe: true });
    return { knn: r.knn_top1, linear: r.linear_top1!, labels: idx.shape[0]! };
  });
}

/** Test top-1 and seconds of one fine-tuning run. */
async function fineTuned(name: string, from: string, init: 'run' | 'random', fraction: number, epochs: number, seed: number): Promise<{ top1: number; seconds: number }> {
  const t0 = performance.now();
  const c = resolveFinetuneConfig({ from, init, head: values.head, labelsFraction: fraction < 1 ? fraction : undefined, epochs, seed, out: join(values.out, name) });
  const r = await finetune(c, { progress: false, callbacks: [finetuneReportCallback()] });
  return { top1: r.evaluation!.top1, seconds: (performance.now() - t0) / 1000 };
}

/** One (row, seed): the probes and the three fine-tuning runs. */
interface Measured {
  fraction: number; seed: number; labels: number; epochs: number; knn: number; linear: number;
  finetuned: { top1: number; seconds: number }; scratch: { top1: number; seconds: number }; second: { top1: number; seconds: number } | null;
}

const probe = await probes();
const runs: Measured[] = [];
for (const { fraction, epochs } of rows) {
  for (const seed of seeds) {
    const tag = `${fraction * 100}pct-seed${seed}`;
    const p = probe(fraction, seed);
    const r: Measured = {
      fraction, seed, labels: p.labels, epochs, knn: p.knn, linear: p.linear,
      finetuned: await fineTuned(`${tag}-ssl`, values.ssl, 'run', fraction, epochs, seed),
      scratch: await fineTuned(`${tag}-scratch`, values.ssl, 'random', fraction, epochs, seed),
      second: values.second ? await fineTuned(`${tag}-second`, values.second, 'run', fraction, epochs, seed) : null,
    };
    runs.push(r);
    process.stderr.write(`${JSON.stringify(r)}\n`);
  }
}

if (values.json) {
  process.stdout.write(`${JSON.stringify({ ssl: values.ssl, second: values.second ?? null, head: values.head, seeds, runs })}\n`);
} else {
  /** Mean (± sample standard deviation over seeds) of `xs`, 4 decimals. */
  const stat = (xs: number[]): string => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : null;
    return `${m.toFixed(4)}${sd === null ? '' : ` ± ${sd.toFixed(4)}`}`;
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  process.stdout.write(`| labels | epochs | kNN on SSL features | linear probe | fine-tuned from ${values.ssl} | from scratch | gain (points) |${values.second ? ` fine-tuned from ${values.second} |` : ''}\n`);
  process.stdout.write(`|---|---|---|---|---|---|---|${values.second ? '---|' : ''}\n`);
  for (const { fraction, epochs } of rows) {
    const rs = runs.filter((r) => r.fraction === fraction);
    const gain = rs.map((r) => (r.finetuned.top1 - r.scratch.top1) * 100);
    process.stdout.write(`| ${fraction * 100}% (${rs[0]!.labels}) | ${epochs} | ${stat(rs.map((r) => r.knn))} | ${stat(rs.map((r) => r.linear))} | ${stat(rs.map((r) => r.finetuned.top1))} | ${
      stat(rs.map((r) => r.scratch.top1))} | ${mean(gain).toFixed(1)} (min ${Math.min(...gain).toFixed(1)}) |${values.second ? ` ${stat(rs.map((r) => r.second!.top1))} |` : ''}\n`);
  }
  process.stdout.write(`\nseeds ${seeds.join(', ')}; head ${values.head}; fine-tuning seconds per run (mean): ${rows.map(({ fraction }) => {
    const rs = runs.filter((r) => r.fraction === fraction);
    return `${fraction * 100}% ${Math.round(mean(rs.map((r) => r.finetuned.seconds)))} s`;
  }).join(', ')}\n`);
}
