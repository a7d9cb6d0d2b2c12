// Creating parameter storage: uninitialised float tensors, filled by `init` functions.
import { type Device, type Dtype, type Tensor, run } from '../tensor/index.js';

/** Options every layer with parameters takes (PyTorch's `factory_kwargs`). */
export interface FactoryOptions {
  device?: Device;
  dtype?: Dtype;
}

/** An uninitialised tensor of `shape` (`torch.empty`), for a layer to initialise. */
export function empty(shape: readonly number[], o: FactoryOptions = {}): Tensor {
  return run('empty.memory_format', shape, o.dtype ?? null, null, o.device ?? null);
}

/** Throws a TypeError unless `n` is a positive integer; names the layer and the argument. */
export function positiveInt(layer: string, arg: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new TypeError(`${layer}: ${arg} must be a positive integer, got ${String(n)}`);
  }
  return n;
}
