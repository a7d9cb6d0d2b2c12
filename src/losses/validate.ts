// Input checks shared by losses, miners and the evaluation functions: each failure names the
// class or function and the argument. Losses and miners check shapes, dtypes and devices only:
// nothing that reads values back to the host, so a training step never waits on a check.
import { isFloating, Tensor, scope, tensor } from '../tensor/index.js';

/** Throws unless `x` is a Tensor. */
export function checkTensor(who: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new TypeError(`${who}: ${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
}

/** What `checkEmbeddings` checks beyond a floating (N, D) matrix with D >= 1. */
export interface EmbeddingsCheck {
  /** The fewest rows N accepted (default 1). */
  minRows?: number;
  /**
   * Also check every entry is finite (default false). It reads a value back from the device,
   * a sync the evaluation functions can afford and a training step should not pay: losses leave
   * it off (NaN in, NaN loss out, as in PyTorch).
   */
  finite?: boolean;
}

/** Throws unless `x` is a floating-point (N, D) matrix with N >= `minRows`, D >= 1 (and finite entries with `finite`). */
export function checkEmbeddings(who: string, name: string, x: unknown, o: EmbeddingsCheck = {}): asserts x is Tensor {
  const minRows = o.minRows ?? 1;
  if (!(x instanceof Tensor)) throw new TypeError(`${who}: ${name} must be a Tensor (N, D), got ${x === null ? 'null' : typeof x}`);
  if (x.ndim !== 2) throw new RangeError(`${who}: ${name} must be 2-d (N, D), got shape [${x.shape.join(', ')}]`);
  if (!isFloating(x.dtype)) throw new TypeError(`${who}: ${name} must be floating point, got ${x.dtype}`);
  if (x.shape[0]! < minRows) {
    throw new RangeError(`${who}: ${name} needs at least ${minRows} row${minRows === 1 ? '' : 's'}, got shape [${x.shape.join(', ')}]`);
  }
  if (x.shape[1]! < 1) throw new RangeError(`${who}: ${name} has no features (shape [${x.shape.join(', ')}])`);
  if (o.finite && scope(() => x.isfinite().all().item()) === 0) throw new RangeError(`${who}: ${name} holds NaN or infinite values`);
}

/** Throws unless the two views have the same shape. */
export function checkSameShape(who: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
  const sa = a.shape;
  const sb = b.shape;
  if (sa.length !== sb.length || sa.some((s, i) => s !== sb[i])) {
    throw new RangeError(`${who}: ${aName} [${sa.join(', ')}] and ${bName} [${sb.join(', ')}] must have the same shape`);
  }
  if (a.device !== b.device) throw new RangeError(`${who}: ${aName} is on ${a.device} but ${bName} is on ${b.device}`);
}

/** Throws unless `t` is a finite number > 0. */
export function checkTemperature(who: string, t: unknown, name = 'temperature'): number {
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
    throw new RangeError(`${who}: ${name} must be a finite number > 0, got ${String(t)}`);
  }
  return t;
}

/** Throws unless `x` is a finite number. */
export function checkNumber(who: string, name: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new TypeError(`${who}: ${name} must be a finite number, got ${String(x)}`);
  }
  return x;
}

/** Throws unless `x` is a finite number > 0. */
export function checkPositive(who: string, name: string, x: unknown): number {
  const v = checkNumber(who, name, x);
  if (v <= 0) throw new RangeError(`${who}: ${name} must be > 0, got ${v}`);
  return v;
}

/** Throws unless `x` is an integer >= `min`. */
export function checkInteger(who: string, name: string, x: unknown, min = 1): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) throw new RangeError(`${who}: ${name} must be an integer >= ${min}, got ${String(x)}`);
  return x;
}

/** A value for a message: its class name for an object, else its string form. */
export function describe(x: unknown): string {
  return typeof x === 'object' && x !== null ? x.constructor.name : String(x);
}

/** Throws unless `x` is a boolean. */
export function checkBoolean(who: string, name: string, x: unknown): boolean {
  if (typeof x !== 'boolean') throw new TypeError(`${who}: ${name} must be a boolean, got ${String(x)}`);
  return x;
}

/** Throws unless the options argument is a plain object (or undefined). */
export function checkOptions<T extends object>(who: string, o: T | undefined, allowed: readonly string[]): T {
  if (o === undefined) return {} as T;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new TypeError(`${who}: options must be an object`);
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new TypeError(`${who}: unknown option '${k}' (known: ${allowed.join(', ')})`);
  }
  return o;
}

/**
 * Labels as a 1-d tensor of length `n` on `device`: accepts a Tensor or an array of numbers.
 * Integer labels stay as they are; arrays become int64 (or float32 when not all integers).
 */
export function toLabels(who: string, labels: unknown, n: number, device: string): Tensor {
  let t: Tensor;
  if (labels instanceof Tensor) {
    t = labels;
  } else if (Array.isArray(labels) && labels.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    t = tensor(labels as number[], { dtype: labels.every((v) => Number.isInteger(v)) ? 'int64' : 'float32' });
  } else {
    throw new TypeError(`${who}: labels must be a 1-d Tensor or an array of numbers`);
  }
  if (t.ndim !== 1) throw new RangeError(`${who}: labels must be 1-d, got shape [${t.shape.join(', ')}]`);
  if (t.shape[0] !== n) throw new RangeError(`${who}: got ${t.shape[0]} labels for ${n} embeddings`);
  if (t.dtype === 'bool') throw new TypeError(`${who}: labels must be numbers, got bool`);
  return t.device === device ? t : t.to(device as Tensor['device']);
}
