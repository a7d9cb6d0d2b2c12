// Data parallelism equals one process on the global batch: 2 ranks over loopback with Gloo against
// 1 process, 3 SGD steps, fp32, SyncBatchNorm; the methods, and a metric loss through DistributedLoss.
// Then the trainer's own distributed loop, whose live tensors stay flat. And the same without the gather (or without a
// correct backward, or without SyncBatchNorm) differs: the tests see the bugs the anchors had.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { c10dBackends } from '../../src/tensor/index.js';
import type { WorkerCase, WorkerOutput, WorkerResult, WorkerSpec } from './worker.js';
import { freePort } from '../../src/distributed/index.js';
import { runNode } from './helpers.js';

const WORKER = new URL('./worker.js', import.meta.url).pathname;

const CASES: (WorkerCase & { expect: 'equal' | 'differ' })[] = [
  ...(['simclr', 'supcon', 'moco', 'nnclr', 'byol', 'barlowtwins', 'triplet'] as const).map((method) => ({ method, gather: 'recipe', syncBatchNorm: true, expect: 'equal' } as const)),
  { method: 'simclr', gather: 'none', syncBatchNorm: true, expect: 'differ' }, // local negatives only
  { method: 'simclr', gather: 'local-backward', syncBatchNorm: true, expect: 'differ' }, // gradient scaled by 1 / W
  { method: 'supcon', gather: 'none', syncBatchNorm: true, expect: 'differ' },
  { method: 'moco', gather: 'none', syncBatchNorm: true, expect: 'differ' }, // each rank's queue its own keys
  { method: 'nnclr', gather: 'none', syncBatchNorm: true, expect: 'differ' },
  { method: 'byol', gather: 'recipe', syncBatchNorm: false, expect: 'differ' }, // per-rank BatchNorm statistics
  { method: 'triplet', gather: 'none', syncBatchNorm: true, expect: 'differ' }, // the miner sees the local batch only
];

/** Largest |a - b| over every tensor of a case (both must have the same keys and sizes). */
function maxDiff(a: WorkerResult[number]['state'], b: WorkerResult[number]['state']): number {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  let m = 0;
  for (const [k, v] of Object.entries(a)) {
    assert.equal(v.length, b[k]!.length, k);
    v.forEach((x, i) => { m = Math.max(m, Math.abs(x - b[k]![i]!)); });
  }
  return m;
}

test('2 Gloo ranks equal 1 process after 3 steps (within 1e-5), and differ without the gather, its backward or SyncBatchNorm', { skip: c10dBackends().includes('gloo') ? false : 'no c10d in this build', timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ddp-eq-'));
  const cases = CASES.map(({ expect: _, ...c }) => c);
  const port = await freePort();
  const spec = (rank: number, world: number): WorkerSpec => ({
    cases, rank, world, port, out: join(dir, `${world}-${rank}.json`), ...(world > 1 ? { trainOut: join(dir, 'run') } : {}),
  });
  const env = (s: WorkerSpec) => ({ CONTRASTIVE_TEST_WORKER: JSON.stringify(s) });
  await runNode([WORKER], { env: env(spec(0, 1)) });
  await Promise.all([0, 1].map((rank) => runNode([WORKER], { env: env(spec(rank, 2)) })));
  const outputs = ['1-0', '2-0', '2-1'].map((f) => JSON.parse(readFileSync(join(dir, `${f}.json`), 'utf8')) as WorkerOutput);
  const [ref, r0, r1] = outputs.map((o) => o.cases) as [WorkerResult, WorkerResult, WorkerResult];
  CASES.forEach((c, i) => {
    const name = `${c.method} (gather ${c.gather}${c.syncBatchNorm ? ', SyncBatchNorm' : ''})`;
    assert.equal(maxDiff(r0![i]!.state, r1![i]!.state) <= 1e-6 || c.gather === 'none', true, `${name}: the ranks' parameters agree`);
    const d = maxDiff(ref![i]!.state, r0![i]!.state);
    t.diagnostic(`${name}: max |2 ranks - 1 process| ${d.toExponential(2)} (${c.expect})`);
    if (c.expect === 'equal') assert.ok(d <= 1e-5, `${name}: max |2 ranks - 1 process| = ${d}`);
    else assert.ok(d > 1e-3, `${name}: should differ from 1 process, max diff ${d}`);
    if (c.method === 'moco' || c.method === 'nnclr') assert.ok(Object.keys(r0![i]!.state).some((k) => /^(queue|supportSet)\./.test(k)), `${name}: the memory bank is compared`);
    const counts = r0![i]!.counts;
    assert.equal(counts[2], counts[1], `${name}: live tensors flat across steps (${counts.join(', ')})`);
  });
  // train() as 2 ranks: flat per step on rank 0 (the callbacks run there), and nothing left on either rank.
  const [, main, other] = outputs.map((o) => o.train);
  assert.ok(main!.counts.length > 5 && main!.counts.every((n) => n === main!.counts[0]), `train() on rank 0: live tensors per step ${main!.counts.join(', ')}`);
  assert.equal(main!.leaked, 0, 'train() on rank 0 frees everything it made');
  assert.equal(other!.leaked, 0, 'train() on rank 1 frees everything it made');
});
