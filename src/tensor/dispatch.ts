// Calls ATen ops by schema name through the addon, caching each op's id.
import { native, type TensorHandle } from './native.js';

const ids = new Map<string, number>();

/** The addon's id for `name` ("add.Tensor" is aten::add, overload Tensor). */
export function opId(name: string): number {
  let id = ids.get(name);
  if (id === undefined) {
    const dot = name.indexOf('.');
    id = dot < 0 ? native.op(`aten::${name}`, '') : native.op(`aten::${name.slice(0, dot)}`, name.slice(dot + 1));
    ids.set(name, id);
  }
  return id;
}

/** The op's schema as libtorch prints it, e.g. for documentation. */
export function opSchema(name: string): string {
  return native.schema(opId(name));
}

/** Anything with a native handle; `Tensor` is the one implementation. */
export interface HasHandle {
  readonly handle: TensorHandle;
}

/** Replaces tensors (also inside arrays) by their handles. */
export function unwrapArgs(args: readonly unknown[], isTensor: (x: unknown) => x is HasHandle): unknown[] {
  const out = new Array<unknown>(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (isTensor(a)) out[i] = a.handle;
    else if (Array.isArray(a) && a.some(isTensor)) out[i] = a.map((x) => (isTensor(x) ? x.handle : x));
    else out[i] = a;
  }
  return out;
}
