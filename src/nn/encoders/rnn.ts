// GRU and LSTM sequence encoders on ATen's fused recurrent ops, with torch.nn.GRU/LSTM's parameters.
import { empty, F, noGrad, type Tensor, scope, zeros } from '../../tensor/index.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { positiveInt } from '../parameter.js';
import type { SequenceEncoder } from './encoder.js';
import { checkDropout, checkPooling, checkSequences, type Pooling, poolSteps } from './sequence.js';

/** Options of the GRU and LSTM encoders (torch.nn.GRU/LSTM's names, camelCase). */
export interface RecurrentEncoderOptions {
  /** Features per step (C): required. */
  inputSize: number;
  /** Hidden state size (default 256). */
  hiddenSize?: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** A second, time-reversed direction per layer (default false). */
  bidirectional?: boolean;
  /** Dropout on each layer's outputs but the last's, in training only (default 0), as torch.nn.GRU. */
  dropout?: number;
  /**
   * The features (default 'last'): 'last' the final hidden state of the last layer (both
   * directions' concatenated when bidirectional: the forward one after the last valid step, the
   * reverse one after step 0, PyTorch's h_n), 'mean' / 'max' over the valid steps' outputs.
   */
  pooling?: Pooling;
}

/** The per-step outputs and the final hidden states of a recurrent encoder. */
interface Recurrence {
  /** (N, T, D H), zero past each sequence's end; null when not asked for. */
  output: Tensor | null;
  /** (L D, N, H), PyTorch's h_n. */
  hN: Tensor;
  /** The checked lengths: null when every sequence has all T steps. */
  lengths: Tensor | null;
}

/**
 * What GRUEncoder and LSTMEncoder share: torch.nn.RNNBase's parameters (`weight_ih_l{k}`,
 * `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`, with `_reverse` for the second direction,
 * in its order), so the state dict loads into `torch.nn.GRU/LSTM(..., batch_first=True)` with
 * strict=True; its initialisation (every parameter from U(-1/sqrt(H), 1/sqrt(H)), in that
 * order: the same seed draws PyTorch's weights); and its forward, one fused ATen call over the
 * whole sequence. Variable lengths go through a packed sequence (sorted by length inside, the
 * order restored after), so padding never enters the recurrence.
 */
abstract class RecurrentEncoder extends Module<[x: Tensor, lengths?: Tensor | null], Tensor> implements SequenceEncoder {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropout: number;
  readonly pooling: Pooling;
  readonly featureDim: number;
  readonly stepDim: number;
  /** torch.nn.RNNBase's `_flat_weights_names`: per layer and direction, w_ih, w_hh, b_ih, b_hh. */
  readonly flatWeightNames: readonly string[];
  /** The parameters in that order (torch's `_flat_weights`), as the fused op takes them. */
  readonly flatWeights: readonly Tensor[];

  /** `gates`: 3 for the GRU (r, z, n), 4 for the LSTM (i, f, g, o). */
  protected constructor(layer: string, gates: number, o: RecurrentEncoderOptions) {
    super();
    if (typeof o !== 'object' || o === null) throw new TypeError(`${layer}: options must be an object with inputSize`);
    this.inputSize = positiveInt(layer, 'inputSize', o.inputSize);
    this.hiddenSize = positiveInt(layer, 'hiddenSize', o.hiddenSize ?? 256);
    this.numLayers = positiveInt(layer, 'numLayers', o.numLayers ?? 1);
    this.bidirectional = o.bidirectional ?? false;
    if (typeof this.bidirectional !== 'boolean') throw new TypeError(`${layer}: bidirectional must be a boolean, got ${String(o.bidirectional)}`);
    this.dropout = checkDropout(layer, o.dropout ?? 0);
    this.pooling = checkPooling(layer, o.pooling ?? 'last');
    const directions = this.bidirectional ? 2 : 1;
    this.stepDim = this.featureDim = this.hiddenSize * directions;
    const h = this.hiddenSize;
    const names: string[] = [];
    const weights: Tensor[] = [];
    for (let k = 0; k < this.numLayers; k++) {
      const inSize = k === 0 ? this.inputSize : h * directions;
      for (const suffix of this.bidirectional ? ['', '_reverse'] : ['']) {
        const shapes: [string, number[]][] = [
          [`weight_ih_l${k}${suffix}`, [gates * h, inSize]], [`weight_hh_l${k}${suffix}`, [gates * h, h]],
          [`bias_ih_l${k}${suffix}`, [gates * h]], [`bias_hh_l${k}${suffix}`, [gates * h]],
        ];
        for (const [name, shape] of shapes) {
          names.push(name);
          weights.push(this.registerParameter(name, scope(() => empty(shape))));
        }
      }
    }
    const bound = 1 / Math.sqrt(h); // torch.nn.RNNBase.reset_parameters
    noGrad(() => weights.forEach((w) => uniform_(w, -bound, bound)));
    this.flatWeightNames = names;
    this.flatWeights = weights;
  }

