// Creating tensors: from JS data, and PyTorch's factory functions.
import { type Device, type Dtype, dtypeOfArray, isDevice, isDtype } from './dtype.js';
import { native } from './native.js';
import { type NestedArray, run, Tensor } from './tensor.js';

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
      if (typeof x !== 'number' && typeof x !== 'boolean') {
        throw new TypeError(`${op}: elements must be numbers or booleans, got ${x === null ? 'null' : typeof x}`);
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

/**
 * A tensor from nested arrays (`tensor([[1, 2], [3, 4]])`) or from a TypedArray plus a shape
 * (`tensor(new Float32Array(6), { shape: [2, 3] })`). As `torch.tensor`, integers infer int64,
 * other numbers float32 and booleans bool, unless `dtype` says otherwise.
 */
export function tensor(
  data: NestedArray | ArrayBufferView,
  options: TensorOptions & { shape?: readonly number[] } = {},
): Tensor {
  checkOptions('tensor', options);
  let handle;
  if (ArrayBuffer.isView(data)) {
    const src = dtypeOfArray(data);
    if (!src) throw new TypeError(`tensor: unsupported TypedArray ${data.constructor.name}`);
    const shape = options.shape ?? [(data as unknown as { length: number }).length];
    checkShape('tensor', shape);
    const n = shape.reduce((a, b) => a * b, 1);
    const length = (data as unknown as { length: number }).length;
    if (n !== length) throw new TypeError(`tensor: shape [${shape.join(', ')}] needs ${n} elements, data has ${length}`);
    handle = native.fromBuffer(data, shape, src);
  } else {
    const shape = shapeOf(data, 'tensor');
    if (options.shape) throw new TypeError('tensor: shape is only for TypedArray data');
    const flat = (shape.length ? (data as unknown[]).flat(shape.length - 1) : [data]) as (number | boolean)[];
    const isBool = flat.length > 0 && flat.every((x) => typeof x === 'boolean');
    const isInt = !isBool && flat.length > 0 && flat.every((x) => typeof x === 'number' && Number.isInteger(x));
    if (flat.some((x) => typeof x === 'boolean') && !isBool) throw new TypeError('tensor: mixes booleans and numbers');
    // Numbers travel as float64 (exact for every JS number) and are then cast to the dtype.
    handle = isBool
      ? native.fromBuffer(Uint8Array.from(flat, (x) => (x ? 1 : 0)), shape, 'bool')
      : native.fromBuffer(Float64Array.from(flat as number[]), shape, 'float64');
    const inferred: Dtype = isBool ? 'bool' : isInt ? 'int64' : 'float32';
    options = { ...options, dtype: options.dtype ?? inferred };
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
/** `torch.full`: as PyTorch, an integer fill infers int64 unless `dtype` is given. */
export function full(shape: readonly number[], value: number | boolean, o: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new TypeError('full: value must be a number or boolean');
  return factory('full', 'full', [shape, value], o);
}
/** `torch.eye`: an n x m identity. */
export function eye(n: number, m?: number, o: TensorOptions = {}): Tensor {
  return m === undefined ? factory('eye', 'eye', [n], o) : factory('eye', 'eye.m', [n, m], o);
}
/** `torch.arange(end)` or `torch.arange(start, end, step)`; integer bounds give int64. */
export function arange(startOrEnd: number, end?: number, step = 1, o: TensorOptions = {}): Tensor {
  return end === undefined
    ? factory('arange', 'arange', [startOrEnd], o)
    : factory('arange', 'arange.start_step', [startOrEnd, end, step], o);
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
/** Integers uniform on [low, high) (`torch.randint`); int64 by default. */
export function randint(low: number, high: number, shape: readonly number[], o: TensorOptions = {}): Tensor {
  checkShape('randint', shape);
  return factory('randint', 'randint.low', [low, high, shape], { dtype: 'int64', ...o });
}
/** A random permutation of 0..n-1 (`torch.randperm`); int64 by default. */
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
