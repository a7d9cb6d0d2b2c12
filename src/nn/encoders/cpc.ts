// CPC's encoder: a strided 1-d convolutional g_enc to codes z_t, and a GRU autoregressor g_ar to contexts c_t.
import { type Tensor, scope } from '../../tensor/index.js';
import { ReLU } from '../activation.js';
import { Sequential } from '../container.js';
import { Conv1d } from '../conv.js';
import { Module } from '../module.js';
import { positiveInt } from '../parameter.js';
import type { SequenceEncoder } from './encoder.js';
import { GRUEncoder } from './rnn.js';
import { checkPooling, checkSequences, type Pooling, stepMask } from './sequence.js';

/** Options of the CPC encoder. */
export interface CPCEncoderOptions {
  /** Features per step (C): required. */
  inputSize: number;
  /** Size of the codes z_t, g_enc's channels (default 256; the paper's 512 are for raw audio). */
  codeSize?: number;
  /** Size of the contexts c_t, g_ar's GRU hidden size (default 256, the paper's). */
  hiddenSize?: number;
  /**
   * How the contexts are pooled into the features (default 'max' over the steps; 'last' is c_T,
   * the paper's representation). On fashion-mnist-seq (15,000 sequences, 5 epochs) the kNN of
   * 'max' measured 0.746 at random init and 0.774 trained; 'last' 0.655 and 0.647 (no better
   * than random); 'mean' 0.690 and 0.707.
   */
  pooling?: Pooling;
}

/** floor((L + 2 padding - dilation (kernel - 1) - 1) / stride) + 1 = L' as floor((L + shift) / stride) + 1 (PyTorch's formula): the shift. */
export function convShift(conv: Conv1d): number {
  return 2 * conv.padding[0]! - conv.dilation[0]! * (conv.kernelSize[0]! - 1) - 1;
}

/** The output lengths of a 1-d convolution for input lengths `lengths` (N) int64. */
function convLengths(conv: Conv1d, lengths: Tensor): Tensor {
  return scope(() => lengths.add(convShift(conv)).div(conv.stride[0]!, 'floor').add(1));
}

/**
 * The encoder of CPC (van den Oord, Li & Vinyals 2018, "Representation Learning with
 * Contrastive Predictive Coding"): g_enc, a stack of 1-d convolutions with ReLU ("strided
 * convolutional layers" on raw audio in the paper: five, total stride 160), maps the input to
 * codes z_t; g_ar, a GRU ("a GRU RNN with 256 dimensional hidden state"), summarises z_<=t into
 * contexts c_t. Sized for short sequences (28 steps of Fashion-MNIST rows), `codeSize` channels:
 * a convolution of kernel 2, stride 2 and padding 1 (code z_t reads input steps 2t - 1 and 2t:
 * T' = floor(T / 2) + 1, 15 codes from 28 steps), then two of kernel 1 (per code). The codes'
 * inputs do not overlap, so a context c_t (of z_<=t) holds nothing of the codes it predicts:
 * with kernels of 3 they overlapped and the loss fell to 0.01 within 3 epochs, a trivial task.
 * Variable lengths hold: padded steps are zeroed before and after every convolution, and the GRU
 * packs its input.
 * Modules: g_enc.{0,2,4} (Conv1d), g_ar (a GRUEncoder: `g_ar.weight_ih_l0`, ...).
 */
export class CPCEncoder extends Module<[x: Tensor, lengths?: Tensor | null], Tensor> implements SequenceEncoder {
  readonly inputSize: number;
  readonly codeSize: number;
  readonly contextSize: number;
  readonly featureDim: number;
  readonly stepDim: number;
  readonly g_enc: Sequential;
  readonly g_ar: GRUEncoder;
  readonly #convs: Conv1d[];

  constructor(o: CPCEncoderOptions) {
    super();
    if (typeof o !== 'object' || o === null) throw new TypeError('CPCEncoder: options must be an object with inputSize');
    this.inputSize = positiveInt('CPCEncoder', 'inputSize', o.inputSize);
    this.codeSize = positiveInt('CPCEncoder', 'codeSize', o.codeSize ?? 256);
    this.contextSize = positiveInt('CPCEncoder', 'hiddenSize', o.hiddenSize ?? 256);
    const pooling = checkPooling('CPCEncoder', o.pooling ?? 'max');
    this.stepDim = this.featureDim = this.contextSize;
    const e = this.codeSize;
    this.#convs = [
      new Conv1d(this.inputSize, e, 2, { stride: 2, padding: 1 }),
      new Conv1d(e, e, 1),
      new Conv1d(e, e, 1),
    ];
    this.g_enc = this.registerModule('g_enc', new Sequential(...this.#convs.flatMap((c) => [c, new ReLU()])));
    this.g_ar = this.registerModule('g_ar', new GRUEncoder({ inputSize: e, hiddenSize: this.contextSize, pooling }));
  }

  /** T' = floor(T / 2) + 1 for T steps. */
  stepCount(steps: number): number {
    return this.#convs.reduce((s, c) => Math.floor((s + convShift(c)) / c.stride[0]!) + 1, steps);
  }

  /** The lengths T' of the codes and contexts (N) int64 for input lengths (N). */
  stepLengths(lengths: Tensor): Tensor {
    return scope(() => this.#convs.reduce((l, c) => convLengths(c, l), lengths));
  }

  /** Codes z (N, T', codeSize) of `x` (N, T, inputSize), zero past each sequence's end, and their lengths (null: all T'). */
  #codes(x: Tensor, lengths: Tensor | null | undefined): { z: Tensor; lengths: Tensor | null } {
    const b = checkSequences('CPCEncoder', this.inputSize, x, lengths);
    return scope(() => {
      let steps = b.lengths;
      let h = x.transpose(1, 2); // (N, C, T)
      if (steps) h = h.mul(stepMask(steps, b.t).unsqueeze(1));
      for (let i = 0; i < this.g_enc.length; i++) {
        const layer = this.g_enc.at(i);
        h = layer.forward(h); // (N, codeSize, T')
        if (steps && layer instanceof Conv1d) {
          steps = convLengths(layer, steps);
          h = h.mul(stepMask(steps, h.shape[2]!).unsqueeze(1));
        }
      }
      return { z: h.transpose(1, 2), lengths: steps }; // (N, T', codeSize)
    });
  }

  /**
   * What CPC's loss needs: codes z (N, T', codeSize), contexts c (N, T', contextSize), both
   * zero past each sequence's end, and the lengths T' (null when every sequence is full).
   */
  encodeSteps(x: Tensor, lengths?: Tensor | null): { z: Tensor; c: Tensor; lengths: Tensor | null } {
    return scope(() => {
      const { z, lengths: steps } = this.#codes(x, lengths);
      return { z, c: this.g_ar.forwardSteps(z, steps), lengths: steps };
    });
  }

  /** The contexts c (N, T', contextSize), zero past each sequence's end. */
  forwardSteps(x: Tensor, lengths?: Tensor | null): Tensor {
    return scope(() => this.encodeSteps(x, lengths).c);
  }

  /** Features (N, contextSize): the contexts pooled ('last': c at each sequence's last step). */
  forward(x: Tensor, lengths?: Tensor | null): Tensor {
    return scope(() => {
      const { z, lengths: steps } = this.#codes(x, lengths);
      return this.g_ar.forward(z, steps);
    });
  }
}
