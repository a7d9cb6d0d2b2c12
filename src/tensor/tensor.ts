// The Tensor class: a libtorch tensor under PyTorch's method names, in camelCase.
import { checkBool, checkInt, checkNumber, checkTensorArg, checkTensorList } from './check.js';
import { type AnyTypedArray, type Device, type Dtype, isDevice, isDtype, typedView } from './dtype.js';
import { opId } from './dispatch.js';
import { native, type TensorHandle } from './native.js';
import { type Owned, type ScopeFrame, track, untrack } from './scope.js';

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
 * The backstop of docs/architecture.md's memory model: a tensor outside every scope that nobody disposed is
 * freed once the GC has collected its wrapper (late, and only when the event loop turns). Scopes
 * and `dispose()` are the real mechanism; tensors a scope owns are not registered here.
 *
 * Registration waits in `pending` (up to 1024 tensors, or until the current task's microtasks
 * run): most unscoped tensors are disposed at once (`a.add(b).dispose()`), and skipping their
 * register/unregister pair halves the cost of such a call. The registry only acts when the
 * event loop turns, so a tensor registered a little later is collected no later.
 */
const backstop = new FinalizationRegistry<TensorHandle>((h) => native.free(h));
const pending: Tensor[] = [];
let flushQueued = false;

function registerPending(): void {
  flushQueued = false;
  const ts = pending.splice(0);
  for (const t of ts) t.register();
}

function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

// ---- the tape --------------------------------------------------------------------------------
// An op call writes its op id and arguments into a buffer shared with the addon (native/ops.cc)
// and crosses Node-API once with no argument values: tensors as their ids, numbers, booleans,
// null, and lists of numbers or of tensors (null allowed) as tagged doubles; anything else
// (strings, mixed arrays, objects) goes as a JS value in `extra`, which the addon converts as
// it always did (tensors inside it as BigInt ids). Results come back the same way.

const UNDEFINED = 0, NULL = 1, TENSOR = 2, NUMBER = 3, FALSE = 4, TRUE = 5, NUMBER_LIST = 6, TENSOR_LIST = 7, JS = 8;
const { slots: SLOTS, listCap: LIST_CAP, header: HEADER } = native.tapeLayout;
const vals = new Float64Array(native.tape, 0, SLOTS);
const list = new Float64Array(native.tape, SLOTS * 8, LIST_CAP);
const hdr = new Int32Array(native.tape, (SLOTS + LIST_CAP) * 8, HEADER);
const tags = new Int32Array(native.tape, (SLOTS + LIST_CAP) * 8 + HEADER * 4, SLOTS);
const lens = new Int32Array(native.tape, (SLOTS + LIST_CAP) * 8 + (HEADER + SLOTS) * 4, SLOTS);
let listTop = 0;
let extra: unknown[] | null = null;

function begin(name: string, n: number): number {
  if (n > SLOTS) throw new TypeError(`aten::${name}: takes at most ${SLOTS} arguments, got ${n}`);
  const id = opId(name);
  listTop = 0;
  extra = null;
  return id;
}

function put(i: number, a: unknown): void {
  if (a instanceof Tensor) {
    tags[i] = TENSOR;
    vals[i] = a.handle;
  } else if (typeof a === 'number') {
    tags[i] = NUMBER;
    vals[i] = a;
  } else if (a === undefined) {
    tags[i] = UNDEFINED;
  } else if (a === null) {
    tags[i] = NULL;
  } else if (typeof a === 'boolean') {
    tags[i] = a ? TRUE : FALSE;
  } else if (Array.isArray(a)) {
    putList(i, a);
  } else {
    putJs(i, a);
  }
}

function putList(i: number, a: readonly unknown[]): void {
  const n = a.length;
  const start = listTop;
  if (start + n > LIST_CAP) return putJs(i, jsList(a));
  let tag = NUMBER_LIST; // also the empty list
  if (n > 0 && typeof a[0] === 'number') {
    for (let j = 0; j < n; j++) {
      const e = a[j];
      if (typeof e !== 'number') return putJs(i, jsList(a));
      list[start + j] = e;
    }
  } else if (n > 0) {
    tag = TENSOR_LIST;
    for (let j = 0; j < n; j++) {
      const e = a[j];
      if (e instanceof Tensor) list[start + j] = e.handle;
      else if (e === null) list[start + j] = -1;
      else return putJs(i, jsList(a));
    }
  }
  listTop = start + n;
  tags[i] = tag;
  vals[i] = start;
  lens[i] = n;
}

