// What every encoder (backbone) is: a module from inputs to feature vectors of a known size.
import type { Tensor } from '../../tensor/index.js';
import type { Module } from '../module.js';

/**
 * A backbone f: inputs (N, ...) -> features h (N, featureDim), the representation that
 * contrastive methods train and evaluation probes (SimCLR's "base encoder").
 */
export interface Encoder extends Module<[Tensor], Tensor> {
  /** The size of the feature vector `forward` returns (512 for ResNet-18, 2048 for ResNet-50). */
  readonly featureDim: number;
}
