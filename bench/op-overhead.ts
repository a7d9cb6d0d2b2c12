// Op-call overhead: microseconds per call of a tiny `add` (2x2 float32) here, against PyTorch's
// Python call of the same op (bench/op_overhead.py), in one run; also a 3-tensor op (`where`)
// and an in-place op (`add_`). The two sides' rounds interleave (ours, then Python's, five times
// per case), so both see the same load on a shared machine; each figure is its best round.
// Prints one JSON object. The Python is Debian's /usr/bin/python3 unless TORCH_PYTHON names another.
//   node dist/bench/op-overhead.js
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { getNumThreads, libtorchVersion, ones, scope, where, zeros } from '../src/index.js';

const calls = 200_000;
const rounds = 5;
const a = ones([2, 2]);
const b = ones([2, 2]);
const c = ones([2, 2]).gt(0);
const x = zeros([2, 2]);

/** One round, microseconds per call. */
function time(body: () => void): number {
  const t0 = process.hrtime.bigint();
  body();
  return Number(process.hrtime.bigint() - t0) / 1e3 / calls;
}

const ours = {
  // As a training loop runs ops: results freed when their scope (here, of 1,000 calls) ends.
  scoped: () => { for (let k = 0; k < calls / 1000; k++) scope(() => { for (let i = 0; i < 1000; i++) a.add(b); }); },
  // Freed at once, as Python's reference counting frees an unused result.
  disposed: () => { for (let i = 0; i < calls; i++) a.add(b).dispose(); },
  // Three tensor arguments, scoped as above.
  where: () => { for (let k = 0; k < calls / 1000; k++) scope(() => { for (let i = 0; i < 1000; i++) where(c, a, b); }); },
  // In place: no result tensor at all.
  add_: () => { for (let i = 0; i < calls; i++) x.add_(b); },
};
// The Python case each of ours is compared with.
const theirs: Record<keyof typeof ours, string> = { scoped: 'add', disposed: 'add', where: 'where', add_: 'add_' };

const script = fileURLToPath(new URL('../../bench/op_overhead.py', import.meta.url));
const py = spawn(process.env.TORCH_PYTHON ?? '/usr/bin/python3', [script, String(getNumThreads())], { stdio: ['pipe', 'pipe', 'inherit'] });
const replies = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
async function ask<T>(cmd: string): Promise<T> {
  py.stdin.write(`${cmd}\n`);
  const { value, done } = await replies.next();
  if (done) throw new Error(`bench/op_overhead.py ended before answering '${cmd}'`);
  return JSON.parse(value as string) as T;
}

const info = await ask<{ torch: string; threads: number }>('info');
const best = { ours: {} as Record<string, number>, theirs: {} as Record<string, number> };
for (let r = 0; r < rounds; r++) {
  for (const [name, body] of Object.entries(ours) as [keyof typeof ours, () => void][]) {
    best.ours[name] = Math.min(best.ours[name] ?? Infinity, time(body));
    const t = theirs[name];
    const { us_per_call } = await ask<{ us_per_call: number }>(t);
    best.theirs[name] = Math.min(best.theirs[name] ?? Infinity, us_per_call);
  }
}
py.stdin.end();

const f = (v: number): number => +v.toFixed(3);
const ratio = (name: keyof typeof ours): number => f(best.theirs[name]! / best.ours[name]!);
console.log(JSON.stringify({
  op: 'add 2x2 float32',
  contrastive_us_per_call_scoped: f(best.ours.scoped!),
  contrastive_us_per_call_disposed: f(best.ours.disposed!),
  pytorch_us_per_call: f(Math.min(best.theirs.scoped!, best.theirs.disposed!)),
  ratio_pytorch_over_ours_scoped: f(Math.min(best.theirs.scoped!, best.theirs.disposed!) / best.ours.scoped!),
  ratio_pytorch_over_ours_disposed: f(Math.min(best.theirs.scoped!, best.theirs.disposed!) / best.ours.disposed!),
  where: { contrastive_us_per_call_scoped: f(best.ours.where!), pytorch_us_per_call: f(best.theirs.where!), ratio_pytorch_over_ours: ratio('where') },
  add_: { contrastive_us_per_call: f(best.ours.add_!), pytorch_us_per_call: f(best.theirs.add_!), ratio_pytorch_over_ours: ratio('add_') },
  libtorch: libtorchVersion(),
  pytorch: info.torch,
  threads: getNumThreads(),
}));
