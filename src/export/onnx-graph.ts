// A small builder for ONNX graphs (https://onnx.ai/onnx/repo-docs/IR.html), serialised with
// onnx-proto (the protobufjs classes generated from onnx.proto), an optional package loaded on
// the first serialisation.
import type OnnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';
import { requireOptional } from '../tensor/index.js';

/** onnx-proto's classes, loaded when a model is first serialised. */
const onnx = (): typeof proto => requireOptional<typeof OnnxProto>('onnx-proto', 'ONNX export').onnx;

/** A dimension: a size, or a symbolic name (a dynamic dimension, ONNX's `dim_param`). */
export type Dim = number | string;

/** A value in the graph: its name and its (static or symbolic) shape. */
export interface OnnxValue {
  readonly name: string;
  readonly shape: readonly Dim[];
}

/**
 * A node attribute, tagged with its ONNX type (AttributeProto.AttributeType): a JavaScript number
 * alone cannot say whether it is an INT or a FLOAT.
 */
export type OnnxAttribute =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'float'; readonly value: number };

/** An INT attribute (e.g. Conv's `group`, Gemm's `transB`). */
export function intAttr(value: number): OnnxAttribute {
  if (!Number.isSafeInteger(value)) throw new TypeError(`intAttr: expected an integer, got ${value}`);
  return { type: 'int', value };
}

/** An INTS attribute (e.g. Conv's `kernel_shape`, `strides`, `pads`). */
export function intsAttr(value: readonly number[]): OnnxAttribute {
  if (!value.every(Number.isSafeInteger)) throw new TypeError(`intsAttr: expected integers, got [${value.join(', ')}]`);
  return { type: 'ints', value: [...value] };
}

/** A FLOAT attribute (e.g. BatchNormalization's `epsilon`). */
export function floatAttr(value: number): OnnxAttribute {
  if (!Number.isFinite(value)) throw new TypeError(`floatAttr: expected a finite number, got ${value}`);
  return { type: 'float', value };
}

/** The element types this builder writes (TensorProto.DataType). */
export type OnnxElementType = 'float32' | 'int64';

/** TensorProto.DataType's numbers (onnx.proto): FLOAT 1, INT64 7. */
const ELEMENT_TYPE: Record<OnnxElementType, number> = { float32: 1, int64: 7 };

/**
 * The opset this exporter targets: ai.onnx 17 (ONNX 1.12), which has every operator the
 * converters emit (Conv, BatchNormalization, MaxPool, GlobalAveragePool, Gemm,
 * LayerNormalization, Erf, ...) and which onnxruntime (node and web) runs.
 */
export const OPSET = 17;

/**
 * The IR version that goes with OPSET: IR 8 covers opsets 15-17 (ONNX's versioning table,
 * https://onnx.ai/onnx/repo-docs/Versioning.html#released-versions).
 */
export const IR_VERSION = 8;

/** What `OnnxGraph.toModel` writes into the ModelProto besides the graph. */
export interface OnnxModelInfo {
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** ModelProto.metadata_props: free-form key/value strings (readable with onnxruntime's `modelMetadata`). */
  metadata?: Readonly<Record<string, string>>;
}

/**
 * Builds one ONNX graph: graph inputs and outputs, nodes (each with one output here), and
 * initializers (the constant tensors: weights, running statistics). Names are checked for
 * uniqueness, since ONNX requires SSA form: every value is produced once.
 */
export class OnnxGraph {
  readonly #nodes: proto.INodeProto[] = [];
  readonly #initializers: proto.ITensorProto[] = [];
  readonly #inputs: proto.IValueInfoProto[] = [];
  readonly #outputs: proto.IValueInfoProto[] = [];
  readonly #names = new Set<string>();
  readonly #nodeNames = new Map<string, number>();

  constructor(readonly name: string) {}

  /** Number of nodes so far. */
  get nodeCount(): number {
    return this.#nodes.length;
  }

  /** Number of initializers so far. */
  get initializerCount(): number {
    return this.#initializers.length;
  }

