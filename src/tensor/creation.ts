// Creating tensors: from JS data, and PyTorch's factory functions.
import { type Device, type Dtype, dtypeOfArray, isDevice, isDtype } from './dtype.js';
import { native } from './native.js';
import { type MemoryFormat, run, Tensor } from './tensor.js';

/**
 * Nested JS data `tensor()` takes: numbers (float32), bigints (int64) or booleans (bool), one
 * kind per tensor.
 */
export type NestedData = number | bigint | boolean | readonly NestedData[];

/** Where a new tensor lives and what it holds. */
export interface TensorOptions {
  dtype?: Dtype;
  device?: Device;
  requiresGrad?: boolean;
}

function checkOptions(op: string, o: TensorOptions): void {
  if (typeof o !== 'object' || o === null) throw new TypeError(`${op}: options must be an object`);
  if (o.dtype !== undefined && !isDtype(o.dtype)) throw new TypeError(`${op}: unknown dtype '${String(o.dtype)}'`);
  if (o.device !== undefined && !isDevice(o.device)) throw new TypeError(`${op}: unknown device '${String(o.device)}'`);
  if (o.requiresGrad !== undefined && typeof o.requiresGrad !== 'boolean') {
    throw new TypeError(`${op}: requiresGrad must be a boolean`);
  }
}

