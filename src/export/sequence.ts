// Converters for the sequence encoders of src/nn/encoders (GRU, LSTM, TS2Vec's TCN, CPC's): ONNX
// `GRU` / `LSTM` (one node per layer and direction, `sequence_lens` from the lengths), `Conv` 1-d,
// and the pooling over valid steps. Operator semantics: https://onnx.ai/onnx/operators/
//
// Graph inputs of a model with a sequence encoder: the sequences (N, T, C) float32 (toOnnx's
// input; name it with `inputName: 'sequences'`) and `lengths` (N) int64, each in 1..T (T for
// a full sequence), which every sequence encoder of the graph reads. Outputs match the
// engine's `forward(x, lengths)` in evaluation mode.
import {
  CPCEncoder, Conv1d, convShift, GRUEncoder, LSTMEncoder, type Pooling, TCN, type AnyModule,
} from '../nn/index.js';
import { type ConverterContext, type ConverterEntry, entry, join, showShape } from './converter.js';
import { addValues } from './layers.js';
import { type Dim, intAttr, intsAttr, type OnnxAttribute, type OnnxGraph, type OnnxValue } from './onnx-graph.js';

/** The name of the lengths graph input. */
export const LENGTHS_INPUT = 'lengths';

/** ONNX TensorProto.DataType codes `Cast` takes. */
const FLOAT = 1;
const INT32 = 6;

type RecurrentEncoder = GRUEncoder | LSTMEncoder;

/** Per graph: the lengths input, once declared. */
const lengthsInputs = new WeakMap<OnnxGraph, OnnxValue>();

/** Per graph: the constants made so far, by initializer name. */
const constants = new WeakMap<OnnxGraph, Map<string, string>>();

/**
 * Node building for one module at `path`: node names `path/Op`, constants `path.name` (int64
 * and float32 initializers made once per name).
 */
class Nodes {
  constructor(readonly ctx: ConverterContext, readonly path: string) {}

  node(op: string, inputs: readonly (OnnxValue | string)[], shape: readonly Dim[], attributes: Readonly<Record<string, OnnxAttribute>> = {}): OnnxValue {
    return this.ctx.graph.node(op, inputs.map((i) => (typeof i === 'string' ? i : i.name)), shape, attributes, `${this.path}/${op}`);
  }

  /** An int64 constant of `dims` (a 1-d list by default). */
  ints(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.#constant(name, () => this.ctx.constant(this.path, name, BigInt64Array.from(values, BigInt), dims));
  }

  /** A float32 scalar constant. */
  scalar(name: string, v: number): string {
    return this.#constant(name, () => this.ctx.constant(this.path, name, Float32Array.of(v), []));
  }

  #constant(name: string, make: () => string): string {
    const graph = this.ctx.graph;
    let made = constants.get(graph);
    if (!made) constants.set(graph, (made = new Map()));
    const key = join(this.path, name);
    let c = made.get(key);
    if (c === undefined) made.set(key, (c = make()));
    return c;
  }

  transpose(x: OnnxValue, perm: readonly number[]): OnnxValue {
    return this.node('Transpose', [x], perm.map((p) => x.shape[p]!), { perm: intsAttr(perm) });
  }

  unsqueeze(x: OnnxValue, axis: number): OnnxValue {
    const shape = [...x.shape];
    shape.splice(axis, 0, 1);
    return this.node('Unsqueeze', [x, this.ints(`axis${axis}`, [axis])], shape);
  }

  squeeze(x: OnnxValue, axis: number): OnnxValue {
    return this.node('Squeeze', [x, this.ints(`axis${axis}`, [axis])], x.shape.filter((_, i) => i !== axis));
  }

  cast(x: OnnxValue, to: number): OnnxValue {
    return this.node('Cast', [x], x.shape, { to: intAttr(to) });
  }

  mul(a: OnnxValue, b: OnnxValue): OnnxValue {
    return this.node('Mul', [a, b], a.shape.map((d, i) => (d === 1 ? b.shape[i]! : d)));
  }
}

