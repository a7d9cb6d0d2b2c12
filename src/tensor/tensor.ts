// The Tensor class: a libtorch tensor under PyTorch's method names, in camelCase.
import { type AnyTypedArray, type Device, type Dtype, isDevice, isDtype, typedView } from './dtype.js';
import { opId, unwrapArgs } from './dispatch.js';
import { native, type TensorHandle } from './native.js';
import { type Owned, track, untrack } from './scope.js';

/** A number where PyTorch takes a Python scalar, else a tensor. */
export type TensorOrScalar = Tensor | number;

/** Nested JS arrays as `toArray()` returns them. */
export type NestedArray = number | boolean | NestedArray[];

/** Values and indices, as PyTorch's `torch.return_types` give them. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/**
 * The backstop of DESIGN.md's memory model: a tensor outside every scope that nobody disposed is
 * freed once the GC has collected its wrapper (late, and only when the event loop turns). Scopes
 * and `dispose()` are the real mechanism; tensors a scope owns are not registered here.
 */
const backstop = new FinalizationRegistry<TensorHandle>((h) => native.free(h));

function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

function wrap(r: unknown): unknown {
  if (typeof r === 'bigint') return new Tensor(r);
  if (Array.isArray(r)) return r.map(wrap);
  return r;
}

/** Calls the ATen op `name` (e.g. "add.Tensor"); `undefined` arguments take the schema default. */
export function run<T = Tensor>(name: string, ...args: unknown[]): T {
  return wrap(native.call(opId(name), unwrapArgs(args, isTensor))) as T;
}

/** Calls an in-place ATen op and returns `self`. */
function runInPlace(self: Tensor, name: string, ...args: unknown[]): Tensor {
  native.call(opId(name), unwrapArgs([self, ...args], isTensor), true);
  return self;
}

function valuesIndices(r: [Tensor, Tensor]): ValuesIndices {
  return { values: r[0], indices: r[1] };
}

/** Validates a dim list argument early, with a JS-level message. */
function dims(op: string, d: number | readonly number[]): number[] {
  const list = typeof d === 'number' ? [d] : d;
  if (!Array.isArray(list) || !list.every((x) => Number.isInteger(x))) {
    throw new TypeError(`${op}: dims must be an integer or an array of integers, got ${String(d)}`);
  }
  return [...list];
}

/**
 * A multi-dimensional array on a device, with autograd: PyTorch's `torch.Tensor` bound through
 * libtorch. Ops are methods named as PyTorch's (camelCase); each returns a new tensor owned by
 * the innermost open `scope`. See DESIGN.md for the memory model.
 */
export class Tensor implements Owned {
  /** The scope that owns this tensor, if any (managed by scope.ts). */
  owner: Set<Owned> | null = null;
  #handle: TensorHandle;
  #meta: [number[], string, string, boolean] | null = null;
  #disposed = false;
  #registered = false;