/** A list the tape cannot hold, as the addon's general conversion takes it. */
function jsList(a: readonly unknown[]): unknown[] {
  return a.map((x) => (x instanceof Tensor ? BigInt(x.handle) : x));
}

function putJs(i: number, a: unknown): void {
  tags[i] = JS;
  vals[i] = (extra ??= []).length;
  extra.push(a);
}

function finish(id: number, n: number, discard: boolean): unknown {
  hdr[0] = id;
  hdr[1] = n;
  hdr[2] = discard ? 1 : 0;
  const x = extra;
  extra = null;
  const r = x === null ? native.call() : native.call(x);
  if (r !== undefined) return wrap(r);
  const k = hdr[3];
  if (k === 1) return result(0);
  if (k === 0) return undefined;
  const out = new Array<unknown>(k);
  for (let j = 0; j < k; j++) out[j] = result(j);
  return out;
}

function result(j: number): unknown {
  switch (tags[j]) {
    case TENSOR: return new Tensor(vals[j]!);
    case NUMBER: return vals[j];
    case NULL: return null;
    case TRUE: return true;
    case FALSE: return false;
    default: { // TENSOR_LIST
      const start = vals[j]!;
      const out = new Array<Tensor | null>(lens[j]!);
      for (let m = 0; m < out.length; m++) {
        const h = list[start + m]!;
        out[m] = h < 0 ? null : new Tensor(h);
      }
      return out;
    }
  }
}

/** Results the tape could not hold: tensors come as BigInt ids. */
function wrap(r: unknown): unknown {
  if (typeof r === 'bigint') return new Tensor(Number(r));
  if (Array.isArray(r)) return r.map(wrap);
  return r;
}

/**
 * Calls the ATen op `name` (e.g. "add.Tensor") by its schema name; `undefined` arguments take
 * the schema default. For ops the typed API does not name; library code uses the typed methods.
 */
export function run<T = Tensor>(name: string, ...args: unknown[]): T {
  const id = begin(name, args.length);
  for (let i = 0; i < args.length; i++) put(i, args[i]);
  return finish(id, args.length, false) as T;
}

/**
 * Calls an in-place ATen op on `self` (a tensor, or a list for the `_foreach_*_` ops) and
 * returns `self`; the op's result, a second handle on the same storage, is never made.
 */
export function runInPlace<S extends Tensor | readonly Tensor[]>(self: S, name: string, ...args: unknown[]): S {
  const id = begin(name, args.length + 1);
  put(0, self);
  for (let i = 0; i < args.length; i++) put(i + 1, args[i]);
  finish(id, args.length + 1, true);
  return self;
}

/** Calls an ATen `.out` op writing into `out` (PyTorch's `out=`, the last argument) and returns `out`. */
export function runOut(out: Tensor, name: string, ...args: unknown[]): Tensor {
  checkTensorArg(name, 'out', out, isTensor);
  const id = begin(name, args.length + 1);
  for (let i = 0; i < args.length; i++) put(i, args[i]);
  put(args.length, out);
  finish(id, args.length + 1, true);
  return out;
}

/** Throws a TypeError naming `op` and `arg` unless `x` is a Tensor. */
export function checkTensor(op: string, arg: string, x: unknown): Tensor {
  return checkTensorArg(op, arg, x, isTensor);
}

