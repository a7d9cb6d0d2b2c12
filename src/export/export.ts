// Module tree -> ONNX model: walks the modules, each converted by the converter of its class.
import { Module, type AnyModule } from '../nn/index.js';
import { scope, type Tensor } from '../tensor/index.js';
import { blockConverters } from './blocks.js';
import { type Converter, type ConverterContext, join, OnnxExportError, showShape } from './converter.js';
import { layerConverters } from './layers.js';
import { type Dim, IR_VERSION, OnnxGraph, OPSET, type OnnxValue } from './onnx-graph.js';
import { sequenceConverters } from './sequence.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModuleClass = abstract new (...args: any[]) => AnyModule;

const registry = new Map<ModuleClass, Converter>([...layerConverters, ...blockConverters, ...sequenceConverters]);

/**
 * Registers the ONNX converter of a module class (e.g. a custom encoder added with
 * `registerEncoder`), used for it and for its subclasses that do not override `forward`.
 * An already registered class is an error unless `replace`.
 */
export function registerOnnxConverter<M extends AnyModule>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  moduleClass: abstract new (...args: any[]) => M, converter: Converter<M>, replace = false,
): void {
  if (typeof moduleClass !== 'function' || !(moduleClass.prototype instanceof Module)) {
    throw new TypeError('registerOnnxConverter: moduleClass must be a Module subclass');
  }
  if (typeof converter !== 'function') throw new TypeError('registerOnnxConverter: converter must be a function');
  if (registry.has(moduleClass) && !replace) throw new Error(`registerOnnxConverter: ${moduleClass.name} already has a converter (pass replace = true)`);
  registry.set(moduleClass, converter as Converter);
}

/**
 * The converter for `m`: its class's, else that of the nearest registered ancestor class,
 * provided no class in between overrides `forward` and the instance has not replaced it (then
 * it computes something else). Null when there is none.
 */
export function findOnnxConverter(m: AnyModule): Converter | null {
  if (Object.prototype.hasOwnProperty.call(m, 'forward')) return null; // forward replaced on the instance
  let proto: unknown = Object.getPrototypeOf(m);
  while (proto && proto !== Module.prototype) {
    const c = registry.get((proto as { constructor: ModuleClass }).constructor);
    if (c) return c;
    if (Object.prototype.hasOwnProperty.call(proto, 'forward')) return null;
    proto = Object.getPrototypeOf(proto);
  }
  return null;
}

/** Why a module of a known family has no converter: a forward replaced on the instance or overridden by a subclass. */
function whyUnknown(m: AnyModule): string {
  if (Object.prototype.hasOwnProperty.call(m, 'forward')) return ' (its forward was replaced on the instance)';
  for (let p: unknown = Object.getPrototypeOf(Object.getPrototypeOf(m)); p && p !== Module.prototype; p = Object.getPrototypeOf(p)) {
    const base = (p as { constructor: ModuleClass }).constructor;
    if (registry.has(base)) return ` (a subclass of ${base.name} whose forward differs)`;
  }
  return '';
}

/** The module class names the exporter converts. */
export function onnxModuleTypes(): string[] {
  return [...registry.keys()].map((c) => c.name);
}

/** A module to apply at a state-dict prefix: `['backbone', method.backbone]`. */
export type OnnxStage = readonly [path: string, module: AnyModule];

/** Options of `toOnnx`. */
export interface ToOnnxOptions {
  /** The shape of one input item, e.g. [1, 28, 28] (C, H, W); the batch dim is added, dynamic. */
  sampleShape: readonly number[];
  /** Graph input name (default 'images'). */
  inputName?: string;
  /** Graph output name (default 'embeddings'). */
  outputName?: string;
  /** The symbolic batch dim, ONNX `dim_param` (default 'N'). */
  batchDim?: string;
  /** GraphProto.name (default 'contrastive'). */
  graphName?: string;
  /** ModelProto.doc_string. */
  docString?: string;
  /** ModelProto.metadata_props. */
  metadata?: Readonly<Record<string, string>>;
  /**
   * Per-channel standardisation as the graph's first nodes: the input holds raw values and the
   * model computes (x - mean[c]) / std[c] (ONNX `Sub` then `Div`, numpy-style broadcasting of
   * (1, C, 1, ...) initialisers: https://onnx.ai/onnx/operators/onnx__Sub.html,
   * https://onnx.ai/onnx/operators/onnx__Div.html) before the first stage. One entry per channel
   * (sampleShape[0]); every std positive.
   */
  standardize?: { readonly mean: readonly number[]; readonly std: readonly number[] } | null;
}

/** An exported model: the serialised ModelProto and what it holds. */
export interface OnnxExport {
  /** The ModelProto bytes (an `.onnx` file). */
  bytes: Uint8Array;
  /** The graph input: (N, ...sampleShape) float32. */
  input: OnnxValue;
  /** The graph output, e.g. (N, 128) float32. */
  output: OnnxValue;
  opset: number;
  irVersion: number;
  nodes: number;
  initializers: number;
}

class ExportContext implements ConverterContext {
  readonly graph: OnnxGraph;

  constructor(graph: OnnxGraph) {
    this.graph = graph;
  }

