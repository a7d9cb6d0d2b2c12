// What every encoder (backbone) is: a module from inputs to feature vectors of a known size.
import type { Tensor } from '../../tensor/index.js';
import type { Module } from '../module.js';

/**
 * A backbone f: inputs (N, ...) -> features h (N, featureDim), the representation that
 * contrastive methods train and evaluation probes (SimCLR's "base encoder"). `lengths` ((N)
 * int64, or null when every sequence has all its steps) is for sequence encoders; image and
 * vector encoders ignore it.
 */
export interface Encoder extends Module<[x: Tensor, lengths?: Tensor | null], Tensor> {
  /** The size of the feature vector `forward` returns (512 for ResNet-18, 2048 for ResNet-50). */
  readonly featureDim: number;
}

/**
 * An encoder of sequences (N, T, C) (the field's "recurrent neural network for sequential
 * data"): zero-padded batch-first steps plus `lengths` (N) int64 on the same device (each in
 * 1..T; null: all T). Padding never changes a sequence's output: a padded batch gives, for each
 * sequence, what that sequence gives alone.
 */
export interface SequenceEncoder extends Encoder {
  /** Features per input step (C). */
  readonly inputSize: number;
  /** Features per output step (D of `forwardSteps`). */
  readonly stepDim: number;
  /** Per-step features (N, T', stepDim), zero past each sequence's end (T' = T unless the encoder downsamples). */
  forwardSteps(x: Tensor, lengths?: Tensor | null): Tensor;
  /** The lengths of `forwardSteps`' sequences (N) int64 for input lengths (N): the same unless the encoder downsamples. */
  stepLengths(lengths: Tensor): Tensor;
  /** T' for inputs of T steps. */
  stepCount(steps: number): number;
}

/** Whether `e` encodes sequences (has `forwardSteps`). */
export function isSequenceEncoder(e: Encoder): e is SequenceEncoder {
  return typeof (e as { forwardSteps?: unknown }).forwardSteps === 'function';
}
