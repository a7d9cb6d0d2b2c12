// The compiled addon (native/), loaded once. Everything else talks to libtorch through this.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One libtorch tensor held by the addon; freed by `free()` or, as a backstop, by the GC. */
export interface TensorHandle {
  free(): void;
  /** [shape, dtype, device, requiresGrad] */
  meta(): [number[], string, string, boolean];
  setRequiresGrad(flag: boolean): void;
  grad(): TensorHandle | null;
  setGrad(g: TensorHandle | null): void;
  backward(grad: TensorHandle | null, retainGraph: boolean, createGraph: boolean): void;
  toBuffer(): [ArrayBuffer, string];
  item(): number | boolean;
  isContiguous(memoryFormat?: string): boolean;
  sameStorage(other: TensorHandle): boolean;
}

export interface Addon {
  TensorHandle: abstract new () => TensorHandle;
  op(name: string, overload: string): number;
  call(id: number, args: unknown[], discard?: boolean): unknown;
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

export const native: Addon = load();