/** `Tensor | null` entries of an index list, as `t[rows, cols]` takes them. */
function checkIndices(op: string, indices: unknown): (Tensor | null)[] {
  return checkTensorList(op, 'indices', indices, isTensor, true);
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
 * the innermost open `scope`. See docs/architecture.md for the memory model.
 */
export class Tensor implements Owned {
  /** The scope that owns this tensor, if any (managed by scope.ts). */
  owner: ScopeFrame | null = null;
  #handle: TensorHandle;
  #meta: [number[], string, string, boolean] | null = null;
  #disposed = false;
  /** 0: not in the backstop; 1: waiting in `pending`; 2: registered. */
  #backstop = 0;

  /** Wraps a native handle; use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(handle: TensorHandle) {
    this.#handle = handle;
    track(this);
  }

  /** No scope owns this tensor now: the GC backstop frees it if nobody disposes it. */
  orphaned(): void {
    if (this.#backstop !== 0 || this.#disposed) return;
    this.#backstop = 1;
    pending.push(this);
    if (pending.length >= 1024) {
      registerPending();
    } else if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(registerPending);
    }
  }

  /** Registers with the backstop a tensor `orphaned()` queued, unless it was disposed since (internal). */
  register(): void {
    if (this.#backstop !== 1) return;
    if (this.#disposed) {
      this.#backstop = 0;
      return;
    }
    this.#backstop = 2;
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
    if (this.#backstop === 2) backstop.unregister(this);
    untrack(this);
  }

  /** Disposes without freeing the native tensor, whose handle it returns (-1 if disposed); for scopes, which free in batches. */
  release(): number {
    if (this.#disposed) return -1;
    this.#disposed = true;
    if (this.#backstop === 2) backstop.unregister(this);
    this.owner = null;
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  /**
   * Makes this tensor hold `source`'s data (its storage, shape, dtype, device and layout) while
   * staying the same object, as PyTorch's `param.data = source` keeps a parameter's identity:
   * optimizers, EMAs and modules that hold this tensor see the new data. `requiresGrad` is
   * kept; the gradient is not (set `grad` again to carry it). `source` is consumed: its native
   * handle moves here and `source` is disposed (using it throws; disposing it again frees
   * nothing), so the handle has exactly one owner. The old data are freed now. Returns this.
   */
  setData_(source: Tensor): this {
    if (this.#disposed) throw new Error('setData_: the tensor has been disposed');
    checkTensor('setData_', 'source', source);
    if (source === this) throw new TypeError('setData_: source must be another tensor, got the tensor itself');
    if (source.#disposed) throw new Error('setData_: source has been disposed');
    const requiresGrad = native.requiresGrad(this.#handle);
    // On the source first: if libtorch refuses (an integer dtype cannot require grad), nothing changed.
    if (native.requiresGrad(source.#handle) !== requiresGrad) native.setRequiresGrad(source.#handle, requiresGrad);
    const old = this.#handle;
    this.#handle = source.#handle;
    this.#meta = null;
    // The source leaves its scope and the backstop without freeing the handle it gave away, and
    // keeps the old id, stale once freed below: a use that bypasses the disposed flag (its
    // `handle` passed to an op) fails as for any disposed tensor, never reaching this data.
    source.#handle = old;
    source.#disposed = true;
    if (source.#backstop === 2) backstop.unregister(source);
    untrack(source);
    // The backstop holds the handle itself, not the wrapper: it must hold the new one (a
    // pending registration reads the handle when it happens).
    if (this.#backstop === 2) {
      backstop.unregister(this);
      backstop.register(this, this.#handle, this);
    }
    native.free(old);
    return this;
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
  /** A view with another shape (`t.view(shape)`), or of the same bytes as another dtype (`t.view(dtype)`). */
  view(shape: readonly number[]): Tensor;
  view(dtype: Dtype): Tensor;
  view(shapeOrDtype: readonly number[] | Dtype): Tensor {
    if (typeof shapeOrDtype !== 'string') return run('view', this, shapeOrDtype);
    if (!isDtype(shapeOrDtype)) throw new TypeError(`view: unknown dtype '${shapeOrDtype}'`);
    return run('view.dtype', this, shapeOrDtype);
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
  /** `t[indices[0], indices[1], ...]` with index tensors (null: a whole dim), as advanced indexing; differentiable. */
  index(indices: readonly (Tensor | null)[]): Tensor {
    return run('index.Tensor', this, checkIndices('index', indices));
  }
  /** A copy with `values` written at `indices` (summed into it with `accumulate`), `torch.index_put`. */
  indexPut(indices: readonly (Tensor | null)[], values: Tensor, accumulate = false): Tensor {
    return run('index_put', this, checkIndices('indexPut', indices), checkTensor('indexPut', 'values', values), checkBool('indexPut', 'accumulate', accumulate));
  }
  /** A copy with `alpha * source` added at rows `index` along `dim` (`torch.index_add`). */
  indexAdd(dim: number, index: Tensor, source: Tensor, alpha = 1): Tensor {
    return run('index_add', this, checkInt('indexAdd', 'dim', dim), index, source, checkNumber('indexAdd', 'alpha', alpha));
  }
  /** A copy with the rows `index` along `dim` replaced by `source` (`torch.index_copy`). */
  indexCopy(dim: number, index: Tensor, source: Tensor): Tensor {
    return run('index_copy', this, checkInt('indexCopy', 'dim', dim), index, source);
  }
  /** `indexCopy` in place. */
  indexCopy_(dim: number, index: Tensor, source: Tensor): Tensor {
    return runInPlace(this, 'index_copy_', checkInt('indexCopy_', 'dim', dim), index, source);
  }
  /** A copy with `src` summed into the positions `index` along `dim` (`torch.scatter_add`). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return run('scatter_add', this, checkInt('scatterAdd', 'dim', dim), index, src);
  }
  /** The indices of the non-zero elements, (K, ndim) int64 in row-major order (`torch.nonzero`). */
  nonzero(): Tensor {
    return run('nonzero', this);
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
  /** C-style remainder, with the sign of the dividend (`torch.fmod`). */
  fmod(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? run('fmod.Scalar', this, other) : run('fmod.Tensor', this, other);
  }
  /** Python-style remainder (`%`), with the sign of the divisor (`torch.remainder`). */
  remainder(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? run('remainder.Scalar', this, other) : run('remainder.Tensor', this, other);
  }
  /** NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (default: 0 and the dtype's largest and lowest finite values), `torch.nan_to_num`. */
  nanToNum(nan = 0, posinf?: number, neginf?: number): Tensor {
    return run('nan_to_num', this, ...nanToNumArgs('nanToNum', nan, posinf, neginf));
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
  ceil(): Tensor {
    return run('ceil', this);
  }
  cos(): Tensor {
    return run('cos', this);
  }
  sin(): Tensor {
    return run('sin', this);
  }
  /** The arc cosine in radians (`torch.acos`): NaN outside [-1, 1], and an infinite gradient at ±1 (clamp first). */
  acos(): Tensor {
    return run('acos', this);
  }
  round(): Tensor {
    return run('round', this);
  }
  /**
   * Cumulative sum along `dim` (`torch.cumsum`), in `dtype` if given (else the input's, with
   * integer and bool inputs summed as int64, as PyTorch).
   */
  cumsum(dim: number, dtype?: Dtype): Tensor {
    if (dtype !== undefined && !isDtype(dtype)) throw new TypeError(`cumsum: unknown dtype '${String(dtype)}'`);
    return run('cumsum', this, checkInt('cumsum', 'dim', dim), dtype ?? null);
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
  /** `relu` in place; returns this tensor. */
  relu_(): Tensor {
    return runInPlace(this, 'relu_');
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
  /** The largest values over `dim` (an integer or a list; all dims when omitted), without indices (`torch.amax`). */
  amax(dim: number | readonly number[] = [], keepdim = false): Tensor {
    return run('amax', this, dims('amax', dim), checkBool('amax', 'keepdim', keepdim));
  }
  /** The smallest values over `dim` (`torch.amin`). */
  amin(dim: number | readonly number[] = [], keepdim = false): Tensor {
    return run('amin', this, dims('amin', dim), checkBool('amin', 'keepdim', keepdim));
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
  /**
   * Sorted values along `dim` and their indices (`torch.sort`); with `stable`, equal values keep
   * their order (the lowest index first).
   */
  sort(dim = -1, descending = false, stable = false): ValuesIndices {
    checkInt('sort', 'dim', dim);
    checkBool('sort', 'descending', descending);
    return valuesIndices(checkBool('sort', 'stable', stable) ? run('sort.stable', this, true, dim, descending) : run('sort', this, dim, descending));
  }
  /** Whether every element is non-zero: a bool scalar, or along `dim` (`torch.all`). */
  all(dim?: number, keepdim = false): Tensor {
    return dim === undefined ? run('all', this) : run('all.dim', this, checkInt('all', 'dim', dim), checkBool('all', 'keepdim', keepdim));
  }
  /** Whether any element is non-zero: a bool scalar, or along `dim` (`torch.any`). */
  any(dim?: number, keepdim = false): Tensor {
    return dim === undefined ? run('any', this) : run('any.dim', this, checkInt('any', 'dim', dim), checkBool('any', 'keepdim', keepdim));
  }
  /**
   * How often each value 0..max occurs in a 1-d tensor of non-negative integers, or the sum of
   * `weights` at each value; at least `minlength` bins (`torch.bincount`).
   */
  bincount(weights?: Tensor | null, minlength = 0): Tensor {
    if (weights != null) checkTensor('bincount', 'weights', weights);
    return run('bincount', this, weights ?? null, checkInt('bincount', 'minlength', minlength));
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
  /** -x in place (`Tensor.neg_`). */
  neg_(): Tensor {
    return runInPlace(this, 'neg_');
  }
  /** |x| in place (`Tensor.abs_`). */
  abs_(): Tensor {
    return runInPlace(this, 'abs_');
  }
  /** `remainder` in place. */
  remainder_(other: TensorOrScalar): Tensor {
    return typeof other === 'number' ? runInPlace(this, 'remainder_.Scalar', other) : runInPlace(this, 'remainder_.Tensor', other);
  }
  /** `nanToNum` in place. */
  nanToNum_(nan = 0, posinf?: number, neginf?: number): Tensor {
    return runInPlace(this, 'nan_to_num_', ...nanToNumArgs('nanToNum_', nan, posinf, neginf));
  }
  /** Writes `value` on the main diagonal of a 2-d (or equal-sided) tensor; `wrap` continues it below the square part of a tall matrix (`fill_diagonal_`). */
  fillDiagonal_(value: number, wrap = false): Tensor {
    return runInPlace(this, 'fill_diagonal_', checkNumber('fillDiagonal_', 'value', value, true), checkBool('fillDiagonal_', 'wrap', wrap));
  }
  /** Fills with draws from U(from, to), from the seeded generator (`Tensor.uniform_`). */
  uniform_(from = 0, to = 1): Tensor {
    checkNumber('uniform_', 'from', from);
    if (checkNumber('uniform_', 'to', to) < from) throw new RangeError(`uniform_: from (${from}) must be <= to (${to})`);
    return runInPlace(this, 'uniform_', from, to, null);
  }
  /** Fills with draws from N(mean, std^2), from the seeded generator (`Tensor.normal_`). */
  normal_(mean = 0, std = 1): Tensor {
    checkNumber('normal_', 'mean', mean);
    if (checkNumber('normal_', 'std', std) < 0) throw new RangeError(`normal_: std must be >= 0, got ${std}`);
    return runInPlace(this, 'normal_', mean, std, null);
  }
}

/** The (nan, posinf, neginf) arguments of nan_to_num, checked; absent infinities take libtorch's defaults. */
function nanToNumArgs(op: string, nan: number, posinf?: number, neginf?: number): [number, number | null, number | null] {
  return [
    checkNumber(op, 'nan', nan),
    posinf === undefined ? null : checkNumber(op, 'posinf', posinf),
    neginf === undefined ? null : checkNumber(op, 'neginf', neginf),
  ];
}

/** Memory layouts: `channelsLast` is NHWC in memory with NCHW shape, as in PyTorch. */
export type MemoryFormat = 'contiguous' | 'channelsLast' | 'preserve';

/**
 * Elements of `a` where `condition` holds, else of `b` (`torch.where`). With `out` the result
 * is written into it (both values tensors then), e.g. `where(c, a, out, { out })` updates `out`
 * where `c` holds.
 */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar, o: { out?: Tensor } = {}): Tensor {
  if (o.out !== undefined) {
    return runOut(o.out, 'where.self_out', condition, checkTensor('where', 'a', a), checkTensor('where', 'b', b));
  }
  if (typeof a === 'number' && typeof b === 'number') return run('where.Scalar', condition, a, b);
  if (typeof a === 'number') return run('where.ScalarSelf', condition, a, b);
  if (typeof b === 'number') return run('where.ScalarOther', condition, a, b);
  return run('where.self', condition, a, b);
}

/** Concatenates along an existing dim (`torch.cat`). */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return run('cat', tensors, dim);
}

/** The elementwise maximum of `a` and `b` (`torch.maximum`), written into `out` if given. */
export function maximum(a: Tensor, b: Tensor, o: { out?: Tensor } = {}): Tensor {
  return o.out === undefined ? a.maximum(b) : runOut(o.out, 'maximum.out', a, b);
}

/** The p-norm distances between the rows of x1 (.., P, M) and x2 (.., R, M): (.., P, R) (`torch.cdist`). */
export function cdist(x1: Tensor, x2: Tensor, p = 2): Tensor {
  if (checkNumber('cdist', 'p', p, true) < 0) throw new RangeError(`cdist: p must be >= 0, got ${p}`);
  return run('cdist', x1, x2, p, null);
}

/** Stacks along a new dim (`torch.stack`). */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return run('stack', tensors, dim);
}
