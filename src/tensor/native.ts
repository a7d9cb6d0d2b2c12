// The compiled addon (native/), loaded once. Everything else talks to libtorch through this.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A tensor handle: an id into the addon's table of libtorch tensors (an integer below 2^53, so
 * it crosses Node-API as a plain number). Freed by `free(id)`; a freed or stale id is an error,
 * never another tensor.
 */
export type TensorHandle = number;

export interface Addon {
  free(h: TensorHandle): void;
  /** Frees `ids[0..n)` in one call. */
  freeMany(ids: Float64Array, n: number): void;
  /** [shape, dtype, device, requiresGrad] */
  meta(h: TensorHandle): [number[], string, string, boolean];
  requiresGrad(h: TensorHandle): boolean;
  setRequiresGrad(h: TensorHandle, flag: boolean): void;
  grad(h: TensorHandle): TensorHandle | null;
  setGrad(h: TensorHandle, g: TensorHandle | null): void;
  backward(h: TensorHandle, grad: TensorHandle | null, retainGraph: boolean, createGraph: boolean): void;
  toBuffer(h: TensorHandle): [ArrayBuffer, string];
  item(h: TensorHandle): number | boolean;
  isContiguous(h: TensorHandle, memoryFormat?: string): boolean;
  sameStorage(a: TensorHandle, b: TensorHandle): boolean;
  op(name: string, overload: string): number;
  /**
   * Runs the op the tape names on the tape's arguments (see `tape` in tensor.ts); `extra` holds
   * the arguments tagged as JS values. Returns undefined with the results on the tape, or the
   * results as JS values (tensors as BigInt ids) when the tape cannot hold them.
   */
  call(extra?: unknown[]): unknown;
  /** The buffer op calls pass their arguments and results through, and its layout. */
  tape: ArrayBuffer;
  tapeLayout: { slots: number; listCap: number; header: number };
  schema(id: number): string;
  fromBuffer(data: ArrayBufferView, shape: readonly number[], dtype: string): TensorHandle;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  getRngState(): TensorHandle;
  setRngState(state: TensorHandle): void;
  setGradEnabled(flag: boolean): boolean;
  setAutocast(device: 'cpu' | 'cuda', enabled: boolean, dtype: string): boolean;
  memory(): { tensors: number; bytes: number };
  cudaDeviceCount(): number;
  version(): string;
  /** c10d (native/dist.cc); `backends()` is empty when the addon was built without it. Ids are numbers. */
  dist: {
    backends(): string[];
    store?(o: { kind: 'tcp'; host: string; port: number; isServer: boolean; worldSize: number; timeoutMs: number }
      | { kind: 'file'; path: string; worldSize: number; timeoutMs: number }): number;
    storeSet?(store: number, key: string, value: string): void;
    storeGet?(store: number, key: string): string;
    storeAdd?(store: number, key: string, n: number): number;
    storeCheck?(store: number, keys: string[]): boolean;
    group?(store: number, rank: number, size: number, o: { backend: string; timeoutMs: number; iface?: string; host?: string }): number;
    allReduce?(group: number, t: TensorHandle, op: string): void;
    broadcast?(group: number, t: TensorHandle, root: number): void;
    broadcastCoalesced?(group: number, ts: TensorHandle[], bufferBytes: number, root: number): void;
    allGather?(group: number, t: TensorHandle, differentiable: boolean): TensorHandle;
    reduceScatter?(group: number, t: TensorHandle, op: string): TensorHandle;
    barrier?(group: number): void;
    reducer?(group: number, params: TensorHandle[], bucketBytes: number, findUnused: boolean): number;
    reducerPrepare?(reducer: number, outputs: TensorHandle[]): void;
    close?(kind: 'store' | 'group' | 'reducer', id: number): void;
  };
}

function load(): Addon {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/tensor (ts-node) or dist/src/tensor (compiled): walk up to the package root.
  for (let dir = here, i = 0; i < 5; i++, dir = dirname(dir)) {
    const file = join(dir, 'build', 'Release', 'contrastive.node');
    if (existsSync(file)) return createRequire(import.meta.url)(file) as Addon;
  }
  throw new Error(
    'contrastive: the native addon is not built (build/Release/contrastive.node). Run `bash scripts/setup.sh`.',
  );
}

/**
 * Intra-op threads: every core (the addon's default, as PyTorch's), or OMP_NUM_THREADS when set,
 * as PyTorch honours it; e.g. OMP_NUM_THREADS=1 for runs that share the machine with other work.
 */
function applyThreadEnv(a: Addon): Addon {
  const v = process.env['OMP_NUM_THREADS'];
  if (v === undefined || v.trim() === '') return a;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`contrastive: OMP_NUM_THREADS must be a positive integer, got '${v}'`);
  a.setNumThreads(n);
  return a;
}

export const native: Addon = applyThreadEnv(load());
