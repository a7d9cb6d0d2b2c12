// Argument checks of the typed ops: each failure is a TypeError naming the op, the argument and
// the value (TensorFlow.js's convention), raised before the call reaches libtorch.
import type { HasHandle } from './dispatch.js';

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'an object';
  return typeof x === 'string' ? `'${x}'` : String(x);
}

/** Throws unless `x` is a finite number or, with `allowInfinite`, any number but NaN. */
export function checkNumber(op: string, arg: string, x: unknown, allowInfinite = false): number {
  if (typeof x !== 'number' || Number.isNaN(x) || (!allowInfinite && !Number.isFinite(x))) {
    throw new TypeError(`${op}: ${arg} must be a ${allowInfinite ? '' : 'finite '}number, got ${describe(x)}`);
  }
  return x;
}

/** Throws unless `x` is an integer. */
export function checkInt(op: string, arg: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`${op}: ${arg} must be an integer, got ${describe(x)}`);
  return x;
}

/** Throws unless `x` is a boolean. */
export function checkBool(op: string, arg: string, x: unknown): boolean {
  if (typeof x !== 'boolean') throw new TypeError(`${op}: ${arg} must be a boolean, got ${describe(x)}`);
  return x;
}

/** Throws unless `x` passes `isTensor`. */
export function checkTensorArg<T extends HasHandle>(op: string, arg: string, x: unknown, isTensor: (v: unknown) => v is T): T {
  if (!isTensor(x)) throw new TypeError(`${op}: ${arg} must be a Tensor, got ${describe(x)}`);
  return x;
}

/** Throws unless `xs` is an array of tensors (`null` entries allowed with `allowNull`). */
export function checkTensorList<T extends HasHandle>(
  op: string, arg: string, xs: unknown, isTensor: (v: unknown) => v is T, allowNull = false,
): (T | null)[] {
  if (!Array.isArray(xs)) throw new TypeError(`${op}: ${arg} must be an array of Tensors, got ${describe(xs)}`);
  xs.forEach((x, i) => {
    if (!(isTensor(x) || (allowNull && x === null))) {
      throw new TypeError(`${op}: ${arg}[${i}] must be a Tensor${allowNull ? ' or null' : ''}, got ${describe(x)}`);
    }
  });
  return xs as (T | null)[];
}