  /** Declares a graph input (ValueInfoProto) of `shape`; string dims are dynamic (`dim_param`). */
  input(name: string, shape: readonly Dim[], type: OnnxElementType = 'float32'): OnnxValue {
    this.#claim(name);
    this.#inputs.push(valueInfo(name, shape, type));
    return { name, shape: [...shape] };
  }

  /** Declares `value` a graph output, under `name` (an Identity node renames it when the names differ). */
  output(value: OnnxValue, name: string, type: OnnxElementType = 'float32'): OnnxValue {
    const out = value.name === name ? value : this.node('Identity', [value.name], value.shape, {}, name, name);
    this.#outputs.push(valueInfo(out.name, out.shape, type));
    return out;
  }

  /**
   * Adds a constant tensor (TensorProto in GraphProto.initializer), stored as `raw_data`:
   * little-endian bytes, as the spec requires (the machines Node runs on are little-endian).
   */
  initializer(name: string, data: Float32Array | BigInt64Array, dims: readonly number[]): string {
    const n = dims.reduce((a, d) => a * d, 1);
    if (n !== data.length) throw new RangeError(`OnnxGraph.initializer('${name}'): ${data.length} values for dims [${dims.join(', ')}]`);
    this.#claim(name);
    this.#initializers.push({
      name,
      dims: [...dims],
      dataType: ELEMENT_TYPE[data instanceof Float32Array ? 'float32' : 'int64'],
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /**
   * Adds a node `opType` (an ai.onnx operator) on `inputs` ('' marks an omitted optional input)
   * with one output of `shape`. The node is named `nodeName` (made unique) and its output
   * `outputName` (default `nodeName:out`).
   */
  node(
    opType: string, inputs: readonly string[], shape: readonly Dim[],
    attributes: Readonly<Record<string, OnnxAttribute>> = {}, nodeName: string = opType, outputName?: string,
  ): OnnxValue {
    const name = this.#uniqueNodeName(nodeName);
    const output = outputName ?? this.#uniqueValueName(`${name}:out`);
    this.#claim(output);
    for (const i of inputs) {
      if (i !== '' && !this.#names.has(i)) throw new Error(`OnnxGraph.node(${opType} '${name}'): input '${i}' is not defined`);
    }
    this.#nodes.push({
      opType, name, input: [...inputs], output: [output],
      attribute: Object.entries(attributes).map(([k, a]) => attributeProto(k, a)),
    });
    return { name: output, shape: [...shape] };
  }

  /** Serialises the graph as a ModelProto (IR_VERSION, ai.onnx opset OPSET). */
  toModel(info: OnnxModelInfo = {}): Uint8Array {
    if (this.#inputs.length === 0 || this.#outputs.length === 0) throw new Error(`OnnxGraph '${this.name}': a model needs at least one input and one output`);
    const { ModelProto } = onnx();
    const model = ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: info.producerName ?? 'contrastive',
      producerVersion: info.producerVersion ?? '',
      docString: info.docString ?? '',
      metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      },
    });
    return ModelProto.encode(model).finish();
  }

  #claim(name: string): void {
    if (!name) throw new TypeError('OnnxGraph: value names must be non-empty');
    if (this.#names.has(name)) throw new Error(`OnnxGraph: the value name '${name}' is used twice (ONNX graphs are in SSA form)`);
    this.#names.add(name);
  }

  #uniqueValueName(base: string): string {
    let name = base;
    for (let i = 1; this.#names.has(name); i++) name = `${base}_${i}`;
    return name;
  }

  #uniqueNodeName(base: string): string {
    const n = this.#nodeNames.get(base) ?? 0;
    this.#nodeNames.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }
}

function valueInfo(name: string, shape: readonly Dim[], type: OnnxElementType): proto.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPE[type],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attributeProto(name: string, a: OnnxAttribute): proto.IAttributeProto {
  const T = onnx().AttributeProto.AttributeType;
  switch (a.type) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
  }
}