/** The graph's `lengths` input (N) int64, declared by the first sequence encoder converted. */
function graphLengths(ctx: ConverterContext, n: Dim): OnnxValue {
  let v = lengthsInputs.get(ctx.graph);
  if (!v) lengthsInputs.set(ctx.graph, (v = ctx.graph.input(LENGTHS_INPUT, [n], 'int64')));
  return v;
}

/** Checks a sequence input (N, T, C) with T static; returns T. */
function sequenceSteps(m: AnyModule & { inputSize: number }, x: OnnxValue, ctx: ConverterContext, path: string): number {
  const t = x.shape[1];
  if (x.shape.length !== 3 || x.shape[2] !== m.inputSize || typeof t !== 'number') {
    ctx.fail(path, m, `expected sequences (N, T, ${m.inputSize}) with a static T, got ${showShape(x.shape)}`);
  }
  return t;
}

/** (N, T) bool: step t < lengths[n]. */
function stepMask(b: Nodes, lengths: OnnxValue, t: number): OnnxValue {
  const steps = b.ints(`steps${t}`, Array.from({ length: t }, (_, i) => i), [1, t]);
  return b.node('Less', [steps, b.unsqueeze(lengths, 1)], [lengths.shape[0]!, t]);
}

/** `steps` (N, T, D) with the steps past each end set to zero. */
function zeroPadding(b: Nodes, steps: OnnxValue, lengths: OnnxValue): OnnxValue {
  const mask = b.cast(b.unsqueeze(stepMask(b, lengths, steps.shape[1] as number), 2), FLOAT); // (N, T, 1)
  return b.mul(steps, mask);
}

/** Sum over the steps of (N, T, D) weighted by `weights` (N, T) bool: (N, D). */
function weightedSum(b: Nodes, steps: OnnxValue, weights: OnnxValue): OnnxValue {
  const w = b.cast(b.unsqueeze(weights, 2), FLOAT); // (N, T, 1)
  return b.node('ReduceSum', [b.mul(steps, w), b.ints('axis1', [1])], [steps.shape[0]!, steps.shape[2]!], { keepdims: intAttr(0) });
}

/** The engine's `poolSteps`: 'last' valid step, 'mean' or 'max' over the valid steps of (N, T, D). */
function poolSteps(b: Nodes, steps: OnnxValue, lengths: OnnxValue, pooling: Pooling): OnnxValue {
  const [n, t, d] = steps.shape as [Dim, number, Dim];
  switch (pooling) {
    case 'last': {
      const last = b.node('Sub', [lengths, b.ints('one', [1], [])], lengths.shape);
      const steps1 = b.ints(`steps${t}`, Array.from({ length: t }, (_, i) => i), [1, t]);
      return weightedSum(b, steps, b.node('Equal', [steps1, b.unsqueeze(last, 1)], [n, t])); // the one-hot of step L - 1
    }
    case 'mean': {
      const count = b.cast(b.unsqueeze(lengths, 1), FLOAT); // (N, 1)
      return b.node('Div', [weightedSum(b, steps, stepMask(b, lengths, t)), count], [n, d]);
    }
    case 'max': {
      const valid = b.unsqueeze(stepMask(b, lengths, t), 2); // (N, T, 1)
      const masked = b.node('Where', [valid, steps, b.scalar('minus_inf', -Infinity)], steps.shape);
      return b.node('ReduceMax', [masked], [n, d], { axes: intsAttr([1]), keepdims: intAttr(0) });
    }
  }
}

/** Reorders the gate blocks of a (gates H, ...) weight or bias into `order` and adds ONNX's direction dim in front. */
function gateOrder(order: readonly number[]): (data: Float32Array, dims: number[]) => { data: Float32Array; dims: number[] } {
  return (data, dims) => {
    const block = data.length / order.length;
    const out = new Float32Array(data.length);
    order.forEach((g, i) => out.set(data.subarray(g * block, (g + 1) * block), i * block));
    return { data: out, dims: [1, ...dims] };
  };
}