function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of integers`);
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) {
      throw new TypeError(`${op}: shape must hold non-negative integers, got [${shape.join(', ')}]`);
    }
  }
}

function finish(t: Tensor, o: TensorOptions): Tensor {
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** Infers the shape of nested arrays and checks they are rectangular. */
function shapeOf(data: unknown, op: string): number[] {
  const shape: number[] = [];
  let d: unknown = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0];
  }
  const walk = (x: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof x !== 'number' && typeof x !== 'bigint' && typeof x !== 'boolean') {
        throw new TypeError(`${op}: elements must be numbers, bigints or booleans, got ${x === null ? 'null' : typeof x}`);
      }
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new TypeError(`${op}: nested arrays must be rectangular (shape [${shape.join(', ')}])`);
    }
    for (const e of x) walk(e, depth + 1);
  };
  walk(data, 0);
  return shape;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The elements of nested data as one typed buffer: Float64Array (numbers), BigInt64Array or Uint8Array (booleans). */
function flatBuffer(flat: readonly (number | bigint | boolean)[], op: string): [ArrayBufferView, 'float64' | 'int64' | 'bool'] {
  const kind = flat.length === 0 ? 'number' : typeof flat[0];
  const other = flat.find((x) => typeof x !== kind);
  if (other !== undefined) {
    const kinds = [kind, typeof other].map((k) => (k === 'boolean' ? 'booleans' : `${k}s`)).sort();
    throw new TypeError(`${op}: mixes ${kinds.join(' and ')} (numbers make float32, bigints int64, booleans bool: use one kind, or a TypedArray)`);
  }
  if (kind === 'boolean') return [Uint8Array.from(flat, (x) => (x ? 1 : 0)), 'bool'];
  if (kind === 'bigint') {
    const bad = flat.find((x) => (x as bigint) < INT64_MIN || (x as bigint) > INT64_MAX);
    if (bad !== undefined) throw new RangeError(`${op}: ${String(bad)}n is outside the int64 range`);
    return [BigInt64Array.from(flat as bigint[]), 'int64'];
  }
  // Numbers travel as float64 (exact for every JS number) and are then cast to the dtype.
  return [Float64Array.from(flat as number[]), 'float64'];
}

/**
 * A tensor from nested arrays (`tensor([[1, 2], [3, 4]])`) or from a TypedArray plus a shape
 * (`tensor(new Float32Array(6), { shape: [2, 3] })`). JS numbers make float32 tensors, as in
 * TensorFlow.js and onnxruntime-web (`tensor([1, 2]).mean()` is 1.5); integer tensors come from
 * bigints (`tensor([1n, 2n])` is int64), integer TypedArrays (`Int32Array`, `BigInt64Array`, ...)
 * or an explicit `dtype` (`tensor([1, 2], { dtype: 'int64' })`); booleans make bool. A TypedArray
 * keeps its element type unless `dtype` is given. Mixing numbers, bigints and booleans is a
 * TypeError.
 */
export function tensor(
  data: NestedData | ArrayBufferView,
  options: TensorOptions & { shape?: readonly number[] } = {},
): Tensor {
  checkOptions('tensor', options);
  let handle;
  if (ArrayBuffer.isView(data)) {
    const src = dtypeOfArray(data);
    if (!src) {
      throw new TypeError(`tensor: unsupported TypedArray ${data.constructor.name} (libtorch has no such dtype: use Int32Array or BigInt64Array for integers)`);
    }
    const shape = options.shape ?? [(data as unknown as { length: number }).length];
    checkShape('tensor', shape);
    const n = shape.reduce((a, b) => a * b, 1);
    const length = (data as unknown as { length: number }).length;
    if (n !== length) throw new TypeError(`tensor: shape [${shape.join(', ')}] needs ${n} elements, data has ${length}`);
    handle = native.fromBuffer(data, shape, src);
  } else {
    const shape = shapeOf(data, 'tensor');
    if (options.shape) throw new TypeError('tensor: shape is only for TypedArray data');
    const flat = (shape.length ? (data as unknown[]).flat(shape.length - 1) : [data]) as (number | bigint | boolean)[];
    const [buffer, kind] = flatBuffer(flat, 'tensor');
    handle = native.fromBuffer(buffer, shape, kind);
    options = { ...options, dtype: options.dtype ?? (kind === 'float64' ? 'float32' : kind) };
  }
  let t = new Tensor(handle);
  if ((options.dtype && options.dtype !== t.dtype) || (options.device && options.device !== 'cpu')) {
    const moved = t.to({ dtype: options.dtype ?? t.dtype, device: options.device ?? 'cpu' });
    t.dispose();
    t = moved;
  }
  return finish(t, options);
}

function factory(op: string, name: string, args: unknown[], o: TensorOptions): Tensor {
  checkOptions(op, o);
  return finish(run(name, ...args, o.dtype ?? null, null, o.device ?? null), o);
}

/** `torch.zeros` */
export function zeros(shape: readonly number[], o: TensorOptions = {}): Tensor {
  checkShape('zeros', shape);
  return factory('zeros', 'zeros', [shape], o);
}
/** `torch.ones` */
export function ones(shape: readonly number[], o: TensorOptions = {}): Tensor {
  checkShape('ones', shape);
  return factory('ones', 'ones', [shape], o);
}
/** A bigint argument as a JS number for the native call; it must be exactly representable. */
function exact(op: string, arg: string, v: bigint): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${op}: ${arg} ${v}n is beyond 2^53 (not exactly representable as a number)`);
  return n;
}

/**
 * `torch.full`: `value` everywhere, float32 for a number (as JS numbers are), bool for a
 * boolean, int64 for a bigint (`full([2], 3n)`), unless `dtype` is given.
 */
export function full(shape: readonly number[], value: number | bigint | boolean, o: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  if (typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'bigint') {
    throw new TypeError(`full: value must be a number, a bigint or a boolean, got ${value === null ? 'null' : typeof value}`);
  }
  const dtype = typeof value === 'boolean' ? 'bool' : typeof value === 'bigint' ? 'int64' : 'float32';
  return factory('full', 'full', [shape, typeof value === 'bigint' ? exact('full', 'value', value) : value], { ...o, dtype: o.dtype ?? dtype });
}
/** `torch.eye`: an n x m identity. */
export function eye(n: number, m?: number, o: TensorOptions = {}): Tensor {
  return m === undefined ? factory('eye', 'eye', [n], o) : factory('eye', 'eye.m', [n, m], o);
}
/**
 * `torch.arange(end)` or `torch.arange(start, end, step)`, end exclusive: float32 for number
 * bounds (as JS numbers are), int64 for bigint bounds (`arange(0n, 5n)`), unless `dtype` is given
 * (`arange(0, n, 1, { dtype: 'int64' })`). The bounds and step are all numbers or all bigints.
 */
