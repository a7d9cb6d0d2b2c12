// The recurrent-encoder benchmark: GRU and LSTM forward + backward here (the library's `gru` /
// `lstm` encoder) and in PyTorch (bench/rnn.py: torch.nn.GRU/LSTM), in the same run,
// alternating, on the same sizes: batch 256, 28 steps x 28 features (Fashion-MNIST read row by
// row), hidden 256, fp32, all cores. Prints sequences ("images") per second for both and
// ratio = ours / PyTorch; both sides draw the same weights and inputs from seed 0, so their
// losses agree.
//
//   flock /tmp/contrastive-bench.lock node dist/bench/rnn.js [--rounds 3] [--steps 20] [--configs gru,lstm,gru-packed,lstm-packed] [--json]
//
// Each process runs one configuration (`--side ours` is this file's own worker), so its peak RSS
// is that configuration's. The machine's load average is recorded around every run.
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GRUEncoder, LSTMEncoder } from '../src/nn/index.js';
import { arg, median, runSide } from './common.js';
import { getNumThreads, libtorchVersion, manualSeed, randn, scope, setNumThreads, tensor } from '../src/tensor/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One side's result (bench/rnn.py prints the same keys). */
interface Run {
  engine: string;
  mode: 'gru' | 'lstm';
  packed: boolean;
  images_per_second: number;
  ms_per_step: number;
  cpu_ms_per_step: number;
  peak_rss_mb: number;
  threads: number;
  loss: number;
}

const sizes = {
  batch: Number(arg('batch-size', '256')),
  t: Number(arg('steps-per-sequence', '28')),
  c: Number(arg('features', '28')),
  hidden: Number(arg('hidden', '256')),
  steps: Number(arg('steps', '20')),
  warmup: Number(arg('warmup', '3')),
  threads: Number(arg('threads', String(availableParallelism()))),
};

/** This side: the encoder's forward ('last': h_n), loss = sum, backward, gradients set to None; as bench/rnn.py. */
function ours(mode: 'gru' | 'lstm', packed: boolean): Run {
  setNumThreads(sizes.threads);
  manualSeed(0);
  const Enc = mode === 'gru' ? GRUEncoder : LSTMEncoder;
  const m = new Enc({ inputSize: sizes.c, hiddenSize: sizes.hidden });
  const x = randn([sizes.batch, sizes.t, sizes.c]);
  const t = sizes.t;
  const lengths = packed ? tensor(BigInt64Array.from({ length: sizes.batch }, (_, i) => BigInt(t - (i % (t - Math.floor(t / 2) + 1))))) : null;
  const step = (): number => scope(() => {
    const loss = m.forward(x, lengths).sum();
    loss.backward();
    m.zeroGrad();
    return loss.item();
  });
  for (let i = 0; i < sizes.warmup; i++) step();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let loss = 0;
  for (let i = 0; i < sizes.steps; i++) loss = step();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return {
    engine: `contrastive (libtorch ${libtorchVersion()})`,
    mode,
    packed,
    images_per_second: (sizes.batch * sizes.steps) / seconds,
    ms_per_step: (1000 * seconds) / sizes.steps,
    cpu_ms_per_step: (cpu.user + cpu.system) / 1000 / sizes.steps,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    threads: getNumThreads(),
    loss,
  };
}

/** A side's result with the machine's load before and after it. */
type Measured = Run & { load_before: number; load_after: number };

/** One side in its own process. */
function spawnSide(engine: 'ours' | 'pytorch', mode: 'gru' | 'lstm', packed: boolean): Measured {
  const flags = [
    '--mode', mode, '--batch-size', `${sizes.batch}`, '--steps-per-sequence', `${sizes.t}`, '--features', `${sizes.c}`,
    '--hidden', `${sizes.hidden}`, '--steps', `${sizes.steps}`, '--warmup', `${sizes.warmup}`, '--threads', `${sizes.threads}`,
    ...(packed ? ['--packed'] : []), '--json',
  ];
  return engine === 'ours'
    ? runSide<Run>(process.execPath, [fileURLToPath(import.meta.url), '--side', 'ours', ...flags])
    : runSide<Run>(process.env.TORCH_PYTHON ?? '/usr/bin/python3', [join(root, 'bench/rnn.py'), ...flags]);
}

