// A data-parallel job's ranks: where they meet (the torchrun environment or explicit options),
// their process group, and the few collectives training needs.
import { ProcessGroupHandle, Store, type Tensor } from '../tensor/index.js';

/** Default seconds a collective waits for the other ranks before it fails (a lost worker, a hang). */
export const DEFAULT_TIMEOUT_SECONDS = 60;

/** Where rank 0's TCPStore listens unless told (MASTER_ADDR, MASTER_PORT): this machine, torchrun's port. */
export const DEFAULT_MASTER = { addr: '127.0.0.1', port: 29500 } as const;

/** Where and who: torchrun's variables, as options. */
export interface DistributedOptions {
  /** This process's global rank in [0, worldSize). */
  rank: number;
  worldSize: number;
  /** Rank on this machine (selects the GPU with NCCL); default `rank`. */
  localRank?: number;
  /** Workers on this machine (LOCAL_WORLD_SIZE); default 1. */
  localWorldSize?: number;
  /** Host of rank 0's TCPStore (MASTER_ADDR); default 127.0.0.1. */
  masterAddr?: string;
  /** Its port (MASTER_PORT); default 29500, as torchrun's. */
  masterPort?: number;
  /** 'gloo' (CPU tensors) or 'nccl' (CUDA); default gloo. */
  backend?: 'gloo' | 'nccl';
  /** Seconds a collective waits for the others; default 60. */
  timeoutSeconds?: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`distributed: ${name} must be a non-negative integer, got '${v}'`);
  return n;
}

/**
 * The torchrun environment (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) as options, or
 * null when WORLD_SIZE is unset or 1 (one process): so torchrun, a cluster scheduler or
 * `contrastive train --nproc` can start the workers.
 */
export function distributedFromEnv(env: NodeJS.ProcessEnv = process.env): DistributedOptions | null {
  const worldSize = envInt(env, 'WORLD_SIZE');
  if (worldSize === undefined || worldSize <= 1) return null;
  const rank = envInt(env, 'RANK');
  if (rank === undefined) throw new TypeError(`distributed: WORLD_SIZE is ${worldSize} but RANK is not set`);
  return {
    rank, worldSize, localRank: envInt(env, 'LOCAL_RANK') ?? rank, localWorldSize: envInt(env, 'LOCAL_WORLD_SIZE') ?? 1, masterAddr: env['MASTER_ADDR'] || DEFAULT_MASTER.addr,
    masterPort: envInt(env, 'MASTER_PORT') ?? DEFAULT_MASTER.port,
  };
}

/**
 * The ranks of a data-parallel job, joined through rank 0's TCPStore into a c10d process group
 * (`torch.distributed.init_process_group`). Collectives wait at most `timeoutSeconds`: a worker
 * that died makes the others fail with an error naming the operation and the rank, never hang.
 */
export class Distributed {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly localWorldSize: number;
  readonly backend: 'gloo' | 'nccl';
  readonly timeoutSeconds: number;
  readonly store: Store;
  readonly group: ProcessGroupHandle;
  #closed = false;

  constructor(o: DistributedOptions) {
    if (!Number.isInteger(o.worldSize) || o.worldSize < 1) throw new RangeError(`distributed: worldSize must be a positive integer, got ${String(o.worldSize)}`);
    if (!Number.isInteger(o.rank) || o.rank < 0 || o.rank >= o.worldSize) throw new RangeError(`distributed: rank must be an integer in [0, ${o.worldSize}), got ${String(o.rank)}`);
    const timeout = o.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    if (!(timeout > 0)) throw new RangeError(`distributed: timeoutSeconds must be positive, got ${String(o.timeoutSeconds)}`);
    const backend = o.backend ?? 'gloo';
    if (backend !== 'gloo' && backend !== 'nccl') throw new TypeError(`distributed: backend must be 'gloo' or 'nccl', got '${String(backend)}'`);
    const host = o.masterAddr ?? DEFAULT_MASTER.addr;
    const port = o.masterPort ?? DEFAULT_MASTER.port;
    this.rank = o.rank;
    this.worldSize = o.worldSize;
    this.localRank = o.localRank ?? o.rank;
    this.localWorldSize = o.localWorldSize ?? 1;
    this.backend = backend;
    this.timeoutSeconds = timeout;
    this.store = new Store({ kind: 'tcp', host, port, isServer: o.rank === 0, worldSize: o.worldSize, timeoutMs: timeout * 1000 });
    try {
      const iface = process.env['GLOO_SOCKET_IFNAME'];
      this.group = new ProcessGroupHandle(this.store, o.rank, o.worldSize, {
        backend, timeoutMs: timeout * 1000, ...(iface ? { iface } : LOOPBACK.has(host) ? { host: '127.0.0.1' } : {}),
      });
    } catch (e) {
      this.store.close();
      throw e;
    }
  }

  /** Whether this is rank 0 (the one that writes the run folder). */
  get isMain(): boolean {
    return this.rank === 0;
  }

  /**
   * Every rank's `t` (n, ...) in rank order (W n, ...). Differentiable (default), the backward sums
   * the ranks' gradients of the result and hands each rank those of its rows: the global batch's
   * loss reaches every rank's encoder (lightly #59, #1176 got this wrong).
   */
  gather(t: Tensor, differentiable = true): Tensor {
    return this.group.allGather(t.contiguous(), differentiable);
  }

  /** The mean over the ranks of the float32 tensor `t`, in place. */
  allReduceMean_(t: Tensor): Tensor {
    return this.group.allReduce_(t, 'sum').div_(this.worldSize);
  }

  /**
   * Rank 0 says `value` under `key`; every other rank waits for it, polling the store, for up to
   * `waitSeconds` (default 30 minutes: rank 0 may be evaluating), and gets it. A rank 0 that died
   * takes the store down with it, and the wait fails at once.
   */
  async share(key: string, value: () => string, waitSeconds = 1800): Promise<string> {
    if (this.isMain) {
      const v = value();
      this.store.set(key, v);
      return v;
    }
    const deadline = performance.now() + waitSeconds * 1000;
    while (!this.store.check([key])) {
      if (performance.now() > deadline) throw new Error(`distributed: rank ${this.rank} waited ${waitSeconds} s for rank 0's '${key}'`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.store.get(key);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.group.close();
    this.store.close();
  }
}
