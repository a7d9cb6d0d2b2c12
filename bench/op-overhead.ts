// Op-call overhead: microseconds per call of a tiny `add` (2x2 float32) here, against PyTorch's
// Python call of the same op (bench/op_overhead.py), in one run. Prints one JSON object.
// The Python is Debian's /usr/bin/python3 unless TORCH_PYTHON names another.
//   node dist/bench/op-overhead.js
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getNumThreads, libtorchVersion, ones, scope } from '../src/index.js';

const calls = 200_000;
const a = ones([2, 2]);
const b = ones([2, 2]);

/** Best of 5 rounds, microseconds per call. */
function best(body: () => void): number {
  let min = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    body();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e3 / calls);
  }
  return min;
}

// As a training loop runs ops: results freed when their scope (here, of 1,000 calls) ends.
const scoped = best(() => {
  for (let k = 0; k < calls / 1000; k++) scope(() => { for (let i = 0; i < 1000; i++) a.add(b); });
});
// Freed at once, as Python's reference counting frees an unused result.
const disposed = best(() => {
  for (let i = 0; i < calls; i++) a.add(b).dispose();
});

const script = fileURLToPath(new URL('../../bench/op_overhead.py', import.meta.url));
const torch = JSON.parse(execFileSync(process.env.TORCH_PYTHON ?? '/usr/bin/python3', [script, String(getNumThreads())]).toString()) as {
  us_per_call: number; torch: string;
};
console.log(JSON.stringify({
  op: 'add 2x2 float32',
  contrastive_us_per_call_scoped: +scoped.toFixed(3),
  contrastive_us_per_call_disposed: +disposed.toFixed(3),
  pytorch_us_per_call: +torch.us_per_call.toFixed(3),
  ratio_pytorch_over_ours_scoped: +(torch.us_per_call / scoped).toFixed(3),
  ratio_pytorch_over_ours_disposed: +(torch.us_per_call / disposed).toFixed(3),
  libtorch: libtorchVersion(),
  pytorch: torch.torch,
  threads: getNumThreads(),
}));
