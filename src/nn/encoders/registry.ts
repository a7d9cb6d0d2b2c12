// Encoders by name, for configuration files and the command line.
import { ConvNet28, ConvNetSmall } from './convnet.js';
import type { Encoder } from './encoder.js';
import { MLP } from './mlp.js';
import { resnet18, resnet34, resnet50 } from './resnet.js';

/** Options any registered encoder may take (each uses those that apply to it). */
export interface EncoderOptions {
  /** Image channels (3 RGB, 1 grayscale). */
  inChannels?: number;
  /** MLP: input size. */
  inputDim?: number;
  /** MLP: hidden sizes. */
  hiddenDims?: readonly number[];
  /** ConvNet28: feature size. */
  featureDim?: number;
}

type Factory = (o: EncoderOptions) => Encoder;

/** The built-in encoder names (`createEncoder` also takes names added by `registerEncoder`). */
export type EncoderName =
  | 'resnet18' | 'resnet18-cifar' | 'resnet34' | 'resnet34-cifar' | 'resnet50' | 'resnet50-cifar'
  | 'convnet-small' | 'convnet28' | 'mlp';

const registry = new Map<string, Factory>([
  ['resnet18', (o) => resnet18({ inChannels: o.inChannels })],
  ['resnet18-cifar', (o) => resnet18({ inChannels: o.inChannels, cifarStem: true })],
  ['resnet34', (o) => resnet34({ inChannels: o.inChannels })],
  ['resnet34-cifar', (o) => resnet34({ inChannels: o.inChannels, cifarStem: true })],
  ['resnet50', (o) => resnet50({ inChannels: o.inChannels })],
  ['resnet50-cifar', (o) => resnet50({ inChannels: o.inChannels, cifarStem: true })],
  ['convnet-small', (o) => new ConvNetSmall({ inChannels: o.inChannels })],
  ['convnet28', (o) => new ConvNet28({ inChannels: o.inChannels, featureDim: o.featureDim })],
  ['mlp', (o) => new MLP({ inputDim: o.inputDim, hiddenDims: o.hiddenDims })],
]);

/** The registered encoder names: resnet18, resnet18-cifar, ..., convnet-small, convnet28, mlp. */
export function encoderNames(): string[] {
  return [...registry.keys()];
}

/** Builds the encoder registered as `name`; an unknown name is an error listing the known ones. */
export function createEncoder(name: EncoderName | (string & {}), o: EncoderOptions = {}): Encoder {
  const f = registry.get(name);
  if (!f) throw new Error(`unknown encoder '${String(name)}'; known: ${encoderNames().join(', ')}`);
  return f(o);
}

/** Adds an encoder under `name` (an existing name is an error unless `replace`). */
export function registerEncoder(name: string, factory: Factory, replace = false): void {
  if (typeof name !== 'string' || !name) throw new TypeError('registerEncoder: name must be a non-empty string');
  if (typeof factory !== 'function') throw new TypeError('registerEncoder: factory must be a function');
  if (registry.has(name) && !replace) throw new Error(`registerEncoder: '${name}' is already registered`);
  registry.set(name, factory);
}
