// NT-Xent forward+backward, ours vs PyTorch, side by side in one run.
//
//   node dist/bench/ntxent.js [--batch 4096] [--dim 128] [--steps 5] [--threads N] [--lightly] [--json]
//                             [--device cpu|cuda] [--python PATH]
//
// "Batch 4096 x 128" means two views z1, z2 of 4,096 embeddings of 128 features each: the SimCLR
// form over 8,192 embeddings, an (8192, 8192) similarity matrix. PyTorch runs as a worker
// (bench/ntxent.py under /usr/bin/python3, the same ops on the same seeded inputs) and the two
// alternate step by step, so load from other processes hits both alike. After one warm-up step
// each, it reports median ms per step and ratio = PyTorch / ours (>= 1: as fast or faster).
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { getNumThreads, manualSeed, randn, scope, setNumThreads, type Tensor } from '../src/index.js';
import { NTXentLoss } from '../src/losses/index.js';
import { median } from './common.js';

interface Args {
  batch: number;
  dim: number;
  steps: number;
  threads: number;
  temperature: number;
  lightly: boolean;
  json: boolean;
  device: 'cpu' | 'cuda';
  /** The Python with torch for the worker: $TORCH_PYTHON, else Debian's /usr/bin/python3. */
  python: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    batch: 4096, dim: 128, steps: 5, threads: cpus().length, temperature: 0.5, lightly: false, json: false,
    device: 'cpu', python: process.env.TORCH_PYTHON ?? '/usr/bin/python3',
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!.replace(/^--/, '');
    if (k === 'lightly' || k === 'json') {
      a[k] = true;
      continue;
    }
    if (k === 'device') {
      const d = argv[++i];
      if (d !== 'cpu' && d !== 'cuda') throw new Error('ntxent bench: --device must be cpu or cuda');
      a.device = d;
      continue;
    }
    if (k === 'python') {
      a.python = argv[++i] ?? a.python;
      continue;
    }
    if (!(k in a)) throw new Error(`ntxent bench: unknown option --${k}`);
    const v = Number(argv[++i]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`ntxent bench: --${k} needs a positive number`);
    (a as unknown as Record<string, number>)[k] = v;
  }
  return a;
}


/** The PyTorch worker: one JSON line per command. */
function worker(a: Args): { ask: (cmd: string) => Promise<Record<string, unknown>>; close: () => void } {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'ntxent.py');
  const args = [script, '--batch', `${a.batch}`, '--dim', `${a.dim}`, '--temperature', `${a.temperature}`, '--threads', `${a.threads}`, '--device', a.device];
  const child = spawn(a.python, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await lines.next();
    if (r.done) throw new Error('ntxent bench: the PyTorch worker exited');
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  return {
    ask: async (cmd) => {
      if (cmd) child.stdin.write(`${cmd}\n`);
      return next();
    },
    close: () => child.stdin.end('quit\n'),
  };
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  setNumThreads(a.threads);
  const loss = new NTXentLoss({ temperature: a.temperature });
  manualSeed(0); // the worker seeds 0 too: both see the same z1, z2
  // Drawn on the CPU and moved, as the worker does, so both devices see the same numbers.
  const [z1, z2] = scope(() => [randn([a.batch, a.dim]).to(a.device), randn([a.batch, a.dim]).to(a.device)]) as [Tensor, Tensor];
  z1.requiresGrad_();
  z2.requiresGrad_();
  const oursStep = (): { ms: number; loss: number } => {
    const t0 = performance.now();
    const value = scope(() => {
      const l = loss.forward(z1, z2);
      l.backward();
      return l.item(); // waits for the device: the backward kernels ran before on the same stream
    });
    z1.grad = null;
    z2.grad = null;
    return { ms: performance.now() - t0, loss: value };
  };
  const py = worker(a);
  const hello = await py.ask('');
  const mine: number[] = [];
  const theirs: number[] = [];
  const lightly: number[] = [];
  let losses = [Number.NaN, Number.NaN];
  for (let i = 0; i <= a.steps; i++) {
    const o = oursStep();
    const t = await py.ask('ntxent');
    const l = a.lightly ? await py.ask('lightly') : null;
    if (i === 0) continue; // warm-up
    mine.push(o.ms);
    theirs.push(t.ms as number);
    if (l) lightly.push(l.ms as number);
    losses = [o.loss, t.loss as number];
    if (!a.json) process.stderr.write(`step ${i}/${a.steps}: ours ${o.ms.toFixed(1)} ms, PyTorch ${(t.ms as number).toFixed(1)} ms${l ? `, lightly form ${(l.ms as number).toFixed(1)} ms` : ''}\n`);
  }
  py.close();
  const result = {
    what: `NT-Xent forward+backward, two views of ${a.batch} x ${a.dim} (${2 * a.batch} embeddings), temperature ${a.temperature}, ${a.device}`,
    threads: getNumThreads(),
    torch: hello.torch,
    ours_ms: median(mine),
    pytorch_ms: median(theirs),
    ratio: median(theirs) / median(mine),
    ...(lightly.length ? { pytorch_lightly_form_ms: median(lightly) } : {}),
    loss_ours: losses[0],
    loss_pytorch: losses[1],
    samples: { ours: mine.map((x) => +x.toFixed(1)), pytorch: theirs.map((x) => +x.toFixed(1)) },
  };
  z1.dispose();
  z2.dispose();
  if (a.json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(result.what);
  console.log(`ours     ${result.ours_ms.toFixed(1)} ms/step (median of ${mine.length})`);
  console.log(`PyTorch  ${result.pytorch_ms.toFixed(1)} ms/step (median of ${theirs.length}, torch ${String(hello.torch)}, ${a.threads} threads)`);
  if (lightly.length) console.log(`PyTorch, lightly's formulation  ${median(lightly).toFixed(1)} ms/step`);
  console.log(`ratio (PyTorch / ours) ${result.ratio.toFixed(3)}   loss ours ${losses[0]!.toFixed(6)}, PyTorch ${losses[1]!.toFixed(6)}`);
}

await main();
