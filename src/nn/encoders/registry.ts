// Encoders by name, for configuration files and the command line.
import { ConvNet28, ConvNetSmall } from './convnet.js';
import { CPCEncoder } from './cpc.js';
import type { Encoder } from './encoder.js';
import { MLP } from './mlp.js';
import { resnet18, resnet34, resnet50 } from './resnet.js';
import { GRUEncoder, LSTMEncoder } from './rnn.js';
import type { Pooling } from './sequence.js';
import { TCN } from './tcn.js';

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
  /** Sequence encoders: features per step (C). */
  inputSize?: number;
  /** gru, lstm: hidden state size per direction (128); tcn: hidden channels (64); cpc: context size (256). */
  hiddenSize?: number;
  /** gru, lstm: stacked layers (1). */
  numLayers?: number;
  /** gru, lstm: a reverse direction too (true). */
  bidirectional?: boolean;
  /** gru, lstm: between layers (0); tcn: on the per-step features (0.1). Training only. */
  dropout?: number;
  /** Sequence encoders: 'last' (gru, lstm), 'mean' or 'max' (tcn, cpc) over the valid steps. */
  pooling?: Pooling;
  /** tcn: output features per step (320). */
  outputSize?: number;
  /** tcn: hidden dilated blocks (10). */
  depth?: number;
  /** cpc: code size z_t (256). */
  codeSize?: number;
}

/** What an encoder takes: images (N, C, H, W), sequences (N, T, C) or vectors (N, D). */
export type EncoderInputKind = 'image' | 'sequence' | 'vector';

type Factory = (o: EncoderOptions) => Encoder;

/** The options set from the data (image channels, features per step, a vector's size): every encoder is given them and uses those that apply. */
const INPUT_OPTIONS: readonly (keyof EncoderOptions)[] = ['inChannels', 'inputSize', 'inputDim'];

/** A registered encoder: its factory, what it takes, and the options it uses beyond the input ones (undefined: not declared, any). */
interface Entry {
  factory: Factory;
  input: EncoderInputKind;
  options?: readonly (keyof EncoderOptions)[];
}

/** The built-in encoder names (`createEncoder` also takes names added by `registerEncoder`). */
export type EncoderName =
  | 'resnet18' | 'resnet18-cifar' | 'resnet34' | 'resnet34-cifar' | 'resnet50' | 'resnet50-cifar'
  | 'convnet-small' | 'convnet28' | 'mlp' | 'gru' | 'lstm' | 'tcn' | 'cpc';

const RECURRENT_OPTIONS = ['hiddenSize', 'numLayers', 'bidirectional', 'dropout', 'pooling'] as const;

/**
 * The options of a recurrent encoder from the registry's. Unlike torch.nn.GRU/LSTM's (and the
 * classes'), the registry's defaults are bidirectional with 128 per direction (256 features):
 * on fashion-mnist-seq that measured kNN 0.805 against 0.796 for one direction of 256, in less
 * time (README, "Sequences").
 */
function recurrent(o: EncoderOptions): ConstructorParameters<typeof GRUEncoder>[0] {
  return {
    inputSize: o.inputSize!, hiddenSize: o.hiddenSize ?? 128, numLayers: o.numLayers, bidirectional: o.bidirectional ?? true,
    dropout: o.dropout, pooling: o.pooling,
  };
}

