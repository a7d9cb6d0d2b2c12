// The launcher of `contrastive train --nproc N` (torchrun's role): N local workers, each told its
// place by torchrun's variables; a lost worker stops the job with its rank named.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { DEFAULT_MASTER } from './process-group.js';

export interface LaunchOptions {
  /** The worker command: `process.execPath` runs `args` (a script and its arguments). */
  args: readonly string[];
  /** Workers on this machine. */
  nproc: number;
  /** Machines in the job (default 1); each runs its own launcher with its `nodeRank`. */
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  /** Rank 0's port; default a free one on one machine (torchrun --standalone's), else 29500. */
  masterPort?: number;
  /** Seconds the other workers get to stop after one failed, before SIGKILL. Default 10. */
  graceSeconds?: number;
  /** Where the workers' lines go (default stderr); a worker's besides local rank 0's are prefixed "[rank R]". */
  write?: (line: string) => void;
}

/** How the job ended: 0 when every worker exited 0, else the first failure's code (1 for a signal), with its line. */
export interface LaunchResult {
  code: number;
  failure: string | null;
}

function positive(name: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`launch: ${name} must be a positive integer, got ${String(v)}`);
  return n;
}

/**
 * Starts `nproc` workers with RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and
 * MASTER_PORT (and OMP_NUM_THREADS: the cores shared out, unless set), as `torchrun` does. Each
 * worker runs in its own process group, so the launcher alone gets a terminal's Ctrl-C and passes
 * it on once: the workers stop after the same step and rank 0 checkpoints. When a worker exits
 * non-zero or is killed, the others are stopped (SIGTERM, then SIGKILL after `graceSeconds`) and
 * the result names the lost rank.
 */
export async function launch(o: LaunchOptions): Promise<LaunchResult> {
  const nproc = positive('nproc', o.nproc, 1);
  const nnodes = positive('nnodes', o.nnodes, 1);
  const nodeRank = o.nodeRank ?? 0;
  if (!Number.isInteger(nodeRank) || nodeRank < 0 || nodeRank >= nnodes) throw new RangeError(`launch: nodeRank must be an integer in [0, ${nnodes}), got ${String(o.nodeRank)}`);
  const port = o.masterPort ?? (nnodes === 1 ? await freePort() : DEFAULT_MASTER.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`launch: masterPort must be a port number, got ${String(o.masterPort)}`);
  const write = o.write ?? ((line: string) => process.stderr.write(line));
  const threads = Math.max(1, Math.floor(availableParallelism() / nproc));
  const workers: ChildProcess[] = [];
  return new Promise((resolve) => {
    // Every failure, then the one to name: a worker killed by a signal (the others fail after it, on the lost peer), else the first.
    const failures: { code: number; line: string; killed: boolean }[] = [];
    let left = nproc;
    let killTimer: NodeJS.Timeout | null = null;
    const alive = (w: ChildProcess): boolean => w.exitCode === null && w.signalCode === null;
    const stoppedByUs = new Set<ChildProcess>();
    const stop = (w: ChildProcess, signal: NodeJS.Signals): void => {
      stoppedByUs.add(w);
      w.kill(signal);
    };
    const stopOthers = (): void => {
      for (const w of workers) if (alive(w)) stop(w, 'SIGTERM');
      killTimer = setTimeout(() => { for (const w of workers) if (alive(w)) stop(w, 'SIGKILL'); }, (o.graceSeconds ?? 10) * 1000);
      killTimer.unref();
    };
    const onSigint = (): void => { for (const w of workers) if (alive(w)) w.kill('SIGINT'); };
    process.on('SIGINT', onSigint);
    for (let local = 0; local < nproc; local++) {
      const rank = nodeRank * nproc + local;
      const env = {
        ...process.env, RANK: String(rank), LOCAL_RANK: String(local), WORLD_SIZE: String(nproc * nnodes), LOCAL_WORLD_SIZE: String(nproc),
        MASTER_ADDR: o.masterAddr ?? DEFAULT_MASTER.addr, MASTER_PORT: String(port), OMP_NUM_THREADS: process.env['OMP_NUM_THREADS'] ?? String(threads),
      };
      const w = spawn(process.execPath, [...o.args], { env, detached: true, stdio: ['ignore', 'inherit', local === 0 ? 'inherit' : 'pipe'] });
      w.stderr?.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) if (line.trim()) write(`[rank ${rank}] ${line}\n`);
      });
      w.on('exit', (code, signal) => {
        left -= 1;
        if (code !== 0 || signal) {
          failures.push({ code: code || 1, line: `worker rank ${rank} (pid ${w.pid}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`, killed: signal !== null && !stoppedByUs.has(w) });
          if (!killTimer) stopOthers();
        }
        if (left === 0) {
          process.off('SIGINT', onSigint);
          if (killTimer) clearTimeout(killTimer);
          const named = failures.find((f) => f.killed) ?? failures[0];
          if (named) write(`launch: ${named.line}; the other workers were stopped\n`);
          resolve({ code: named?.code ?? 0, failure: named?.line ?? null });
        }
      });
      workers.push(w);
    }
  });
}

/** A TCP port free on this machine now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
