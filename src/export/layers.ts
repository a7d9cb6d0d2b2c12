// Converters for the layers of src/nn: each emits the ai.onnx (opset 17) nodes that compute the
// layer's forward in evaluation mode. Operator semantics: https://onnx.ai/onnx/operators/
import {
  AdaptiveAvgPool2d, BatchNorm, Conv1d, Conv2d, Dropout, Flatten, GELU, Identity, LayerNorm, Linear,
  MaxPool2d, ReLU, Sequential, SiLU, Softmax, type AnyModule,
} from '../nn/index.js';
import {
  type ConverterContext, type ConverterEntry, entry, showShape, staticProduct,
} from './converter.js';
import { type Dim, floatAttr, intAttr, intsAttr, type OnnxValue } from './onnx-graph.js';

type Pair = number | readonly [number, number];

function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** The spatial dims of `x` (after N, C) as numbers; fails on a dynamic one. */
function spatial(m: AnyModule, x: OnnxValue, ctx: ConverterContext, path: string, dims: number): number[] {
  if (x.shape.length !== dims + 2) ctx.fail(path, m, `expected a ${dims + 2}-d input (N, C, ...), got ${showShape(x.shape)}`);
  const s = x.shape.slice(2);
  if (!s.every((d): d is number => typeof d === 'number')) ctx.fail(path, m, `spatial dims must be static, got ${showShape(x.shape)}`);
  return s as number[];
}

/** Output size of a window op (Conv, MaxPool): floor((in + pads - dilation (k - 1) - 1) / stride) + 1, or ceil. */
function windowOut(size: number, k: number, stride: number, pad: number, dilation: number, ceil = false): number {
  const span = size + 2 * pad - dilation * (k - 1) - 1;
  return (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
}

/** Elementwise sum of two values of equal shape (ONNX `Add`; it broadcasts, we require equal shapes). */
export function addValues(ctx: ConverterContext, path: string, module: AnyModule, a: OnnxValue, b: OnnxValue): OnnxValue {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    ctx.fail(path, module, `cannot add values of shapes ${showShape(a.shape)} and ${showShape(b.shape)}`);
  }
  return ctx.graph.node('Add', [a.name, b.name], a.shape, {}, `${path}/Add`);
}

/**
 * Conv1d / Conv2d -> `Conv` (kernel_shape, strides, symmetric pads, dilations, group); the
 * weight (out, in / groups, *k) and optional bias are initializers.
 */
function convertConv(m: Conv1d | Conv2d, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const dims = m.kernelSize.length;
  const s = spatial(m, x, ctx, path, dims);
  if (x.shape[1] !== m.inChannels) ctx.fail(path, m, `expected ${m.inChannels} input channels, got ${showShape(x.shape)}`);
  const out = s.map((d, i) => windowOut(d, m.kernelSize[i]!, m.stride[i]!, m.padding[i]!, m.dilation[i]!));
  if (out.some((d) => d < 1)) ctx.fail(path, m, `input ${showShape(x.shape)} is too small for the kernel`);
  const inputs = [x.name, ctx.tensor(path, 'weight', m.weight)];
  if (m.bias) inputs.push(ctx.tensor(path, 'bias', m.bias));
  return ctx.graph.node('Conv', inputs, [x.shape[0]!, m.outChannels, ...out], {
    kernel_shape: intsAttr(m.kernelSize),
    strides: intsAttr(m.stride),
    pads: intsAttr([...m.padding, ...m.padding]), // [x1_begin, x2_begin, ..., x1_end, x2_end, ...]
    dilations: intsAttr(m.dilation),
    group: intAttr(m.groups),
  }, `${path}/Conv`);
}

/**
 * BatchNorm1d / BatchNorm2d in evaluation mode -> `BatchNormalization` (opset 15, training_mode
 * 0): y = scale (x - running_mean) / sqrt(running_var + epsilon) + B. A non-affine layer gets
 * scale 1 and B 0; a layer without running statistics normalises with the batch's own in
 * evaluation too, which a fixed inference graph does not reproduce: an error.
 */