  convert(child: AnyModule, path: string, childName: string, x: OnnxValue): OnnxValue {
    const p = join(path, childName);
    const c = findOnnxConverter(child);
    if (!c) {
      throw new OnnxExportError(
        `ONNX export: no converter for module '${p || '(root)'}' of type ${child.name}${whyUnknown(child)}; `
        + `the exporter converts ${onnxModuleTypes().join(', ')} (add one with registerOnnxConverter)`,
        p, child.name,
      );
    }
    return c(child, x, this, p);
  }

  tensor(path: string, name: string, t: Tensor, transform?: (data: Float32Array, dims: number[]) => { data: Float32Array; dims: number[] }): string {
    // float32, CPU, row-major (NCHW for a channels-last weight), whatever the module holds.
    const data = scope(() => t.detach().to({ dtype: 'float32', device: 'cpu' }).contiguous().data());
    if (!(data instanceof Float32Array)) throw new OnnxExportError(`ONNX export: '${join(path, name)}' did not read back as float32`, path);
    const v = transform ? transform(data, [...t.shape]) : { data, dims: [...t.shape] };
    return this.graph.initializer(join(path, name), v.data, v.dims);
  }

  constant(path: string, name: string, data: Float32Array | BigInt64Array, dims: readonly number[]): string {
    return this.graph.initializer(join(path, name), data, dims);
  }

  fail(path: string, module: AnyModule, reason: string): never {
    throw new OnnxExportError(`ONNX export: module '${path || '(root)'}' (${module.name}): ${reason}`, path, module.name);
  }
}

/** Emits (x - mean) / std per channel (axis 1) on the graph input `x`; see ToOnnxOptions.standardize. */
function standardizeInput(ctx: ExportContext, x: OnnxValue, sampleShape: readonly number[], s: NonNullable<ToOnnxOptions['standardize']>): OnnxValue {
  const c = sampleShape[0]!;
  const { mean, std } = s;
  if (!Array.isArray(mean) || mean.length !== c || !mean.every(Number.isFinite)) {
    throw new RangeError(`toOnnx: standardize.mean must be ${c} finite numbers (one per channel of sampleShape [${sampleShape.join(', ')}]), got [${String(mean)}]`);
  }
  if (!Array.isArray(std) || std.length !== c || !std.every((v) => Number.isFinite(v) && v > 0)) {
    throw new RangeError(`toOnnx: standardize.std must be ${c} positive numbers (one per channel of sampleShape [${sampleShape.join(', ')}]), got [${String(std)}]`);
  }
  const dims = [1, c, ...sampleShape.slice(1).map(() => 1)];
  const m = ctx.constant('input', 'mean', Float32Array.from(mean), dims);
  const d = ctx.constant('input', 'std', Float32Array.from(std), dims);
  const centred = ctx.graph.node('Sub', [x.name, m], x.shape, {}, 'input/Sub');
  return ctx.graph.node('Div', [centred.name, d], x.shape, {}, 'input/Div');
}

/**
 * Builds the ONNX model (ai.onnx opset OPSET, IR_VERSION) of `model` in evaluation mode, or of
 * `stages` applied in order (e.g. backbone then projection head): input (N, ...sampleShape)
 * float32 with a dynamic batch dim, one float32 output. Every module is converted by the
 * converter of its class (see registerOnnxConverter); BatchNorm uses its running statistics and
 * Dropout is the identity, whatever the modules' training flag. Initializers are float32 and
 * named as the state dict (`backbone.conv1.weight`), whatever the parameters' dtype, device or
 * memory format. With `standardize` the input is raw values, standardised per channel by the
 * graph's first nodes. A module without a converter, or a shape that does not fit, throws an
 * OnnxExportError naming the module path and type; nothing is returned then.
 */
export function toOnnx(model: AnyModule | readonly OnnxStage[], o: ToOnnxOptions): OnnxExport {
  const stages: readonly OnnxStage[] = model instanceof Module ? [['', model]] : model as readonly OnnxStage[];
  if (!Array.isArray(stages) || stages.length === 0 || !stages.every((s) => Array.isArray(s) && typeof s[0] === 'string' && s[1] instanceof Module)) {
    throw new TypeError('toOnnx: expected a Module or a non-empty array of [path, Module] stages');
  }
  if (!Array.isArray(o?.sampleShape) || o.sampleShape.length === 0 || !o.sampleShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new TypeError(`toOnnx: sampleShape must be positive integers, e.g. [3, 32, 32]; got ${String(o?.sampleShape)}`);
  }
  const graph = new OnnxGraph(o.graphName ?? 'contrastive');
  const ctx = new ExportContext(graph);
  const input = graph.input(o.inputName ?? 'images', [o.batchDim ?? 'N', ...o.sampleShape]);
  let y = o.standardize ? standardizeInput(ctx, input, o.sampleShape, o.standardize) : input;
  for (const [path, m] of stages) y = ctx.convert(m, '', path, y);
  if (y === input) throw new OnnxExportError('ONNX export: the model is the identity (no operator emitted)');
  const output = graph.output(y, o.outputName ?? 'embeddings');
  const bytes = graph.toModel({
    docString: o.docString,
    metadata: { 'contrastive.input_shape': showShape(input.shape as Dim[]), ...o.metadata },
  });
  return { bytes, input, output, opset: OPSET, irVersion: IR_VERSION, nodes: graph.nodeCount, initializers: graph.initializerCount };
}
