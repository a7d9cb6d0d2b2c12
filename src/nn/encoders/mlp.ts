// A multi-layer perceptron encoder for vectors (or flattened images).
import type { Tensor } from '../../tensor/index.js';
import { ReLU } from '../activation.js';
import { type Layer, Sequential } from '../container.js';
import { Linear } from '../linear.js';
import { Module } from '../module.js';
import { BatchNorm1d } from '../norm.js';
import { positiveInt } from '../parameter.js';
import type { Encoder } from './encoder.js';

/** Options of the MLP encoder. */
export interface MLPOptions {
  /** Input size; inputs (N, ...) are flattened to (N, inputDim). Default 784 (28x28). */
  inputDim?: number;
  /** Hidden layer sizes; the last is the feature size. Default [512, 512]. */
  hiddenDims?: readonly number[];
  /** BatchNorm after each linear layer (default true). */
  batchNorm?: boolean;
}

/**
 * Linear -> (BatchNorm) -> ReLU for each hidden size; features are the last layer's
 * activations. The linear layers have no bias when BatchNorm follows. Modules: layers.0, ...
 */
export class MLP extends Module implements Encoder {
  readonly featureDim: number;
  readonly inputDim: number;
  readonly layers: Sequential;

  constructor(o: MLPOptions = {}) {
    super();
    this.inputDim = positiveInt('MLP', 'inputDim', o.inputDim ?? 784);
    const dims = o.hiddenDims ?? [512, 512];
    if (!Array.isArray(dims) || dims.length === 0) throw new TypeError('MLP: hiddenDims must be a non-empty array of positive integers');
    dims.forEach((d) => positiveInt('MLP', 'hiddenDims', d));
    const bn = o.batchNorm ?? true;
    const list: Layer[] = [];
    let d = this.inputDim;
    for (const h of dims) {
      list.push(new Linear(d, h, { bias: !bn }));
      if (bn) list.push(new BatchNorm1d(h));
      list.push(new ReLU(true));
      d = h;
    }
    this.featureDim = d;
    this.layers = this.registerModule('layers', new Sequential(...list));
  }

  forward(x: Tensor): Tensor {
    const flat = x.ndim === 2 ? x : x.flatten(1); // (N, inputDim)
    if (flat.ndim !== 2 || flat.shape[1] !== this.inputDim) {
      throw new Error(`MLP: expected inputs of ${this.inputDim} values each, got shape [${x.shape.join(', ')}]`);
    }
    return this.layers.forward(flat); // (N, featureDim)
  }
}