function convertBatchNorm(m: BatchNorm, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  if (!m.runningMean || !m.runningVar) ctx.fail(path, m, 'has no running statistics (trackRunningStats: false), so it normalises with batch statistics even in evaluation; cannot be exported');
  if (x.shape.length < 2 || x.shape[1] !== m.numFeatures) ctx.fail(path, m, `expected input (N, ${m.numFeatures}, ...), got ${showShape(x.shape)}`);
  const c = m.numFeatures;
  const scale = m.weight ? ctx.tensor(path, 'weight', m.weight) : ctx.constant(path, 'weight', new Float32Array(c).fill(1), [c]);
  const bias = m.bias ? ctx.tensor(path, 'bias', m.bias) : ctx.constant(path, 'bias', new Float32Array(c), [c]);
  const mean = ctx.tensor(path, 'running_mean', m.runningMean);
  const variance = ctx.tensor(path, 'running_var', m.runningVar);
  return ctx.graph.node('BatchNormalization', [x.name, scale, bias, mean, variance], x.shape, {
    epsilon: floatAttr(m.eps),
  }, `${path}/BatchNormalization`);
}

/** ReLU -> `Relu` (in place or not: ONNX values are immutable either way). */
function convertReLU(_m: ReLU, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  return ctx.graph.node('Relu', [x.name], x.shape, {}, `${path}/Relu`);
}

/** Softmax -> `Softmax` (opset 13+: along one axis, as torch's). */
function convertSoftmax(m: Softmax, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  return ctx.graph.node('Softmax', [x.name], x.shape, { axis: intAttr(m.dim) }, `${path}/Softmax`);
}

/** A float32 scalar initializer (0-d) named `path.name`. */
function scalar(ctx: ConverterContext, path: string, name: string, v: number): string {
  return ctx.constant(path, name, Float32Array.of(v), []);
}

/**
 * GELU, decomposed (ai.onnx has `Gelu` only from opset 20): 'none' is
 * 0.5 x (1 + erf(x / sqrt 2)) with `Erf`; 'tanh' is
 * 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), as torch.nn.GELU documents.
 */
function convertGELU(m: GELU, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const g = ctx.graph;
  const s = x.shape;
  let inner: OnnxValue;
  if (m.approximate === 'none') {
    const z = g.node('Div', [x.name, scalar(ctx, path, 'sqrt2', Math.SQRT2)], s, {}, `${path}/Div`);
    inner = g.node('Erf', [z.name], s, {}, `${path}/Erf`);
  } else {
    const x2 = g.node('Mul', [x.name, x.name], s, {}, `${path}/Mul`);
    const x3 = g.node('Mul', [x2.name, x.name], s, {}, `${path}/Mul`);
    const cx3 = g.node('Mul', [x3.name, scalar(ctx, path, 'k', 0.044715)], s, {}, `${path}/Mul`);
    const sum = g.node('Add', [x.name, cx3.name], s, {}, `${path}/Add`);
    const z = g.node('Mul', [sum.name, scalar(ctx, path, 'sqrt_2_over_pi', Math.sqrt(2 / Math.PI))], s, {}, `${path}/Mul`);
    inner = g.node('Tanh', [z.name], s, {}, `${path}/Tanh`);
  }
  const onePlus = g.node('Add', [inner.name, scalar(ctx, path, 'one', 1)], s, {}, `${path}/Add`);
  const xy = g.node('Mul', [x.name, onePlus.name], s, {}, `${path}/Mul`);
  return g.node('Mul', [xy.name, scalar(ctx, path, 'half', 0.5)], s, {}, `${path}/Mul`);
}

/** SiLU -> x * `Sigmoid`(x). */
function convertSiLU(_m: SiLU, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const sig = ctx.graph.node('Sigmoid', [x.name], x.shape, {}, `${path}/Sigmoid`);
  return ctx.graph.node('Mul', [x.name, sig.name], x.shape, {}, `${path}/Mul`);
}