  /** Wraps a native handle; use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(handle: TensorHandle) {
    this.#handle = handle;
    track(this);
  }

  /** No scope owns this tensor now: the GC backstop frees it if nobody disposes it. */
  orphaned(): void {
    if (this.#registered || this.#disposed) return;
    this.#registered = true;
    backstop.register(this, this.#handle, this);
  }

  /** The native handle (for ops implemented outside this class). */
  get handle(): TensorHandle {
    return this.#handle;
  }

  /** Frees the native memory now. Using the tensor afterwards throws. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    native.free(this.#handle);
    if (this.#registered) backstop.unregister(this);
    untrack(this);
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  #info(what: string): [number[], string, string, boolean] {
    if (this.#disposed) throw new Error(`${what}: the tensor has been disposed`);
    return (this.#meta ??= native.meta(this.#handle));
  }

  get shape(): readonly number[] {
    return this.#info('shape')[0];
  }
  get dtype(): Dtype {
    return this.#info('dtype')[1] as Dtype;
  }
  get device(): Device {
    return this.#info('device')[2] as Device;
  }
  get ndim(): number {
    return this.shape.length;
  }
  dim(): number {
    return this.shape.length;
  }
  numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  /** The size of dimension `d` (negative counts from the end). */
  size(d: number): number {
    const s = this.shape;
    const i = d < 0 ? d + s.length : d;
    if (!Number.isInteger(d) || i < 0 || i >= s.length) {
      throw new RangeError(`size: dim ${d} out of range for a ${s.length}-d tensor`);
    }
    return s[i]!;
  }

  // ---- autograd -------------------------------------------------------------------------

  get requiresGrad(): boolean {
    if (this.#disposed) throw new Error('requiresGrad: the tensor has been disposed');
    return native.requiresGrad(this.#handle);
  }
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }
  /** Sets `requiresGrad` in place and returns this tensor. */
  requiresGrad_(flag = true): this {
    if (typeof flag !== 'boolean') throw new TypeError('requiresGrad_: flag must be a boolean');
    native.setRequiresGrad(this.#handle, flag);
    return this;
  }
  /** The accumulated gradient (a new handle on the same storage), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.#handle);
    return g ? new Tensor(g) : null;
  }
  set grad(g: Tensor | null) {
    if (g !== null && !(g instanceof Tensor)) throw new TypeError('grad must be a Tensor or null');
    native.setGrad(this.#handle, g ? g.handle : null);
  }
  /** Accumulates d(this)/d(leaf) into each leaf's `grad`, as `torch.Tensor.backward`. */
  backward(grad?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    if (grad != null && !(grad instanceof Tensor)) throw new TypeError('backward: grad must be a Tensor');
    native.backward(this.#handle, grad ? grad.handle : null, opts.retainGraph ?? false, opts.createGraph ?? false);
  }
  /** A tensor sharing storage, cut from the graph. */
  detach(): Tensor {
    return run('detach', this);
  }

  // ---- reading back ------------------------------------------------------------------------

  /** A copy of the elements in row-major order (float16/bfloat16 widen to float32, bool to uint8). */
  data(): AnyTypedArray {
    if (this.#disposed) throw new Error('data: the tensor has been disposed');
    const [buf, dt] = native.toBuffer(this.#handle);
    return typedView(buf, dt);
  }
  /** The elements as nested JS arrays (numbers; booleans for bool tensors). */
  toArray(): NestedArray {
    const flat = this.data();
    const isBool = this.dtype === 'bool';
    const at = (i: number): number | boolean => {
      const v = flat[i]!;
      const n = typeof v === 'bigint' ? Number(v) : v;
      return isBool ? n !== 0 : n;
    };
    const shape = this.shape;
    let i = 0;
    const build = (d: number): NestedArray => {
      if (d === shape.length) return at(i++);
      const out: NestedArray[] = [];
      for (let k = 0; k < shape[d]!; k++) out.push(build(d + 1));
      return out;
    };
    return build(0);
  }
  /** The value of a one-element tensor. */
  item(): number {
    if (this.#disposed) throw new Error('item: the tensor has been disposed');
    return Number(native.item(this.#handle));
  }
  toString(): string {
    if (this.#disposed) return 'Tensor(disposed)';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }

  // ---- conversion --------------------------------------------------------------------------

  /** Moves to a device, converts to a dtype, or both: `t.to('cuda')`, `t.to('float64')`. */
  to(target: Dtype | Device | { dtype?: Dtype; device?: Device; memoryFormat?: MemoryFormat }): Tensor {
    const o = typeof target === 'string' ? (isDtype(target) ? { dtype: target } : { device: target }) : target;
    if (typeof o !== 'object' || o === null) throw new TypeError(`to: expected a dtype, a device or options, got ${String(target)}`);
    if (o.dtype !== undefined && !isDtype(o.dtype)) throw new TypeError(`to: unknown dtype '${String(o.dtype)}'`);
    if (o.device !== undefined && !isDevice(o.device)) {
      throw new TypeError(`to: '${String(o.device)}' is neither a dtype nor a device ('cpu', 'cuda', 'cuda:N')`);
    }
    return run('to.device', this, o.device ?? this.device, o.dtype ?? this.dtype, false, false, o.memoryFormat);
  }
  cpu(): Tensor {
    return this.to('cpu');
  }
  clone(): Tensor {
    return run('clone', this);
  }
  contiguous(memoryFormat: MemoryFormat = 'contiguous'): Tensor {
    return run('contiguous', this, memoryFormat);
  }
  isContiguous(memoryFormat: MemoryFormat = 'contiguous'): boolean {
    return native.isContiguous(this.#handle, memoryFormat);
  }

  // ---- shape ---------------------------------------------------------------------------------

  reshape(shape: readonly number[]): Tensor {
    return run('reshape', this, shape);
  }
  view(shape: readonly number[]): Tensor {
    return run('view', this, shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return run('flatten.using_ints', this, startDim, endDim);
  }
  permute(order: readonly number[]): Tensor {
    return run('permute', this, order);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return run('transpose.int', this, dim0, dim1);
  }
  /** The transpose of a 2-d tensor. */
  t(): Tensor {
    return run('t', this);
  }
  squeeze(dim?: number): Tensor {
    return dim === undefined ? run('squeeze', this) : run('squeeze.dim', this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return run('unsqueeze', this, dim);
  }
  expand(shape: readonly number[]): Tensor {
    return run('expand', this, shape);
  }
  expandAs(other: Tensor): Tensor {
    return run('expand', this, other.shape);
  }
  /** Splits into chunks of `size` (a number) or of the given sizes (an array) along `dim`. */
  split(size: number | readonly number[], dim = 0): Tensor[] {
    return typeof size === 'number' ? run('split.Tensor', this, size, dim) : run('split_with_sizes', this, size, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return run('chunk', this, chunks, dim);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return run('narrow', this, dim, start, length);
  }
  /** `t[start:end:step]` along `dim` (Python slicing, end exclusive). */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return run('slice.Tensor', this, dim, start ?? null, end ?? null, step);
  }
  /** The `i`-th entry along `dim`, dropping that dim (`t[i]` for dim 0). */
  select(dim: number, index: number): Tensor {
    return run('select.int', this, dim, index);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return run('index_select', this, dim, index);
  }
  gather(dim: number, index: Tensor): Tensor {
    return run('gather', this, dim, index);
  }
  /** Writes `src` (a tensor or a number) at `index` along `dim`, out of place. */
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return typeof src === 'number' ? run('scatter.value', this, dim, index, src) : run('scatter.src', this, dim, index, src);
  }
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    return typeof value === 'number' ? run('masked_fill.Scalar', this, mask, value) : run('masked_fill.Tensor', this, mask, value);
  }
  /** `this` where `condition` holds, else `other` (PyTorch's `x.where(condition, y)`). */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return where(condition, this, other);
  }
  repeat(repeats: readonly number[]): Tensor {
    return run('repeat', this, repeats);
  }
  flip(dimsToFlip: number | readonly number[]): Tensor {
    return run('flip', this, dims('flip', dimsToFlip));
  }
  roll(shifts: number | readonly number[], dimsToRoll: number | readonly number[] = []): Tensor {
    return run('roll', this, typeof shifts === 'number' ? [shifts] : shifts, dims('roll', dimsToRoll));
  }
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return run('diagonal', this, offset, dim1, dim2);
  }
  triu(diagonal = 0): Tensor {
    return run('triu', this, diagonal);
  }
  tril(diagonal = 0): Tensor {
    return run('tril', this, diagonal);
  }

  // ---- elementwise math (broadcasting) ---------------------------------------------------------

  add(other: TensorOrScalar, alpha = 1): Tensor {
    if (alpha !== 1) return typeof other === 'number' ? run('add.Scalar', this, other, alpha) : run('add.Tensor', this, other, alpha);
    return typeof other === 'number' ? run('add.Scalar', this, other) : run('add.Tensor', this, other);
  }
  sub(other: TensorOrScalar, alpha = 1): Tensor {
    if (alpha !== 1) return typeof other === 'number' ? run('sub.Scalar', this, other, alpha) : run('sub.Tensor', this, other, alpha);
    return typeof other === 'number' ? run('sub.Scalar', this, other) : run('sub.Tensor', this, other);
  }
  mul(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? run('mul.Scalar', this, other) : run('mul.Tensor', this, other);
  }
  /** Division; `roundingMode` 'trunc' or 'floor' as in PyTorch. */
  div(other: TensorOrScalar, roundingMode?: 'trunc' | 'floor'): Tensor {
    if (roundingMode !== undefined) {
      return typeof other === 'number' ? run('div.Scalar_mode', this, other, roundingMode) : run('div.Tensor_mode', this, other, roundingMode);
    }
    return typeof other === 'number' ? run('div.Scalar', this, other) : run('div.Tensor', this, other);
  }
  pow(exponent: TensorOrScalar): Tensor {
    return typeof exponent === 'number' ? run('pow.Tensor_Scalar', this, exponent) : run('pow.Tensor_Tensor', this, exponent);
  }
  exp(): Tensor {
    return run('exp', this);
  }
  log(): Tensor {
    return run('log', this);
  }
  log1p(): Tensor {
    return run('log1p', this);
  }
  sqrt(): Tensor {
    return run('sqrt', this);
  }
  rsqrt(): Tensor {
    return run('rsqrt', this);
  }
  square(): Tensor {
    return run('square', this);
  }
  reciprocal(): Tensor {
    return run('reciprocal', this);
  }
  abs(): Tensor {
    return run('abs', this);
  }
  neg(): Tensor {
    return run('neg', this);
  }
  sign(): Tensor {
    return run('sign', this);
  }
  floor(): Tensor {
    return run('floor', this);
  }
  round(): Tensor {
    return run('round', this);
  }
  /** Limits to [min, max]; either bound may be omitted (null). */
  clamp(min?: number | null, max?: number | null): Tensor {
    if (min == null && max == null) throw new TypeError('clamp: at least one of min and max must be given');
    return run('clamp', this, min ?? null, max ?? null);
  }
  clampMin(min: number): Tensor {
    return run('clamp_min', this, min);
  }
  clampMax(max: number): Tensor {
    return run('clamp_max', this, max);
  }
  minimum(other: Tensor): Tensor {
    return run('minimum', this, other);
  }
  maximum(other: Tensor): Tensor {
    return run('maximum', this, other);
  }
  eq(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? run('eq.Scalar', this, other) : run('eq.Tensor', this, other);
  }
  ne(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? run('ne.Scalar', this, other) : run('ne.Tensor', this, other);
  }
  lt(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? run('lt.Scalar', this, other) : run('lt.Tensor', this, other);
  }
  le(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? run('le.Scalar', this, other) : run('le.Tensor', this, other);
  }
  gt(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? run('gt.Scalar', this, other) : run('gt.Tensor', this, other);
  }
  ge(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? run('ge.Scalar', this, other) : run('ge.Tensor', this, other);
  }
  logicalNot(): Tensor {
    return run('logical_not', this);
  }
  logicalAnd(other: Tensor): Tensor {
    return run('logical_and', this, other);
  }
  logicalOr(other: Tensor): Tensor {
    return run('logical_or', this, other);
  }
  isfinite(): Tensor {
    return run('isfinite', this);
  }
  isnan(): Tensor {
    return run('isnan', this);
  }

  // ---- activations (also in F) --------------------------------------------------------------

  relu(): Tensor {
    return run('relu', this);
  }
  sigmoid(): Tensor {
    return run('sigmoid', this);
  }
  tanh(): Tensor {
    return run('tanh', this);
  }
  softmax(dim: number): Tensor {
    return run('softmax.int', this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return run('log_softmax.int', this, dim);
  }

  // ---- reductions ------------------------------------------------------------------------------

  /** Sum of all elements, or over `dim` (an integer or a list). */
  sum(dim?: number | readonly number[], keepdim = false): Tensor {
    return dim === undefined ? run('sum', this) : run('sum.dim_IntList', this, dims('sum', dim), keepdim);
  }
  mean(dim?: number | readonly number[], keepdim = false): Tensor {
    return dim === undefined ? run('mean', this) : run('mean.dim', this, dims('mean', dim), keepdim);
  }
  /** The largest element, or `{ values, indices }` along `dim`. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? run('max', this) : valuesIndices(run('max.dim', this, dim, keepdim));
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? run('min', this) : valuesIndices(run('min.dim', this, dim, keepdim));
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return run('argmax', this, dim ?? null, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return run('argmin', this, dim ?? null, keepdim);
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return run('logsumexp', this, dims('logsumexp', dim), keepdim);
  }
  /** The p-norm of all elements or over `dim` (`torch.linalg.vector_norm`). */
  norm(p = 2, dim?: number | readonly number[], keepdim = false): Tensor {
    return run('linalg_vector_norm', this, p, dim === undefined ? null : dims('norm', dim), keepdim);
  }
  /** Standard deviation with Bessel's correction by default (`correction` 1), as PyTorch. */
  std(dim?: number | readonly number[], keepdim = false, correction = 1): Tensor {
    return run('std.correction', this, dim === undefined ? null : dims('std', dim), correction, keepdim);
  }
  var(dim?: number | readonly number[], keepdim = false, correction = 1): Tensor {
    return run('var.correction', this, dim === undefined ? null : dims('var', dim), correction, keepdim);
  }
  /** The `k` largest (or smallest) entries along `dim`. */
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
    return valuesIndices(run('topk', this, k, dim, largest, sorted));
  }
  sort(dim = -1, descending = false): ValuesIndices {
    return valuesIndices(run('sort', this, dim, descending));
  }
  all(): Tensor {
    return run('all', this);
  }
  any(): Tensor {
    return run('any', this);
  }

  // ---- linear algebra ----------------------------------------------------------------------------

  matmul(other: Tensor): Tensor {
    return run('matmul', this, other);
  }
  mm(other: Tensor): Tensor {
    return run('mm', this, other);
  }
  bmm(other: Tensor): Tensor {
    return run('bmm', this, other);
  }

  // ---- in place (for optimizers; not for tensors autograd needs) -------------------------------

  add_(other: TensorOrScalar, alpha = 1): Tensor {
    return typeof other === 'number' ? runInPlace(this, 'add_.Scalar', other, alpha) : runInPlace(this, 'add_.Tensor', other, alpha);
  }
  sub_(other: TensorOrScalar, alpha = 1): Tensor {
    return typeof other === 'number' ? runInPlace(this, 'sub_.Scalar', other, alpha) : runInPlace(this, 'sub_.Tensor', other, alpha);
  }
  mul_(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? runInPlace(this, 'mul_.Scalar', other) : runInPlace(this, 'mul_.Tensor', other);
  }
  div_(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? runInPlace(this, 'div_.Scalar', other) : runInPlace(this, 'div_.Tensor', other);
  }
  /** this += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): Tensor {
    return runInPlace(this, 'addcmul_', t1, t2, value);
  }
  /** this += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): Tensor {
    return runInPlace(this, 'addcdiv_', t1, t2, value);
  }
  /** this += weight * (end - this) */
  lerp_(end: Tensor, weight: number): Tensor {
    return runInPlace(this, 'lerp_.Scalar', end, weight);
  }
  copy_(src: Tensor): Tensor {
    return runInPlace(this, 'copy_', src);
  }
  zero_(): Tensor {
    return runInPlace(this, 'zero_');
  }
  fill_(value: number): Tensor {
    return runInPlace(this, 'fill_.Scalar', value);
  }
  clamp_(min?: number | null, max?: number | null): Tensor {
    return runInPlace(this, 'clamp_', min ?? null, max ?? null);
  }
}

/** Memory layouts: `channelsLast` is NHWC in memory with NCHW shape, as in PyTorch. */
export type MemoryFormat = 'contiguous' | 'channelsLast' | 'preserve';

/** Elements of `a` where `condition` holds, else of `b` (`torch.where`). */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (typeof a === 'number' && typeof b === 'number') return run('where.Scalar', condition, a, b);
  if (typeof a === 'number') return run('where.ScalarSelf', condition, a, b);
  if (typeof b === 'number') return run('where.ScalarOther', condition, a, b);
  return run('where.self', condition, a, b);
}

/** Concatenates along an existing dim (`torch.cat`). */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return run('cat', tensors, dim);
}

/** Stacks along a new dim (`torch.stack`). */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return run('stack', tensors, dim);
}