/**
 * The stacked recurrence of a GRU/LSTM encoder on time-major steps (T, N, C) with `lengths`:
 * one ONNX `GRU` (linear_before_reset 1, PyTorch's form; gates z, r, h from PyTorch's r, z, n)
 * or `LSTM` (gates i, o, f, c from PyTorch's i, f, g, o) node per layer and direction, forward
 * only: the reverse direction runs on `ReverseSequence`d steps (each sequence reversed within
 * its length), reversed back after. `sequence_lens` keeps padding out of the recurrence.
 * Returns the last layer's per-direction outputs (T, N, H), each in input time order.
 */
function recurrence(m: RecurrentEncoder, x: OnnxValue, lengths: OnnxValue, ctx: ConverterContext, path: string): OnnxValue[] {
  const b = new Nodes(ctx, path);
  const lstm = m instanceof LSTMEncoder;
  const order = lstm ? [0, 3, 1, 2] : [1, 0, 2];
  const [t, n] = x.shape;
  const h = m.hiddenSize;
  const lens32 = b.cast(lengths, INT32); // sequence_lens is int32
  const reverse = (v: OnnxValue): OnnxValue => b.node('ReverseSequence', [v, lengths], v.shape, { batch_axis: intAttr(1), time_axis: intAttr(0) });
  const directions = m.bidirectional ? 2 : 1;
  let input = x;
  let outputs: OnnxValue[] = [];
  for (let k = 0; k < m.numLayers; k++) {
    outputs = [];
    for (let d = 0; d < directions; d++) {
      const base = (k * directions + d) * 4;
      const [wih, whh, bih, bhh] = [0, 1, 2, 3].map((i) => ctx.tensor(path, m.flatWeightNames[base + i]!, m.flatWeights[base + i]!, gateOrder(order)));
      const bias = b.node('Concat', [bih!, bhh!], [1, 2 * order.length * h], { axis: intAttr(1) }); // (1, 2 gates H): Wb then Rb
      const steps = d === 1 ? reverse(input) : input;
      const attributes: Record<string, OnnxAttribute> = { hidden_size: intAttr(h) };
      if (!lstm) attributes.linear_before_reset = intAttr(1);
      const y = b.node(lstm ? 'LSTM' : 'GRU', [steps, wih!, whh!, bias, lens32], [t!, 1, n!, h], attributes); // (T, 1, N, H)
      const out = b.squeeze(y, 1); // (T, N, H)
      outputs.push(d === 1 ? reverse(out) : out);
    }
    input = directions === 2 ? b.node('Concat', outputs, [t!, n!, 2 * h], { axis: intAttr(2) }) : outputs[0]!; // (T, N, D H)
  }
  return outputs;
}

/**
 * A GRU/LSTM encoder's features on batch-first sequences (N, T, C): its pooling over the last
 * layer's outputs; 'last' is PyTorch's h_n (the forward direction after step L - 1, the reverse
 * one after step 0).
 */
function recurrentFeatures(m: RecurrentEncoder, x: OnnxValue, lengths: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const b = new Nodes(ctx, path);
  const [n] = x.shape;
  const dirs = recurrence(m, b.transpose(x, [1, 0, 2]), lengths, ctx, path).map((y) => b.transpose(y, [1, 0, 2])); // each (N, T, H)
  const h = m.hiddenSize;
  let parts: OnnxValue[];
  if (m.pooling === 'last') {
    parts = [poolSteps(b, dirs[0]!, lengths, 'last')];
    if (dirs[1]) parts.push(b.node('Gather', [dirs[1], b.ints('zero', [0], [])], [n!, h], { axis: intAttr(1) })); // the reverse direction's last state: step 0
  } else {
    parts = dirs.map((y) => poolSteps(b, y, lengths, m.pooling));
  }
  return parts.length === 2 ? b.node('Concat', parts, [n!, 2 * h], { axis: intAttr(1) }) : parts[0]!; // (N, D H)
}