/**
 * MaxPool2d -> `MaxPool` (kernel_shape, strides, pads, dilations, ceil_mode; padding never wins
 * the max, as in PyTorch). With ceil_mode PyTorch drops a last window that would start in the
 * right padding; when that rule applies the two disagree, so it is an error.
 */
function convertMaxPool2d(m: MaxPool2d, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const [h, w] = spatial(m, x, ctx, path, 2) as [number, number];
  const k = pair(m.kernelSize);
  const st = pair(m.stride);
  const p = pair(m.padding);
  const d = pair(m.dilation);
  const out = [h, w].map((size, i) => {
    const o = windowOut(size, k[i]!, st[i]!, p[i]!, d[i]!, m.ceilMode);
    if (m.ceilMode && (o - 1) * st[i]! >= size + p[i]!) ctx.fail(path, m, `ceilMode with input ${showShape(x.shape)} ends in a window PyTorch drops; ONNX MaxPool keeps it`);
    return o;
  });
  if (out.some((o) => o < 1)) ctx.fail(path, m, `input ${showShape(x.shape)} is too small for the kernel`);
  return ctx.graph.node('MaxPool', [x.name], [x.shape[0]!, x.shape[1]!, ...out], {
    kernel_shape: intsAttr(k),
    strides: intsAttr(st),
    pads: intsAttr([p[0], p[1], p[0], p[1]]),
    dilations: intsAttr(d),
    ceil_mode: intAttr(m.ceilMode ? 1 : 0),
  }, `${path}/MaxPool`);
}

/**
 * AdaptiveAvgPool2d -> `GlobalAveragePool` for output 1x1; for another output size that divides
 * the input evenly, `AveragePool` with kernel = stride = input / output (PyTorch's bins are then
 * exactly those windows); uneven bins are an error.
 */
function convertAdaptiveAvgPool2d(m: AdaptiveAvgPool2d, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const [h, w] = spatial(m, x, ctx, path, 2) as [number, number];
  const [oh, ow] = pair(m.outputSize);
  if (oh === 1 && ow === 1) return ctx.graph.node('GlobalAveragePool', [x.name], [x.shape[0]!, x.shape[1]!, 1, 1], {}, `${path}/GlobalAveragePool`);
  if (h % oh || w % ow) ctx.fail(path, m, `output ${oh}x${ow} does not divide the input ${h}x${w} evenly (unequal bins have no ONNX operator)`);
  const k = [h / oh, w / ow];
  return ctx.graph.node('AveragePool', [x.name], [x.shape[0]!, x.shape[1]!, oh, ow], {
    kernel_shape: intsAttr(k), strides: intsAttr(k),
  }, `${path}/AveragePool`);
}

/**
 * Flatten(startDim, endDim) -> `Flatten` (axis 1) for PyTorch's default of all dims but the
 * batch; otherwise `Reshape` to the merged shape (dims before startDim copied with 0).
 */
function convertFlatten(m: Flatten, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const r = x.shape.length;
  const start = m.startDim < 0 ? m.startDim + r : m.startDim;
  const end = m.endDim < 0 ? m.endDim + r : m.endDim;
  if (r === 0 || start < 0 || end >= r || start > end) ctx.fail(path, m, `dims ${m.startDim}..${m.endDim} do not fit input ${showShape(x.shape)}`);
  if (start === end) return x;
  const merged = staticProduct(x.shape.slice(start, end + 1));
  const shape: Dim[] = [...x.shape.slice(0, start), merged ?? `${x.shape.slice(start, end + 1).join('*')}`, ...x.shape.slice(end + 1)];
  if (start === 1 && end === r - 1) return ctx.graph.node('Flatten', [x.name], shape, { axis: intAttr(1) }, `${path}/Flatten`);
  const after = x.shape.slice(end + 1);
  if (!after.every((d) => typeof d === 'number')) ctx.fail(path, m, `cannot flatten ${showShape(x.shape)}: a dynamic dim after endDim`);
  const target = [...x.shape.slice(0, start).map(() => 0), merged ?? -1, ...(after as number[])]; // 0 copies the input's dim
  const name = ctx.constant(path, 'shape', BigInt64Array.from(target, BigInt), [target.length]);
  return ctx.graph.node('Reshape', [x.name, name], shape, {}, `${path}/Reshape`);
}

