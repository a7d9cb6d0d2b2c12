/** Element types, named as PyTorch names them (`torch.float32` is `'float32'`). */
export type Dtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Every dtype, in the order of the `Dtype` union. */
export const DTYPES: readonly Dtype[] = [
  'float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool',
];

/** `'cpu'`, `'cuda'` or `'cuda:N'`. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/** What `Tensor.data()` returns for each dtype (float16/bfloat16 widen to float32, bool to uint8). */
export type TypedArrayOf<D extends Dtype> = D extends 'float64' ? Float64Array
  : D extends 'int64' ? BigInt64Array
  : D extends 'int32' ? Int32Array
  : D extends 'int16' ? Int16Array
  : D extends 'int8' ? Int8Array
  : D extends 'uint8' | 'bool' ? Uint8Array
  : Float32Array;

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** The floating-point dtypes (`torch.is_floating_point` is true for exactly these). */
export const FLOATING_DTYPES: readonly Dtype[] = ['float32', 'float64', 'float16', 'bfloat16'];

/** Whether `x` names a dtype. */
export function isDtype(x: unknown): x is Dtype {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

/** Whether `x` names a device: 'cpu', 'cuda' or 'cuda:N'. */
export function isDevice(x: unknown): x is Device {
  return typeof x === 'string' && /^(cpu|cuda(:\d+)?)$/.test(x);
}

/** Whether `d` is a floating-point dtype (`torch.is_floating_point`). */
export function isFloating(d: Dtype): boolean {
  return FLOATING_DTYPES.includes(d);
}

/** The dtype a TypedArray holds, or undefined for arrays libtorch has no type for. */
export function dtypeOfArray(a: ArrayBufferView): Dtype | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'uint8';
  return undefined;
}

/** A view of `buffer` typed as `dtype` holds (the addon's toBuffer output). */
export function typedView(buffer: ArrayBuffer, dtype: string): AnyTypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer);
    case 'float64': return new Float64Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'int16': return new Int16Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'uint8': return new Uint8Array(buffer);
    default: throw new Error(`no TypedArray for dtype ${dtype}`);
  }
}
