// The parity benchmark: one SimCLR training step here (`contrastive bench step`) and in
// PyTorch (bench/step.py), in the same run, alternating, for fp32, bf16 autocast and
// channels-last. Prints ratio = ours images/s / PyTorch images/s and both peak RSS.
//
//   flock /tmp/contrastive-bench.lock node dist/bench/step.js [--rounds 2] [--json]
//
// (bench/step.sh builds first and takes the lock.) Each process runs one configuration, so
// its peak RSS is that configuration's. The machine's load average is recorded around every
// run: other processes on the cores skew both sides.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchStepResult } from '../src/cli/bench-step.js';
import { arg, median, runSide } from './common.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One side's `bench step` JSON (both sides print the same fields), with the machine load around it. */
type Run = Pick<BenchStepResult, 'images_per_second' | 'ms_per_step' | 'cpu_ms_per_step' | 'sys_ms_per_step' | 'minor_faults_per_step' | 'peak_rss_mb' | 'threads' | 'loss_first' | 'loss_last'> & {
  load_before: number;
  load_after: number;
};

function run(engine: 'contrastive' | 'pytorch', flags: string[]): Run {
  return engine === 'contrastive'
    ? runSide<Run>(process.execPath, [join(root, 'dist/src/cli/main.js'), 'bench', 'step', ...flags, '--json'])
    : runSide<Run>('/usr/bin/python3', [join(root, 'bench/step.py'), ...flags, '--json']);
}

const encoder = arg('encoder', 'resnet18-cifar');
const batch = arg('batch-size', '64');
const steps = arg('steps', '20');
const warmup = arg('warmup', '3');
const rounds = Number(arg('rounds', '1'));
const configs = arg('configs', 'fp32,bf16,channels-last').split(',');
const json = process.argv.includes('--json');
const base = ['--encoder', encoder, '--batch-size', batch, '--steps', steps, '--warmup', warmup];
const extra: Record<string, string[]> = { fp32: [], bf16: ['--bf16'], 'channels-last': ['--channels-last'], 'bf16+channels-last': ['--bf16', '--channels-last'] };

const report: Record<string, unknown>[] = [];
for (const c of configs) {
  if (!extra[c]) throw new Error(`bench/step: unknown config '${c}' (${Object.keys(extra).join(', ')})`);
  const ours: Run[] = [];
  const torch: Run[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so a drift in machine load does not favour one side.
    if (r % 2 === 0) {
      ours.push(run('contrastive', [...base, ...extra[c]!]));
      torch.push(run('pytorch', [...base, ...extra[c]!]));
    } else {
      torch.push(run('pytorch', [...base, ...extra[c]!]));
      ours.push(run('contrastive', [...base, ...extra[c]!]));
    }
    const [a, b] = [ours.at(-1)!, torch.at(-1)!];
    process.stderr.write(`${c} round ${r + 1}: ours ${a.images_per_second.toFixed(2)} img/s (cpu ${a.cpu_ms_per_step.toFixed(0)} ms/step), `
      + `pytorch ${b.images_per_second.toFixed(2)} img/s (cpu ${b.cpu_ms_per_step.toFixed(0)} ms/step), load ${a.load_before}-${b.load_after}\n`);
  }
  const o = median(ours.map((x) => x.images_per_second));
  const t = median(torch.map((x) => x.images_per_second));
  // Best of the rounds: the run least disturbed by other processes, on each side.
  const ob = Math.max(...ours.map((x) => x.images_per_second));
  const tb = Math.max(...torch.map((x) => x.images_per_second));
  const oc = median(ours.map((x) => x.cpu_ms_per_step));
  const tc = median(torch.map((x) => x.cpu_ms_per_step));
  const or = Math.max(...ours.map((x) => x.peak_rss_mb));
  const tr = Math.max(...torch.map((x) => x.peak_rss_mb));
  report.push({
    config: c,
    ours_images_per_second: o,
    pytorch_images_per_second: t,
    ratio: o / t,
    ours_best_images_per_second: ob,
    pytorch_best_images_per_second: tb,
    ratio_best: ob / tb,
    ours_cpu_ms_per_step: oc,
    pytorch_cpu_ms_per_step: tc,
    // CPU time per step (all threads): the work done, less sensitive to other load than wall time.
    cpu_ratio: tc / oc,
    ours_sys_ms_per_step: median(ours.map((x) => x.sys_ms_per_step)),
    pytorch_sys_ms_per_step: median(torch.map((x) => x.sys_ms_per_step)),
    ours_peak_rss_mb: or,
    pytorch_peak_rss_mb: tr,
    rss_ratio: or / tr,
    threads: [ours[0]!.threads, torch[0]!.threads],
    load: [Math.min(...[...ours, ...torch].map((x) => x.load_before)), Math.max(...[...ours, ...torch].map((x) => x.load_after))],
    rounds: { ours: ours.map((x) => x.images_per_second), pytorch: torch.map((x) => x.images_per_second) },
  });
}

if (json) {
  process.stdout.write(`${JSON.stringify({ encoder, batch_size: Number(batch), steps: Number(steps), results: report })}\n`);
} else {
  process.stdout.write(`SimCLR step, ${encoder}, batch ${batch} (two views), ${steps} steps after ${warmup} warm-up; median of ${rounds} round(s)\n`);
  process.stdout.write('ratio = ours images/s / PyTorch images/s (wall clock, medians; best = best round of each side); cpu ratio = PyTorch CPU ms per step / ours (> 1: ours does less work)\n');
  process.stdout.write('config               ours img/s  pytorch img/s  ratio  ratio best   cpu ms/step ours  pytorch  cpu ratio   ours RSS MB  pytorch RSS MB  RSS ratio  load (1-min)\n');
  for (const r of report) {
    const f = (x: unknown, d = 2): string => (x as number).toFixed(d);
    const load = r.load as number[];
    process.stdout.write(`${String(r.config).padEnd(20)} ${f(r.ours_images_per_second).padStart(11)} ${f(r.pytorch_images_per_second).padStart(14)} ${f(r.ratio, 3).padStart(6)} ${f(r.ratio_best, 3).padStart(10)} ${f(r.ours_cpu_ms_per_step, 0).padStart(17)} ${f(r.pytorch_cpu_ms_per_step, 0).padStart(8)} ${f(r.cpu_ratio, 3).padStart(10)} ${f(r.ours_peak_rss_mb, 0).padStart(13)} ${f(r.pytorch_peak_rss_mb, 0).padStart(15)} ${f(r.rss_ratio, 3).padStart(10)}  ${load[0]!.toFixed(2)}-${load[1]!.toFixed(2)}\n`);
  }
}
