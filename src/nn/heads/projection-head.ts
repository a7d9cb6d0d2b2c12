// The generic projection/prediction head: an MLP of (in, out, batchNorm, activation) blocks.
import type { Tensor } from '../../tensor/index.js';
import { type Layer, Sequential } from '../container.js';
import { Linear } from '../linear.js';
import { Module } from '../module.js';
import { BatchNorm1d } from '../norm.js';
import { positiveInt } from '../parameter.js';

/** One block of a head: Linear(inDim, outDim), then optional BatchNorm1d, then an optional activation. */
export interface HeadBlock {
  inDim: number;
  outDim: number;
  /** BatchNorm1d(outDim) after the linear layer; `{ affine: false }` for a non-affine one. */
  batchNorm?: boolean | { affine: boolean };
  /** The non-linearity after it (e.g. `new ReLU()`), or none. */
  activation?: Layer | null;
}

/**
 * A projection (or prediction) head: for each block Linear -> [BatchNorm1d] -> [activation];
 * the linear layer has a bias only when no BatchNorm follows (a bias before BatchNorm is
 * cancelled by it). Modules are named `layers.0`, `layers.1`, ... as lightly's
 * `ProjectionHead` (lightly-ai/lightly, lightly/models/modules/heads.py), the map this
 * library's heads follow.
 */
export class ProjectionHead extends Module {
  readonly layers: Sequential;
  readonly inputDim: number;
  readonly outputDim: number;

  constructor(blocks: readonly HeadBlock[]) {
    super();
    if (!Array.isArray(blocks) || blocks.length === 0) throw new TypeError('ProjectionHead: blocks must be a non-empty array');
    const list: Layer[] = [];
    blocks.forEach((b, i) => {
      positiveInt('ProjectionHead', `blocks[${i}].inDim`, b.inDim);
      positiveInt('ProjectionHead', `blocks[${i}].outDim`, b.outDim);
      if (i > 0 && b.inDim !== blocks[i - 1]!.outDim) {
        throw new TypeError(`ProjectionHead: blocks[${i}].inDim (${b.inDim}) must equal blocks[${i - 1}].outDim (${blocks[i - 1]!.outDim})`);
      }
      const bn = b.batchNorm ?? false;
      list.push(new Linear(b.inDim, b.outDim, { bias: !bn }));
      if (bn) list.push(new BatchNorm1d(b.outDim, { affine: bn === true ? true : bn.affine }));
      if (b.activation) list.push(b.activation);
    });
    this.inputDim = blocks[0]!.inDim;
    this.outputDim = blocks[blocks.length - 1]!.outDim;
    this.layers = this.registerModule('layers', new Sequential(...list));
  }

  /** (N, inputDim) -> (N, outputDim) */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.inputDim) {
      throw new Error(`${this.name}: expected input (N, ${this.inputDim}), got shape [${x.shape.join(', ')}]`);
    }
    return this.layers.forward(x);
  }
}

/** Dimensions of a head: input (the encoder's featureDim), hidden and output sizes. */
export interface HeadDims {
  inputDim?: number;
  hiddenDim?: number;
  outputDim?: number;
}
