// Data-parallel throughput on this machine, side by side in one run: `train --nproc 2` with one
// thread per worker against one process with two threads (the same global batch and work), and
// one process with one thread on one rank's share, the compute alone, which gives the
// communication share of the distributed step. Usage:
//   node dist/bench/distributed.js [--rounds 2] [--batch-size 256] [--train-limit 4096] [--method simclr]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, median, runSide } from './common.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const rounds = Number(arg('rounds', '2'));
const batch = Number(arg('batch-size', '256'));
const common = ['train', '--method', arg('method', 'simclr'), '--epochs', '2', '--train-limit', arg('train-limit', '4096'), '--test-limit', '512', '--no-progress', '--json'];

interface Result { epochs: { images_per_second: number }[] }
/** Images per second of the second epoch (the first warms up), global. */
function side(name: string, extra: string[], threads: number): number {
  const out = join(mkdtempSync(join(tmpdir(), `bench-ddp-${name}-`)), 'run');
  const r = runSide<Result>(process.execPath, [CLI, ...common, '--out', out, ...extra], { OMP_NUM_THREADS: String(threads) });
  return r.epochs[1]!.images_per_second;
}

const rows: Record<string, number[]> = { ddp: [], single: [], share: [] };
for (let i = 0; i < rounds; i++) {
  rows.single!.push(side('single', ['--batch-size', String(batch)], 2));
  rows.ddp!.push(side('ddp', ['--batch-size', String(batch), '--nproc', '2'], 1));
  rows.share!.push(side('share', ['--batch-size', String(batch / 2)], 1));
}
const [ddp, single, share] = [median(rows.ddp!), median(rows.single!), median(rows.share!)];
// One rank's step on its B/2 images takes (B/2) / share seconds alone; the distributed step takes B / ddp.
const communication = 1 - (batch / 2 / share) / (batch / ddp);
console.log(JSON.stringify({
  batch_size: batch, rounds,
  nproc2_1thread_images_per_second: Math.round(ddp), single_2threads_images_per_second: Math.round(single),
  ratio_nproc2_to_single: Number((ddp / single).toFixed(3)),
  one_rank_share_alone_images_per_second: Math.round(share),
  communication_share_of_step: Number(communication.toFixed(3)),
  runs: rows,
}, null, 1));
