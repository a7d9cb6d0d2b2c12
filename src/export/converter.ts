// What a module converter is: it emits the ONNX nodes that compute a module's forward (in
// evaluation mode) and returns the value they produce.
import type { AnyModule } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import type { Dim, OnnxGraph, OnnxValue } from './onnx-graph.js';

/** The exporter's services to a converter. */
export interface ConverterContext {
  /** The graph being built. */
  readonly graph: OnnxGraph;
  /** Converts a child module (found by its own class) named `childName` under `path`. */
  convert(child: AnyModule, path: string, childName: string, x: OnnxValue): OnnxValue;
  /**
   * Adds a parameter or buffer as a float32 initializer named `path.name` (the state-dict name),
   * whatever the tensor's dtype, device or memory format (row-major, NCHW order); `transform`
   * may rewrite the values and dims first (e.g. a transposed weight). Returns the initializer name.
   */
  tensor(path: string, name: string, t: Tensor, transform?: (data: Float32Array, dims: number[]) => { data: Float32Array; dims: number[] }): string;
  /** Adds a constant float32 or int64 initializer named `path.name`. Returns its name. */
  constant(path: string, name: string, data: Float32Array | BigInt64Array, dims: readonly number[]): string;
  /** Throws an OnnxExportError naming the module at `path` and its type. */
  fail(path: string, module: AnyModule, reason: string): never;
}

/**
 * Emits the nodes for module `m` at `path` (its state-dict prefix), on input `x`, and returns
 * the output value with its shape. A converter reproduces `m.forward` in evaluation mode.
 */
export type Converter<M extends AnyModule = AnyModule> = (m: M, x: OnnxValue, ctx: ConverterContext, path: string) => OnnxValue;

/** A module class and its converter. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ConverterEntry = readonly [moduleClass: abstract new (...args: any[]) => AnyModule, converter: Converter<any>];

/** Pairs a module class with its converter, type-checked (the table's element type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function entry<M extends AnyModule>(moduleClass: abstract new (...args: any[]) => M, converter: Converter<M>): ConverterEntry {
  return [moduleClass, converter];
}

/** An export that cannot be done; the message names the module path and type where it failed. */
export class OnnxExportError extends Error {
  override name = 'OnnxExportError';

  constructor(message: string, readonly modulePath: string | null = null, readonly moduleType: string | null = null) {
    super(message);
  }
}

/** `path.name`, or `name` at the root. */
export function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** The product of static dims, or null when one is symbolic. */
export function staticProduct(dims: readonly Dim[]): number | null {
  let p = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return null;
    p *= d;
  }
  return p;
}

/** Formats a shape for messages: [N, 3, 32, 32]. */
export function showShape(shape: readonly Dim[]): string {
  return `[${shape.join(', ')}]`;
}
