// TS2Vec's encoder: a stack of dilated residual 1-d convolutions over time.
import { type Tensor, scope } from '../../tensor/index.js';
import { GELU } from '../activation.js';
import { Sequential } from '../container.js';
import { Conv1d } from '../conv.js';
import { Dropout } from '../dropout.js';
import { Linear } from '../linear.js';
import { Module } from '../module.js';
import { positiveInt } from '../parameter.js';
import type { SequenceEncoder } from './encoder.js';
import { checkDropout, checkPooling, checkSequences, type Pooling, poolSteps, stepMask } from './sequence.js';

/** TS2Vec's kernel size. */
const KERNEL = 3;

/**
 * TS2Vec's `ConvBlock`: x + conv2(gelu(conv1(gelu(x)))), both convolutions of kernel 3 with
 * `dilation` and 'same' padding (TS2Vec's `SamePadConv`: padding = dilation for kernel 3), the
 * residual through a 1x1 `projector` when the channels change or the block is the last one.
 * With a step mask (N, 1, T), padded steps are set back to zero after each convolution, so a
 * sequence's outputs never see its batch's padding.
 */
export class DilatedConvBlock extends Module<[x: Tensor, mask?: Tensor | null], Tensor> {
  readonly conv1: Conv1d;
  readonly conv2: Conv1d;
  readonly projector: Conv1d | null;
  readonly gelu = new GELU();

  constructor(inChannels: number, outChannels: number, readonly dilation: number, final: boolean) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv1d(inChannels, outChannels, KERNEL, { dilation, padding: dilation }));
    this.conv2 = this.registerModule('conv2', new Conv1d(outChannels, outChannels, KERNEL, { dilation, padding: dilation }));
    this.projector = this.registerModule('projector', inChannels !== outChannels || final ? new Conv1d(inChannels, outChannels, 1) : null);
  }

  /** (N, in, T) -> (N, out, T); `mask` (N, 1, T) bool re-zeroes the padding. */
  forward(x: Tensor, mask?: Tensor | null): Tensor {
    return scope(() => {
      const masked = (h: Tensor): Tensor => (mask ? h.mul(mask) : h);
      const residual = this.projector ? this.projector.forward(x) : x;
      const h = masked(this.conv1.forward(this.gelu.forward(x))); // (N, out, T)
      return masked(this.conv2.forward(this.gelu.forward(h)).add(residual)); // (N, out, T)
    });
  }
}

/** Options of the TCN encoder (TS2Vec's names and defaults). */
export interface TCNOptions {
  /** Features per step (C): required. */
  inputSize: number;
  /** Channels of the input projection and the hidden blocks (TS2Vec's hidden_dims, default 64). */
  hiddenSize?: number;
  /** Features per step of the output (TS2Vec's output_dims, default 320). */
  outputSize?: number;
  /** Hidden blocks (TS2Vec's depth, default 10); one more maps to outputSize, dilations 1, 2, ..., 2^depth. */
  depth?: number;
  /** Dropout on the per-step features in training (TS2Vec's repr_dropout, default 0.1). */
  dropout?: number;
  /** The features (default 'max', TS2Vec's instance-level max over time), 'last' or 'mean'; over valid steps. */
  pooling?: Pooling;
}

/**
 * TS2Vec's encoder (Yue et al. 2022, "TS2Vec: Towards Universal Representation of Time Series",
 * its `TSEncoder` without the training-time timestamp masking, an augmentation here):
 * `input_fc` Linear(C -> hiddenSize) per step, then `feature_extractor`, depth + 1
 * `DilatedConvBlock`s of dilation 2^i (hiddenSize channels, the last outputSize), then dropout;
 * features are the per-step outputs pooled over time. Module names as TS2Vec's, except that its
 * `SamePadConv` wrapper (`conv1.conv.weight`) is a plain Conv1d here (`conv1.weight`) and the
 * blocks are `feature_extractor.{i}` (TS2Vec: `feature_extractor.net.{i}`).
 */
export class TCN extends Module<[x: Tensor, lengths?: Tensor | null], Tensor> implements SequenceEncoder {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  readonly depth: number;
  readonly pooling: Pooling;
  readonly featureDim: number;
  readonly stepDim: number;
  readonly input_fc: Linear;
  readonly feature_extractor: Sequential;
  readonly blocks: readonly DilatedConvBlock[];
  readonly repr_dropout: Dropout;

  constructor(o: TCNOptions) {
    super();
    if (typeof o !== 'object' || o === null) throw new TypeError('TCN: options must be an object with inputSize');
    this.inputSize = positiveInt('TCN', 'inputSize', o.inputSize);
    this.hiddenSize = positiveInt('TCN', 'hiddenSize', o.hiddenSize ?? 64);
    this.outputSize = positiveInt('TCN', 'outputSize', o.outputSize ?? 320);
    this.depth = o.depth ?? 10;
    if (!Number.isInteger(this.depth) || this.depth < 0) throw new TypeError(`TCN: depth must be an integer >= 0, got ${String(o.depth)}`);
    this.pooling = checkPooling('TCN', o.pooling ?? 'max');
    this.stepDim = this.featureDim = this.outputSize;
    this.input_fc = this.registerModule('input_fc', new Linear(this.inputSize, this.hiddenSize));
    const channels = [...new Array<number>(this.depth).fill(this.hiddenSize), this.outputSize];
    this.blocks = channels.map((c, i) => new DilatedConvBlock(i === 0 ? this.hiddenSize : channels[i - 1]!, c, 2 ** i, i === channels.length - 1));
    this.feature_extractor = this.registerModule('feature_extractor', new Sequential(...this.blocks));
    this.repr_dropout = this.registerModule('repr_dropout', new Dropout(checkDropout('TCN', o.dropout ?? 0.1)));
  }

  /** Per-step features (N, T, outputSize) of `x` (N, T, inputSize), zero past each sequence's end. */
  forwardSteps(x: Tensor, lengths?: Tensor | null): Tensor {
    const b = checkSequences('TCN', this.inputSize, x, lengths);
    return scope(() => {
      const mask = b.lengths ? stepMask(b.lengths, b.t).unsqueeze(2) : null; // (N, T, 1)
      let h = this.input_fc.forward(mask ? x.mul(mask) : x); // (N, T, hidden)
      if (mask) h = h.mul(mask);
      h = h.transpose(1, 2); // (N, hidden, T)
      const channelMask = mask ? mask.transpose(1, 2) : null; // (N, 1, T)
      for (const block of this.blocks) h = block.forward(h, channelMask); // (N, out, T)
      return this.repr_dropout.forward(h).transpose(1, 2); // (N, T, outputSize)
    });
  }

  /** Features (N, outputSize): the per-step features pooled over the valid steps. */
  forward(x: Tensor, lengths?: Tensor | null): Tensor {
    return scope(() => poolSteps(this.forwardSteps(x, lengths), lengths ?? null, this.pooling));
  }

  /** The output lengths: the input's (a copy; TS2Vec keeps every step). */
  stepLengths(lengths: Tensor): Tensor {
    return lengths.clone();
  }

  stepCount(steps: number): number {
    return steps;
  }
}