if (arg('side', '') === 'ours') {
  const mode = arg('mode', 'gru');
  if (mode !== 'gru' && mode !== 'lstm') throw new Error(`bench/rnn: --mode must be gru or lstm, got ${mode}`);
  process.stdout.write(`${JSON.stringify(ours(mode, process.argv.includes('--packed')))}\n`);
} else {
  const rounds = Number(arg('rounds', '3'));
  const configs = arg('configs', 'gru,lstm').split(',');
  const json = process.argv.includes('--json');
  const report: Record<string, unknown>[] = [];
  for (const c of configs) {
    const [mode, variant] = c.split('-') as ['gru' | 'lstm', string | undefined];
    if ((mode !== 'gru' && mode !== 'lstm') || (variant !== undefined && variant !== 'packed')) {
      throw new Error(`bench/rnn: unknown config '${c}' (gru, lstm, gru-packed, lstm-packed)`);
    }
    const packed = variant === 'packed';
    const mine: Measured[] = [];
    const theirs: Measured[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which side goes first, so a drift in machine load does not favour one side.
      const pair = r % 2 === 0 ? ['ours', 'pytorch'] as const : ['pytorch', 'ours'] as const;
      for (const side of pair) (side === 'ours' ? mine : theirs).push(spawnSide(side, mode, packed));
      const [a, b] = [mine.at(-1)!, theirs.at(-1)!];
      process.stderr.write(`${c} round ${r + 1}: ours ${a.images_per_second.toFixed(1)}/s (${a.ms_per_step.toFixed(1)} ms/step, loss ${a.loss.toFixed(4)}), `
        + `pytorch ${b.images_per_second.toFixed(1)}/s (${b.ms_per_step.toFixed(1)} ms/step, loss ${b.loss.toFixed(4)}), load ${a.load_before}-${b.load_after}\n`);
    }
    const o = median(mine.map((x) => x.images_per_second));
    const t = median(theirs.map((x) => x.images_per_second));
    report.push({
      config: c,
      ours_images_per_second: o,
      pytorch_images_per_second: t,
      ratio: o / t,
      ours_ms_per_step: median(mine.map((x) => x.ms_per_step)),
      pytorch_ms_per_step: median(theirs.map((x) => x.ms_per_step)),
      ours_cpu_ms_per_step: median(mine.map((x) => x.cpu_ms_per_step)),
      pytorch_cpu_ms_per_step: median(theirs.map((x) => x.cpu_ms_per_step)),
      ours_peak_rss_mb: Math.max(...mine.map((x) => x.peak_rss_mb)),
      pytorch_peak_rss_mb: Math.max(...theirs.map((x) => x.peak_rss_mb)),
      loss: [mine[0]!.loss, theirs[0]!.loss],
      threads: [mine[0]!.threads, theirs[0]!.threads],
      load: [Math.min(...[...mine, ...theirs].map((x) => x.load_before)), Math.max(...[...mine, ...theirs].map((x) => x.load_after))],
      rounds: { ours: mine.map((x) => x.images_per_second), pytorch: theirs.map((x) => x.images_per_second) },
    });
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...sizes, results: report })}\n`);
  } else {
    process.stdout.write(`GRU/LSTM forward + backward, batch ${sizes.batch}, ${sizes.t} steps x ${sizes.c} features, hidden ${sizes.hidden}, fp32, ${sizes.threads} threads; `
      + `${sizes.steps} steps after ${sizes.warmup} warm-up, median of ${rounds} round(s)\n`);
    process.stdout.write('config        ours seq/s  pytorch seq/s  ratio   ms/step ours  pytorch   cpu ms/step ours  pytorch   RSS MB ours  pytorch  load (1-min)\n');
    for (const r of report) {
      const f = (x: unknown, d = 1): string => (x as number).toFixed(d);
      const l = r.load as number[];
      process.stdout.write(`${String(r.config).padEnd(12)} ${f(r.ours_images_per_second).padStart(11)} ${f(r.pytorch_images_per_second).padStart(14)} ${f(r.ratio, 3).padStart(6)} `
        + `${f(r.ours_ms_per_step).padStart(13)} ${f(r.pytorch_ms_per_step).padStart(8)} ${f(r.ours_cpu_ms_per_step).padStart(18)} ${f(r.pytorch_cpu_ms_per_step).padStart(8)} `
        + `${f(r.ours_peak_rss_mb, 0).padStart(12)} ${f(r.pytorch_peak_rss_mb, 0).padStart(8)}  ${l[0]!.toFixed(2)}-${l[1]!.toFixed(2)}\n`);
    }
  }
}
