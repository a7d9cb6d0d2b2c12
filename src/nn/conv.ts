// Convolution layers: Conv1d and Conv2d, as torch.nn's.
import { empty, F, type Tensor, scope } from '../tensor/index.js';
import { defaultLinearInit_ } from './init.js';
import { Module } from './module.js';
import { type FactoryOptions, positiveInt } from './parameter.js';

/** Options of Conv1d/Conv2d, as torch.nn's (a number stands for every spatial dim). */
export interface ConvOptions<K> extends FactoryOptions {
  stride?: K;
  padding?: K;
  dilation?: K;
  groups?: number;
  /** Whether to add a learned bias (default true). */
  bias?: boolean;
}

function tuple(layer: string, arg: string, v: number | readonly number[], n: number, min: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (list.length !== n || !list.every((x) => Number.isInteger(x) && x >= min)) {
    throw new TypeError(`${layer}: ${arg} must be an integer >= ${min} or ${n} of them, got ${String(v)}`);
  }
  return list;
}

/** Shared by Conv1d and Conv2d: the weight (out, in / groups, *kernel) and optional bias. */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly dilation: number[];
  readonly groups: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(layer: string, dims: number, inChannels: number, outChannels: number, kernelSize: number | readonly number[], o: ConvOptions<number | readonly number[]>) {
    super();
    this.inChannels = positiveInt(layer, 'inChannels', inChannels);
    this.outChannels = positiveInt(layer, 'outChannels', outChannels);
    this.kernelSize = tuple(layer, 'kernelSize', kernelSize, dims, 1);
    this.stride = tuple(layer, 'stride', o.stride ?? 1, dims, 1);
    this.padding = tuple(layer, 'padding', o.padding ?? 0, dims, 0);
    this.dilation = tuple(layer, 'dilation', o.dilation ?? 1, dims, 1);
    this.groups = positiveInt(layer, 'groups', o.groups ?? 1);
    if (inChannels % this.groups || outChannels % this.groups) {
      throw new TypeError(`${layer}: inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    }
    [this.weight, this.bias] = scope(() => {
      const w = empty([outChannels, inChannels / this.groups, ...this.kernelSize], o); // (out, in/groups, *k)
      const b = o.bias === false ? null : empty([outChannels], o);
      defaultLinearInit_(w, b);
      return [w, b];
    });
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
  }

  protected check(x: Tensor, dims: number): void {
    const nd = x.ndim;
    if (nd !== dims + 2 && nd !== dims + 1) {
      throw new Error(`${this.name}: expected a ${dims + 2}-d (batched) or ${dims + 1}-d input, got shape [${x.shape.join(', ')}]`);
    }
    const c = x.shape[nd - dims - 1];
    if (c !== this.inChannels) {
      throw new Error(`${this.name}: expected input with ${this.inChannels} channels, got ${c} (shape [${x.shape.join(', ')}])`);
    }
  }

  /** The options of F.conv1d / F.conv2d: this layer's stride, padding, dilation and groups. */
  protected get options(): F.ConvOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }
}

/** 1-d convolution over (N, C, L) (`torch.nn.Conv1d`), PyTorch's default initialisation. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number, o: ConvOptions<number | readonly [number]> = {}) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, o);
  }

  forward(x: Tensor): Tensor {
    this.check(x, 1);
    return F.conv1d(x, this.weight, this.bias, this.options); // (N, out, L')
  }
}

/**
 * 2-d convolution over (N, C, H, W) (`torch.nn.Conv2d`), PyTorch's default initialisation.
 * Channels-last inputs and weights give channels-last outputs.
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], o: ConvOptions<number | readonly [number, number]> = {}) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, o);
  }

  forward(x: Tensor): Tensor {
    this.check(x, 2);
    return F.conv2d(x, this.weight, this.bias, this.options); // (N, out, H', W')
  }
}