const registry = new Map<string, Entry>([
  ['resnet18', { factory: (o) => resnet18({ inChannels: o.inChannels }), input: 'image', options: [] }],
  ['resnet18-cifar', { factory: (o) => resnet18({ inChannels: o.inChannels, cifarStem: true }), input: 'image', options: [] }],
  ['resnet34', { factory: (o) => resnet34({ inChannels: o.inChannels }), input: 'image', options: [] }],
  ['resnet34-cifar', { factory: (o) => resnet34({ inChannels: o.inChannels, cifarStem: true }), input: 'image', options: [] }],
  ['resnet50', { factory: (o) => resnet50({ inChannels: o.inChannels }), input: 'image', options: [] }],
  ['resnet50-cifar', { factory: (o) => resnet50({ inChannels: o.inChannels, cifarStem: true }), input: 'image', options: [] }],
  ['convnet-small', { factory: (o) => new ConvNetSmall({ inChannels: o.inChannels }), input: 'image', options: [] }],
  ['convnet28', { factory: (o) => new ConvNet28({ inChannels: o.inChannels, featureDim: o.featureDim }), input: 'image', options: ['featureDim'] }],
  ['mlp', { factory: (o) => new MLP({ inputDim: o.inputDim, hiddenDims: o.hiddenDims }), input: 'vector', options: ['hiddenDims'] }],
  ['gru', { factory: (o) => new GRUEncoder(recurrent(o)), input: 'sequence', options: RECURRENT_OPTIONS }],
  ['lstm', { factory: (o) => new LSTMEncoder(recurrent(o)), input: 'sequence', options: RECURRENT_OPTIONS }],
  ['tcn', {
    factory: (o) => new TCN({
      inputSize: o.inputSize!, hiddenSize: o.hiddenSize, outputSize: o.outputSize, depth: o.depth, dropout: o.dropout, pooling: o.pooling,
    }),
    input: 'sequence',
    options: ['hiddenSize', 'outputSize', 'depth', 'dropout', 'pooling'],
  }],
  ['cpc', {
    factory: (o) => new CPCEncoder({ inputSize: o.inputSize!, codeSize: o.codeSize, hiddenSize: o.hiddenSize, pooling: o.pooling }),
    input: 'sequence',
    options: ['codeSize', 'hiddenSize', 'pooling'],
  }],
]);

/**
 * The registered encoder names (resnet18, resnet18-cifar, ..., convnet-small, convnet28, mlp,
 * gru, lstm, tcn, cpc), or only those for one kind of `input`.
 */
export function encoderNames(input?: EncoderInputKind): string[] {
  return [...registry].filter(([, e]) => input === undefined || e.input === input).map(([name]) => name);
}

/** What the encoder registered as `name` takes; an unknown name is an error listing the known ones. */
export function encoderInputKind(name: string): EncoderInputKind {
  return entry(name).input;
}

function entry(name: string): Entry {
  const e = registry.get(name);
  if (!e) throw new Error(`unknown encoder '${String(name)}'; known: ${encoderNames().join(', ')}`);
  return e;
}

/**
 * Why `o` does not suit the encoder registered as `name` ("encoder gru takes no depth (its
 * options: ...)"), or null: an option it does not take (the input options, set from the data,
 * every encoder accepts; an encoder registered without its options takes any).
 */
export function encoderOptionProblem(name: string, o: EncoderOptions): string | null {
  const taken = entry(name).options;
  if (!taken) return null;
  const extra = (Object.keys(o) as (keyof EncoderOptions)[]).filter((k) => o[k] !== undefined && !INPUT_OPTIONS.includes(k) && !taken.includes(k));
  return extra.length ? `encoder ${name} takes no ${extra.join(', ')} (its options: ${taken.join(', ') || 'none'})` : null;
}

/**
 * Builds the encoder registered as `name`. An unknown name is an error listing the known ones;
 * so is an option it does not take (`depth` for a GRU), naming the ones it does.
 */
export function createEncoder(name: EncoderName | (string & {}), o: EncoderOptions = {}): Encoder {
  const problem = encoderOptionProblem(name, o);
  if (problem) throw new TypeError(problem);
  return entry(name).factory(o);
}

/**
 * Adds an encoder under `name`, taking `input` (default 'image') and, when given, only the
 * `options` named (others are then an error in `createEncoder`); an existing name is an error
 * unless `replace`.
 */
export function registerEncoder(
  name: string, factory: Factory, replace = false, input: EncoderInputKind = 'image', options?: readonly (keyof EncoderOptions)[],
): void {
  if (typeof name !== 'string' || !name) throw new TypeError('registerEncoder: name must be a non-empty string');
  if (typeof factory !== 'function') throw new TypeError('registerEncoder: factory must be a function');
  if (!['image', 'sequence', 'vector'].includes(input)) throw new TypeError(`registerEncoder: input must be 'image', 'sequence' or 'vector', got ${String(input)}`);
  if (registry.has(name) && !replace) throw new Error(`registerEncoder: '${name}' is already registered`);
  registry.set(name, { factory, input, options });
}
