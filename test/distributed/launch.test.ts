// `contrastive train --nproc 2`: a worker SIGKILLed mid-epoch stops the job with its rank named,
// Ctrl-C stops both ranks after the same step with one checkpoint, and --resume finishes the run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readMetrics } from '../../src/run/index.js';
import { c10dBackends } from '../../src/tensor/index.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const ARGS = ['train', '--nproc', '2', '--epochs', '2', '--train-limit', '1024', '--test-limit', '128', '--batch-size', '64', '--no-progress'];

/** Starts the launcher; `until` is polled every 100 ms and `then` runs once it holds; seconds from the start and from then to the exit. */
function start(args: string[], until: (output: string) => boolean, then: (pid: number) => void): Promise<{ code: number | null; output: string; seconds: number; afterFired: number }> {
  const t0 = performance.now();
  let firedAt = Number.NaN;
  const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, OMP_NUM_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  p.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  let fired = false;
  const timer = setInterval(() => {
    if (!fired && until(output)) {
      fired = true;
      firedAt = performance.now();
      then(p.pid!);
    }
  }, 100);
  return new Promise((resolve) => p.on('exit', (code) => {
    clearInterval(timer);
    const now = performance.now();
    resolve({ code, output, seconds: (now - t0) / 1000, afterFired: (now - firedAt) / 1000 });
  }));
}

/** The pid of the launcher's worker with RANK=rank. */
function workerPid(launcher: number, rank: number): number {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== launcher) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`RANK=${rank}`)) return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no worker of rank ${rank} under pid ${launcher}`);
}

test('a SIGKILLed worker stops the job naming its rank; Ctrl-C stops both ranks after one step; --resume finishes', { skip: c10dBackends().includes('gloo') ? false : 'no c10d in this build', timeout: 240_000 }, async (t) => {
  const out = join(mkdtempSync(join(tmpdir(), 'ddp-fault-')), 'run');
  const checkpoint = join(out, 'checkpoint', 'last.safetensors');
  const metrics = join(out, 'metrics.jsonl');

  // 1. rank 1 dies mid-epoch 2: 150 ms after epoch 1's checkpoint (an epoch of 16 steps takes about a second).
  const killed = await start([...ARGS, '--out', out], () => existsSync(checkpoint), (pid) => {
    setTimeout(() => process.kill(workerPid(pid, 1), 'SIGKILL'), 150);
  });
  assert.notEqual(killed.code, 0, killed.output);
  assert.match(killed.output, /worker rank 1 \(pid \d+\) was killed by SIGKILL/);
  assert.ok(killed.seconds < 90, `the job ended ${killed.seconds.toFixed(1)} s after it started`);
  t.diagnostic(`SIGKILL of rank 1: the job exited with code ${killed.code} ${(killed.afterFired - 0.15).toFixed(2)} s after the kill`);
  assert.equal(readMetrics(metrics).length, 1);

  // 2. Ctrl-C (SIGINT to the launcher) during the resumed epoch 2: both ranks stop after the same step.
  const interrupted = await start([...ARGS, '--out', out, '--resume'], (output) => /resuming/.test(output), (pid) => process.kill(pid, 'SIGINT'));
  assert.equal(interrupted.code, 0, interrupted.output);
  assert.match(interrupted.output, /SIGINT: finishing the current step/);
  assert.doesNotMatch(interrupted.output, /Error|exited with code/);

  // 3. --resume finishes the run; rank 0 alone wrote it.
  const done = await start([...ARGS, '--out', out, '--resume', '--json'], () => false, () => undefined);
  assert.equal(done.code, 0, done.output);
  assert.match(done.output, /resuming .* at epoch 2, step [1-9]/, 'the interruption checkpointed mid-epoch');
  assert.equal(readMetrics(metrics).length, 2);
  const result = JSON.parse(done.output.split('\n').find((l) => l.startsWith('{'))!) as { status: string };
  assert.equal(result.status, 'completed');
  assert.ok(existsSync(join(out, 'eval.json')) && existsSync(join(out, 'report.html')));
});
