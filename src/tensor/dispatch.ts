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