export function arange(startOrEnd: number | bigint, end?: number | bigint, step?: number | bigint, o: TensorOptions = {}): Tensor {
  const given = [startOrEnd, end, step].filter((v) => v !== undefined);
  const bigints = given.filter((v) => typeof v === 'bigint').length;
  if (given.some((v) => typeof v !== 'number' && typeof v !== 'bigint')) throw new TypeError('arange: start, end and step must be numbers or bigints');
  if (bigints > 0 && bigints < given.length) throw new TypeError('arange: mixes bigints and numbers (bigint bounds make int64, number bounds float32)');
  const num = (v: number | bigint, arg: string): number => (typeof v === 'bigint' ? exact('arange', arg, v) : v);
  const options: TensorOptions = { ...o, dtype: o.dtype ?? (bigints > 0 ? 'int64' : 'float32') };
  return end === undefined
    ? factory('arange', 'arange', [num(startOrEnd, 'end')], options)
    : factory('arange', 'arange.start_step', [num(startOrEnd, 'start'), num(end, 'end'), num(step ?? 1, 'step')], options);
}
/** Uniform on [0, 1) (`torch.rand`), from the seeded generator. */
export function rand(shape: readonly number[], o: TensorOptions = {}): Tensor {
  checkShape('rand', shape);
  return factory('rand', 'rand', [shape], o);
}
/** Standard normal (`torch.randn`), from the seeded generator. */
export function randn(shape: readonly number[], o: TensorOptions = {}): Tensor {
  checkShape('randn', shape);
  return factory('randn', 'randn', [shape], o);
}
/** An uninitialised tensor of `shape` (`torch.empty`), for code that fills it (e.g. `init`). */
export function empty(shape: readonly number[], o: TensorOptions & { memoryFormat?: MemoryFormat } = {}): Tensor {
  checkShape('empty', shape);
  checkOptions('empty', o);
  return finish(run('empty.memory_format', shape, o.dtype ?? null, null, o.device ?? null, null, o.memoryFormat ?? null), o);
}

/** Integers uniform on [low, high) (`torch.randint`); int64 by default, as integers by definition. */
export function randint(low: number, high: number, shape: readonly number[], o: TensorOptions = {}): Tensor {
  checkShape('randint', shape);
  return factory('randint', 'randint.low', [low, high, shape], { dtype: 'int64', ...o });
}
/** A random permutation of 0..n-1 (`torch.randperm`); int64 by default, as PyTorch. */
export function randperm(n: number, o: TensorOptions = {}): Tensor {
  return factory('randperm', 'randperm', [n], { dtype: 'int64', ...o });
}

function like(op: string, name: string, t: Tensor, args: unknown[], o: TensorOptions): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor`);
  checkOptions(op, o);
  return finish(run(name, t, ...args, o.dtype ?? null, null, o.device ?? null), o);
}

export function zerosLike(t: Tensor, o: TensorOptions = {}): Tensor {
  return like('zerosLike', 'zeros_like', t, [], o);
}
export function onesLike(t: Tensor, o: TensorOptions = {}): Tensor {
  return like('onesLike', 'ones_like', t, [], o);
}
export function fullLike(t: Tensor, value: number, o: TensorOptions = {}): Tensor {
  return like('fullLike', 'full_like', t, [value], o);
}
export function randLike(t: Tensor, o: TensorOptions = {}): Tensor {
  return like('randLike', 'rand_like', t, [], o);
}
export function randnLike(t: Tensor, o: TensorOptions = {}): Tensor {
  return like('randnLike', 'randn_like', t, [], o);
}
