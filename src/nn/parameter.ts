// What layers with parameters share: their factory options and argument checks.
import type { Device, Dtype } from '../tensor/index.js';

/** Options every layer with parameters takes (PyTorch's `factory_kwargs`). */
export interface FactoryOptions {
  device?: Device;
  dtype?: Dtype;
}

/** Throws a TypeError unless `n` is a positive integer; names the layer and the argument. */
export function positiveInt(layer: string, arg: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new TypeError(`${layer}: ${arg} must be a positive integer, got ${String(n)}`);
  }
  return n;
}