/**
 * Linear -> `Gemm` (transB 1: y = x W^T + b) on (N, in); on inputs of more dims
 * `MatMul` by W^T (stored transposed) then `Add` the bias.
 */
function convertLinear(m: Linear, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const r = x.shape.length;
  if (r < 2 || x.shape[r - 1] !== m.inFeatures) ctx.fail(path, m, `expected input (..., ${m.inFeatures}), got ${showShape(x.shape)}`);
  const shape = [...x.shape.slice(0, r - 1), m.outFeatures];
  if (r === 2) {
    const inputs = [x.name, ctx.tensor(path, 'weight', m.weight)];
    if (m.bias) inputs.push(ctx.tensor(path, 'bias', m.bias));
    return ctx.graph.node('Gemm', inputs, shape, { transB: intAttr(1) }, `${path}/Gemm`);
  }
  const wt = ctx.tensor(path, 'weight', m.weight, (data, [out, inF]) => {
    const t = new Float32Array(data.length); // (in, out) from (out, in)
    for (let o = 0; o < out!; o++) for (let i = 0; i < inF!; i++) t[i * out! + o] = data[o * inF! + i]!;
    return { data: t, dims: [inF!, out!] };
  });
  const y = ctx.graph.node('MatMul', [x.name, wt], shape, {}, `${path}/MatMul`);
  return m.bias ? ctx.graph.node('Add', [y.name, ctx.tensor(path, 'bias', m.bias)], shape, {}, `${path}/Add`) : y;
}

/**
 * LayerNorm -> `LayerNormalization` (opset 17) over the trailing normalizedShape dims
 * (axis = -len), epsilon; without elementwise affine, Scale 1 and no B.
 */
function convertLayerNorm(m: LayerNorm, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const k = m.normalizedShape.length;
  const tail = x.shape.slice(x.shape.length - k);
  if (x.shape.length < k || tail.some((d, i) => d !== m.normalizedShape[i])) ctx.fail(path, m, `expected input ending in [${m.normalizedShape.join(', ')}], got ${showShape(x.shape)}`);
  const n = m.normalizedShape.reduce((a, d) => a * d, 1);
  const inputs = [x.name, m.weight ? ctx.tensor(path, 'weight', m.weight) : ctx.constant(path, 'weight', new Float32Array(n).fill(1), m.normalizedShape)];
  if (m.bias) inputs.push(ctx.tensor(path, 'bias', m.bias));
  return ctx.graph.node('LayerNormalization', inputs, x.shape, { axis: intAttr(-k), epsilon: floatAttr(m.eps) }, `${path}/LayerNormalization`);
}

/** Sequential: its children in order, named 0, 1, ... under `path`. */
function convertSequential(m: Sequential, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  let y = x;
  for (const [name, child] of m.namedChildren()) y = ctx.convert(child, path, name, y);
  return y;
}

/** The layer converters: a layer's subclasses that keep its forward use its converter. */
export const layerConverters: readonly ConverterEntry[] = [
  entry(Conv1d, convertConv),
  entry(Conv2d, convertConv),
  entry(BatchNorm, convertBatchNorm),
  entry(ReLU, convertReLU),
  entry(GELU, convertGELU),
  entry(SiLU, convertSiLU),
  entry(Softmax, convertSoftmax),
  entry(MaxPool2d, convertMaxPool2d),
  entry(AdaptiveAvgPool2d, convertAdaptiveAvgPool2d),
  entry(Flatten, convertFlatten),
  entry(Linear, convertLinear),
  entry(LayerNorm, convertLayerNorm),
  entry(Identity, (_m, x) => x),
  entry(Dropout, (_m, x) => x), // evaluation mode: the identity
  entry(Sequential, convertSequential),
];
