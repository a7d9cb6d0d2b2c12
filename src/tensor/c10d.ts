// PyTorch's c10d through the addon (native/dist.cc): stores, process groups and their collectives,
// typed over Tensors. The policy (launch, data parallelism, SyncBatchNorm) is src/distributed/'s.
import { native } from './native.js';
import { Tensor } from './tensor.js';

/** Reductions of all-reduce and reduce-scatter (Gloo has no average: divide a sum). */
export type ReduceOp = 'sum' | 'max' | 'min' | 'product';

/** The process-group backends this build of the addon has: ['gloo'] (and 'nccl' with a CUDA libtorch), or [] without c10d. */
export function c10dBackends(): string[] {
  return native.dist.backends();
}

type Dist = Required<typeof native.dist>;

/** Where a store lives: rank 0's TCP server (host:port), or a file every rank can reach. */
export type StoreOptions = Parameters<Dist['store']>[0];

/** A process group's backend, timeout and network device (an interface, or the host to bind). */
export type ProcessGroupOptions = Parameters<Dist['group']>[3];

/** The addon's c10d functions; a clear error when it was built without them. */
function dist(): Dist {
  if (!native.dist.store) {
    throw new Error('distributed: this build of the addon has no c10d (Gloo\'s headers were missing when it was built: '
      + 'install libgloo-dev, or run scripts/setup.sh, and rebuild)');
  }
  return native.dist as Dist;
}

/** A c10d key-value store (torch.distributed.TCPStore / FileStore): the ranks' rendezvous. */
export class Store {
  readonly id: number;

  /**
   * TCP: rank 0's process (`isServer`) listens on host:port, the others connect; every call
   * waits at most `timeoutMs`. File: a file every rank can reach (one machine, or a shared disk).
   */
  constructor(o: StoreOptions) {
    this.id = dist().store(o);
  }

  set(key: string, value: string): void {
    dist().storeSet(this.id, key, value);
  }

  /** The value of `key`, waiting for it up to the store's timeout. */
  get(key: string): string {
    return dist().storeGet(this.id, key);
  }

  /** Adds n to the counter `key`; returns the new value. */
  add(key: string, n: number): number {
    return dist().storeAdd(this.id, key, n);
  }

  /** Whether every key is set (does not wait). */
  check(keys: string[]): boolean {
    return dist().storeCheck(this.id, keys);
  }

  close(): void {
    dist().close('store', this.id);
  }
}

/**
 * A c10d process group (Gloo on CPU tensors, NCCL on CUDA ones). Every collective is
 * synchronous and bounded by the group's timeout: a lost peer or a timeout throws an Error naming
 * the op, the tensor and this rank.
 */
export class ProcessGroupHandle {
  readonly id: number;
  readonly rank: number;
  readonly size: number;
  readonly backend: string;

  constructor(store: Store, rank: number, size: number, o: ProcessGroupOptions) {
    this.id = dist().group(store.id, rank, size, o);
    this.rank = rank;
    this.size = size;
    this.backend = o.backend;
  }

  /** In place: every rank's `t` becomes the reduction of all ranks' (t must be contiguous). */
  allReduce_(t: Tensor, op: ReduceOp = 'sum'): Tensor {
    dist().allReduce(this.id, t.handle, op);
    return t;
  }

  /** In place: every rank's `t` becomes rank `root`'s. */
  broadcast_(t: Tensor, root = 0): Tensor {
    dist().broadcast(this.id, t.handle, root);
    return t;
  }

  /** DDP's broadcast of many tensors from `root`, packed into buffers of `bufferBytes`. */
  broadcastCoalesced(ts: readonly Tensor[], root = 0, bufferBytes = 250 * 1024 * 1024): void {
    dist().broadcastCoalesced(this.id, ts.map((t) => t.handle), bufferBytes, root);
  }

  /**
   * Every rank's `t` (n, ...) concatenated in rank order (size x n, ...). With `differentiable`,
   * the backward sums all ranks' gradients of the result and returns this rank's rows to `t`.
   */
  allGather(t: Tensor, differentiable = false): Tensor {
    return new Tensor(dist().allGather(this.id, t.handle, differentiable));
  }

  /** This rank's block (n / size rows) of the reduction of all ranks' `t` (n, ...). */
  reduceScatter(t: Tensor, op: ReduceOp = 'sum'): Tensor {
    return new Tensor(dist().reduceScatter(this.id, t.handle, op));
  }

  barrier(): void {
    dist().barrier(this.id);
  }

  close(): void {
    dist().close('group', this.id);
  }
}

/**
 * c10d's Reducer, DDP's engine: it hooks the parameters' gradient accumulators, all-reduces their
 * gradients in buckets (reverse order, the first of 1 MiB) while backward runs, and leaves each
 * `.grad` the mean over the ranks when backward returns.
 */
export class GradientReducer {
  readonly id: number;

  constructor(group: ProcessGroupHandle, params: readonly Tensor[], o: { bucketBytes: number; findUnusedParameters: boolean }) {
    this.id = dist().reducer(group.id, params.map((p) => p.handle), o.bucketBytes, o.findUnusedParameters);
  }

  /** Before each backward; `outputs` are searched for unused parameters when the reducer looks for them. */
  prepare(outputs: readonly Tensor[] = []): void {
    dist().reducerPrepare(this.id, outputs.map((t) => t.handle));
  }

  close(): void {
    dist().close('reducer', this.id);
  }
}
