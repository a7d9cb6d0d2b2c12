// The fused recurrent ops torch.nn.GRU and torch.nn.LSTM call (`_VF.gru`, `_VF.lstm`), and the
// packing of padded batches they take for variable lengths (`torch.nn.utils.rnn`).
import { checkBool, checkInt, checkNumber } from './check.js';
import { checkTensor, run, type Tensor } from './tensor.js';

/** The options of the fused recurrent ops, as torch.nn.GRU/LSTM pass them. */
export interface RecurrentOptions {
  /** Stacked layers (`num_layers`). */
  numLayers: number;
  /** Dropout on the outputs of every layer but the last, when `train` (`dropout`). */
  dropout: number;
  /** Training mode: applies `dropout`. */
  train: boolean;
  /** A second, time-reversed direction per layer (`bidirectional`). */
  bidirectional: boolean;
  /** Whether `params` hold biases: (w_ih, w_hh, b_ih, b_hh) per layer and direction, else (w_ih, w_hh). */
  hasBiases: boolean;
  /**
   * The packed batch's `batch_sizes` (from `packPaddedSequence`): `input` is then its packed
   * data (sum of lengths, C). Without it `input` is a padded (N, T, C) batch, every step counted.
   */
  batchSizes?: Tensor | null;
}

function checkOptions(op: string, input: Tensor, params: readonly Tensor[], o: RecurrentOptions): void {
  checkTensor(op, 'input', input);
  if (!Array.isArray(params)) throw new TypeError(`${op}: params must be an array of Tensors`);
  params.forEach((p, i) => checkTensor(op, `params[${i}]`, p));
  if (checkInt(op, 'numLayers', o.numLayers) < 1) throw new RangeError(`${op}: numLayers must be >= 1, got ${o.numLayers}`);
  const d = checkNumber(op, 'dropout', o.dropout);
  if (d < 0 || d > 1) throw new RangeError(`${op}: dropout must be in [0, 1], got ${d}`);
  checkBool(op, 'train', o.train);
  checkBool(op, 'bidirectional', o.bidirectional);
  checkBool(op, 'hasBiases', o.hasBiases);
  const want = o.numLayers * (o.bidirectional ? 2 : 1) * (o.hasBiases ? 4 : 2);
  if (params.length !== want) throw new RangeError(`${op}: expected ${want} params for these options, got ${params.length}`);
  if (o.batchSizes != null) checkTensor(op, 'batchSizes', o.batchSizes);
}

/**
 * The multi-layer GRU (Cho et al. 2014) over a batch-first (N, T, C) input, or packed data with
 * `batchSizes`: `[output, hN]`, output (N, T, D H) (packed: (sum of lengths, D H)) and hN
 * (L D, N, H), from initial state `hx` (L D, N, H). `params` are torch.nn.GRU's `_flat_weights`.
 * One ATen call (`aten::gru.input` / `aten::gru.data`), as `torch.nn.GRU.forward`.
 */
export function gru(input: Tensor, hx: Tensor, params: readonly Tensor[], o: RecurrentOptions): [Tensor, Tensor] {
  checkOptions('gru', input, params, o);
  checkTensor('gru', 'hx', hx);
  return o.batchSizes != null
    ? run('gru.data', input, o.batchSizes, hx, params, o.hasBiases, o.numLayers, o.dropout, o.train, o.bidirectional)
    : run('gru.input', input, hx, params, o.hasBiases, o.numLayers, o.dropout, o.train, o.bidirectional, true);
}

/**
 * The multi-layer LSTM (Hochreiter & Schmidhuber 1997) as `gru`, from initial states
 * `[h0, c0]` (each (L D, N, H)): `[output, hN, cN]`. One ATen call (`aten::lstm.input` /
 * `aten::lstm.data`), as `torch.nn.LSTM.forward`.
 */
export function lstm(input: Tensor, hx: readonly [Tensor, Tensor], params: readonly Tensor[], o: RecurrentOptions): [Tensor, Tensor, Tensor] {
  checkOptions('lstm', input, params, o);
  if (!Array.isArray(hx) || hx.length !== 2) throw new TypeError('lstm: hx must be [h0, c0]');
  hx.forEach((h, i) => checkTensor('lstm', `hx[${i}]`, h));
  return o.batchSizes != null
    ? run('lstm.data', input, o.batchSizes, hx, params, o.hasBiases, o.numLayers, o.dropout, o.train, o.bidirectional)
    : run('lstm.input', input, hx, params, o.hasBiases, o.numLayers, o.dropout, o.train, o.bidirectional, true);
}

/** A packed batch: the steps of every sequence interleaved by time, and how many sequences each step has. */
export interface PackedSequence {
  /** (sum of lengths, C): time step 0 of every sequence, then step 1 of those that have it, ... */
  data: Tensor;
  /** (T) int64 on the CPU: the number of sequences that reach each step (non-increasing). */
  batchSizes: Tensor;
}

/**
 * Packs a batch-first padded batch (N, T, C) whose `lengths` ((N) int64 on the CPU) are sorted
 * in decreasing order (`aten::_pack_padded_sequence`, what
 * `torch.nn.utils.rnn.pack_padded_sequence(..., enforce_sorted=True)` calls).
 */
export function packPaddedSequence(input: Tensor, lengths: Tensor): PackedSequence {
  checkTensor('packPaddedSequence', 'input', input);
  checkTensor('packPaddedSequence', 'lengths', lengths);
  const [data, batchSizes] = run<[Tensor, Tensor]>('_pack_padded_sequence', input, lengths, true);
  return { data, batchSizes };
}

/**
 * The inverse of `packPaddedSequence`: (N, totalLength, D) batch-first, `paddingValue` past each
 * sequence's end (`aten::_pad_packed_sequence`, as `torch.nn.utils.rnn.pad_packed_sequence`).
 */
export function padPackedSequence(data: Tensor, batchSizes: Tensor, totalLength: number, paddingValue = 0): Tensor {
  checkTensor('padPackedSequence', 'data', data);
  checkTensor('padPackedSequence', 'batchSizes', batchSizes);
  const [padded, lengths] = run<[Tensor, Tensor]>(
    '_pad_packed_sequence', data, batchSizes, true, checkNumber('padPackedSequence', 'paddingValue', paddingValue),
    checkInt('padPackedSequence', 'totalLength', totalLength),
  );
  lengths.dispose();
  return padded;
}