/** GRUEncoder / LSTMEncoder: the recurrence with the graph's lengths, then the pooling. */
function convertRecurrent(m: RecurrentEncoder, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  sequenceSteps(m, x, ctx, path);
  return recurrentFeatures(m, x, graphLengths(ctx, x.shape[0]!), ctx, path);
}

/**
 * TS2Vec's TCN: padding zeroed, `input_fc` (MatMul + Add), then each block's
 * gelu -> conv1 -> gelu -> conv2 plus the residual (1x1 projector or identity) on (N, C, T),
 * padding re-zeroed after each convolution as the engine does; dropout is the identity; pooled.
 */
function convertTCN(m: TCN, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const t = sequenceSteps(m, x, ctx, path);
  const b = new Nodes(ctx, path);
  const lengths = graphLengths(ctx, x.shape[0]!);
  let h = zeroPadding(b, ctx.convert(m.input_fc, path, 'input_fc', zeroPadding(b, x, lengths)), lengths); // (N, T, hidden)
  h = b.transpose(h, [0, 2, 1]); // (N, hidden, T)
  const mask = b.cast(b.unsqueeze(stepMask(b, lengths, t), 1), FLOAT); // (N, 1, T)
  m.blocks.forEach((block, i) => {
    const p = join(join(path, 'feature_extractor'), String(i));
    const residual = block.projector ? ctx.convert(block.projector, p, 'projector', h) : h;
    let y = b.mul(ctx.convert(block.conv1, p, 'conv1', ctx.convert(block.gelu, p, 'gelu1', h)), mask);
    y = ctx.convert(block.conv2, p, 'conv2', ctx.convert(block.gelu, p, 'gelu2', y));
    h = b.mul(addValues(ctx, p, block, y, residual), mask); // (N, out, T)
  });
  return poolSteps(b, b.transpose(h, [0, 2, 1]), lengths, m.pooling); // (N, outputSize)
}

/**
 * CPC's encoder: g_enc's convolutions and ReLUs on (N, C, T), padding zeroed before and after
 * each convolution with the lengths it leaves (floor((L + 2 p - d (k - 1) - 1) / s) + 1), then
 * g_ar's GRU on the codes with those lengths, pooled.
 */
function convertCPC(m: CPCEncoder, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const t = sequenceSteps(m, x, ctx, path);
  const b = new Nodes(ctx, path);
  let lengths = graphLengths(ctx, x.shape[0]!);
  const masked = (v: OnnxValue): OnnxValue => b.mul(v, b.cast(b.unsqueeze(stepMask(b, lengths, v.shape[2] as number), 1), FLOAT));
  let h = masked(b.transpose(x, [0, 2, 1])); // (N, C, T)
  const encPath = join(path, 'g_enc');
  for (const [name, layer] of m.g_enc.namedChildren()) {
    h = ctx.convert(layer, encPath, name, h);
    if (layer instanceof Conv1d) {
      const shift = convShift(layer);
      const q = b.node('Div', [b.node('Add', [lengths, b.ints(`shift${name}`, [shift], [])], lengths.shape), b.ints(`stride${name}`, [layer.stride[0]!], [])], lengths.shape);
      lengths = b.node('Add', [q, b.ints('one', [1], [])], lengths.shape); // L + shift >= 0: Div's truncation is the floor
      h = masked(h); // (N, codeSize, T')
    }
  }
  if (h.shape[2] !== m.stepCount(t)) ctx.fail(path, m, `g_enc gave ${showShape(h.shape)} for ${t} steps`);
  return recurrentFeatures(m.g_ar, b.transpose(h, [0, 2, 1]), lengths, ctx, join(path, 'g_ar')); // (N, contextSize)
}

/** The sequence encoders' converters. */
export const sequenceConverters: readonly ConverterEntry[] = [
  entry(GRUEncoder, convertRecurrent),
  entry(LSTMEncoder, convertRecurrent),
  entry(TCN, convertTCN),
  entry(CPCEncoder, convertCPC),
];
