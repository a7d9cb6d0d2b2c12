// Converters for the encoders, their blocks and the projection heads of src/nn: each follows
// the module's forward, converting its children (layers.ts) in the same order.
import {
  BasicBlock, Bottleneck, ConvNet28, ConvNetSmall, MLP, ProjectionHead, ResNet,
} from '../nn/index.js';
import { type ConverterContext, type ConverterEntry, entry, showShape, staticProduct } from './converter.js';
import { addValues } from './layers.js';
import { intAttr, type OnnxValue } from './onnx-graph.js';

/**
 * ResNet's basic block: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the shortcut
 * being `downsample` (1x1 conv + BatchNorm) or the identity; the sum is an ONNX `Add`.
 */
function convertBasicBlock(m: BasicBlock, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  let out = ctx.convert(m.relu, path, 'relu', ctx.convert(m.bn1, path, 'bn1', ctx.convert(m.conv1, path, 'conv1', x)));
  out = ctx.convert(m.bn2, path, 'bn2', ctx.convert(m.conv2, path, 'conv2', out));
  const identity = m.downsample ? ctx.convert(m.downsample, path, 'downsample', x) : x;
  return ctx.convert(m.relu, path, 'relu', addValues(ctx, path, m, out, identity));
}

/** ResNet's bottleneck block (v1.5): 1x1, 3x3 (strided), 1x1 x4, plus the shortcut, then ReLU. */
function convertBottleneck(m: Bottleneck, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  let out = ctx.convert(m.relu, path, 'relu', ctx.convert(m.bn1, path, 'bn1', ctx.convert(m.conv1, path, 'conv1', x)));
  out = ctx.convert(m.relu, path, 'relu', ctx.convert(m.bn2, path, 'bn2', ctx.convert(m.conv2, path, 'conv2', out)));
  out = ctx.convert(m.bn3, path, 'bn3', ctx.convert(m.conv3, path, 'conv3', out));
  const identity = m.downsample ? ctx.convert(m.downsample, path, 'downsample', x) : x;
  return ctx.convert(m.relu, path, 'relu', addValues(ctx, path, m, out, identity));
}

/**
 * ResNet: stem (conv1, bn1, relu, maxpool or identity), layer1-4, global average pool,
 * flatten, and the classifier `fc` when present.
 */
function convertResNet(m: ResNet, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  if (x.shape.length !== 4 || x.shape[1] !== m.conv1.inChannels) ctx.fail(path, m, `expected input (N, ${m.conv1.inChannels}, H, W), got ${showShape(x.shape)}`);
  let h = ctx.convert(m.conv1, path, 'conv1', x);
  h = ctx.convert(m.bn1, path, 'bn1', h);
  h = ctx.convert(m.relu, path, 'relu', h);
  h = ctx.convert(m.maxpool, path, 'maxpool', h);
  for (const name of ['layer1', 'layer2', 'layer3', 'layer4'] as const) h = ctx.convert(m[name], path, name, h);
  h = ctx.convert(m.flatten, path, 'flatten', ctx.convert(m.avgpool, path, 'avgpool', h));
  return m.fc ? ctx.convert(m.fc, path, 'fc', h) : h;
}

/** ConvNetSmall: three conv-BN-ReLU blocks (max-pool after the first two), global average pool, flatten. */
function convertConvNetSmall(m: ConvNetSmall, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const block = (h: OnnxValue, i: 1 | 2 | 3): OnnxValue => ctx.convert(m.relu, path, 'relu',
    ctx.convert(m[`bn${i}`], path, `bn${i}`, ctx.convert(m[`conv${i}`], path, `conv${i}`, h)));
  let h = ctx.convert(m.pool, path, 'pool', block(x, 1));
  h = ctx.convert(m.pool, path, 'pool', block(h, 2));
  h = block(h, 3);
  return ctx.convert(m.flatten, path, 'flatten', ctx.convert(m.avgpool, path, 'avgpool', h));
}

/** ConvNet28: two conv-BN-ReLU-max-pool blocks, flatten, fc, ReLU. */
function convertConvNet28(m: ConvNet28, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  const block = (h: OnnxValue, i: 1 | 2): OnnxValue => ctx.convert(m.pool, path, 'pool', ctx.convert(m.relu, path, 'relu',
    ctx.convert(m[`bn${i}`], path, `bn${i}`, ctx.convert(m[`conv${i}`], path, `conv${i}`, h))));
  const h = ctx.convert(m.flatten, path, 'flatten', block(block(x, 1), 2));
  return ctx.convert(m.relu, path, 'relu', ctx.convert(m.fc, path, 'fc', h));
}

/** MLP: inputs of more than 2 dims flattened to (N, inputDim) (`Flatten` axis 1), then its layers. */
function convertMLP(m: MLP, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  let flat = x;
  if (x.shape.length !== 2) {
    const d = staticProduct(x.shape.slice(1));
    if (x.shape.length < 2 || d === null) ctx.fail(path, m, `cannot flatten input ${showShape(x.shape)} to (N, ${m.inputDim})`);
    flat = ctx.graph.node('Flatten', [x.name], [x.shape[0]!, d], { axis: intAttr(1) }, `${path}/Flatten`);
  }
  if (flat.shape[1] !== m.inputDim) ctx.fail(path, m, `expected inputs of ${m.inputDim} values each, got ${showShape(x.shape)}`);
  return ctx.convert(m.layers, path, 'layers', flat);
}

/** A projection or prediction head: its Linear / BatchNorm1d / activation layers in order. */
function convertProjectionHead(m: ProjectionHead, x: OnnxValue, ctx: ConverterContext, path: string): OnnxValue {
  if (x.shape.length !== 2 || x.shape[1] !== m.inputDim) ctx.fail(path, m, `expected input (N, ${m.inputDim}), got ${showShape(x.shape)}`);
  return ctx.convert(m.layers, path, 'layers', x);
}

/**
 * The encoder, block and head converters. Every head (SimCLR, BYOL, MoCo, NNCLR, SimSiam,
 * Barlow Twins, VICReg) is a ProjectionHead that keeps its forward, so ProjectionHead's converter
 * serves them all.
 */
export const blockConverters: readonly ConverterEntry[] = [
  entry(BasicBlock, convertBasicBlock),
  entry(Bottleneck, convertBottleneck),
  entry(ResNet, convertResNet),
  entry(ConvNetSmall, convertConvNetSmall),
  entry(ConvNet28, convertConvNet28),
  entry(MLP, convertMLP),
  entry(ProjectionHead, convertProjectionHead),
];