  /** The fused op: per-step outputs and h_n from `input` (padded (N, T, C) or packed data) and zero initial states. */
  protected abstract recur(input: Tensor, h0: Tensor, o: F.RecurrentOptions): [Tensor, Tensor];

  /** The whole recurrence of `x` (N, T, C) with `lengths`; the padded per-step outputs only with `steps`. */
  #run(x: Tensor, lengths: Tensor | null | undefined, steps: boolean): Recurrence {
    const b = checkSequences(this.name, this.inputSize, x, lengths);
    const w = this.flatWeights[0]!;
    return scope(() => {
      const input = x.dtype === w.dtype ? x : x.to(w.dtype); // autocast runs these ops in float32 too
      const h0 = zeros([this.numLayers * (this.bidirectional ? 2 : 1), b.n, this.hiddenSize], { dtype: w.dtype, device: w.device }); // (L D, N, H)
      const o = { numLayers: this.numLayers, dropout: this.dropout, train: this.training, bidirectional: this.bidirectional, hasBiases: true };
      if (!b.lengths) {
        const [output, hN] = this.recur(input, h0, o); // (N, T, D H), (L D, N, H)
        return { output, hN, lengths: null };
      }
      // torch.nn.utils.rnn.pack_padded_sequence(enforce_sorted=False), then pad_packed_sequence.
      const sorted = b.lengths.cpu().sort(0, true);
      const order = sorted.indices.to(x.device);
      const restore = sorted.indices.sort(0).indices.to(x.device); // the inverse permutation
      const packed = F.packPaddedSequence(input.indexSelect(0, order), sorted.values);
      const [data, hN] = this.recur(packed.data, h0, { ...o, batchSizes: packed.batchSizes });
      const output = steps ? F.padPackedSequence(data, packed.batchSizes, b.t).indexSelect(0, restore) : null; // (N, T, D H)
      return { output, hN: hN.indexSelect(1, restore), lengths: b.lengths };
    });
  }

  /** Features (N, featureDim) of sequences `x` (N, T, inputSize) with `lengths` (N) int64 (null: all T). */
  forward(x: Tensor, lengths?: Tensor | null): Tensor {
    return scope(() => {
      const r = this.#run(x, lengths, this.pooling !== 'last');
      if (this.pooling !== 'last') return poolSteps(r.output!, r.lengths, this.pooling);
      const hN = r.hN;
      const d = this.bidirectional ? 2 : 1;
      const n = hN.shape[1]!;
      return hN.narrow(0, (this.numLayers - 1) * d, d).transpose(0, 1).reshape([n, d * this.hiddenSize]); // (N, D H)
    });
  }

  /** The last layer's outputs (N, T, D H), zero past each sequence's end. */
  forwardSteps(x: Tensor, lengths?: Tensor | null): Tensor {
    return scope(() => this.#run(x, lengths, true).output!);
  }

  /** The output lengths: the input's (a copy). */
  stepLengths(lengths: Tensor): Tensor {
    return lengths.clone();
  }

  stepCount(steps: number): number {
    return steps;
  }
}

/**
 * A GRU encoder (Cho et al. 2014, "Learning Phrase Representations using RNN Encoder-Decoder"):
 * `torch.nn.GRU(inputSize, hiddenSize, numLayers, batch_first=True, dropout, bidirectional)`'s
 * parameters, initialisation and computation (`aten::gru`), pooled to one vector per sequence.
 */
export class GRUEncoder extends RecurrentEncoder {
  constructor(o: RecurrentEncoderOptions) {
    super('GRUEncoder', 3, o);
  }

  protected recur(input: Tensor, h0: Tensor, o: F.RecurrentOptions): [Tensor, Tensor] {
    return F.gru(input, h0, this.flatWeights, o);
  }
}

/**
 * An LSTM encoder (Hochreiter & Schmidhuber 1997, "Long Short-Term Memory"):
 * `torch.nn.LSTM(inputSize, hiddenSize, numLayers, batch_first=True, dropout, bidirectional)`'s
 * parameters, initialisation and computation (`aten::lstm`), pooled to one vector per sequence
 * ('last': h_n; the cell state c_n is not a feature).
 */
export class LSTMEncoder extends RecurrentEncoder {
  constructor(o: RecurrentEncoderOptions) {
    super('LSTMEncoder', 4, o);
  }

  protected recur(input: Tensor, h0: Tensor, o: F.RecurrentOptions): [Tensor, Tensor] {
    const [output, hN] = F.lstm(input, [h0, h0], this.flatWeights, o);
    return [output, hN];
  }
}
