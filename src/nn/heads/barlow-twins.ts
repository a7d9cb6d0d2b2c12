// The Barlow Twins projector and the VICReg expander (the same 3-layer, 8192-d MLP).
import { ReLU } from '../activation.js';
import { type HeadBlock, type HeadDims, ProjectionHead } from './projection-head.js';

const DEFAULTS = { inputDim: 2048, hiddenDim: 8192, outputDim: 8192 } as const;

function threeLayers(o: HeadDims): HeadBlock[] {
  const hidden = o.hiddenDim ?? DEFAULTS.hiddenDim;
  return [
    { inDim: o.inputDim ?? DEFAULTS.inputDim, outDim: hidden, batchNorm: true, activation: new ReLU() },
    { inDim: hidden, outDim: hidden, batchNorm: true, activation: new ReLU() },
    { inDim: hidden, outDim: o.outputDim ?? DEFAULTS.outputDim },
  ];
}

/**
 * The Barlow Twins projector.
 *
 * "The projector network has three linear layers, each with 8192 output units. The first two
 * layers of the projector are followed by a batch normalization layer and rectified linear
 * units." (Zbontar, Jing, Misra, LeCun & Deny 2021, "Barlow Twins: Self-Supervised Learning
 * via Redundancy Reduction", Sec. 2; https://arxiv.org/abs/2103.03230)
 *
 * Defaults 2048 -> 8192 -> 8192 -> 8192.
 */
export class BarlowTwinsProjectionHead extends ProjectionHead {
  static readonly defaults = DEFAULTS;

  constructor(o: HeadDims = {}) {
    super(threeLayers(o));
  }
}

/**
 * The VICReg expander.
 *
 * "The expander h_φ is composed of two fully-connected layers with batch normalization (BN)
 * and ReLU, and a third linear layer. The sizes of all 3 layers were set to 8192."
 * (Bardes, Ponce & LeCun 2022, "VICReg: Variance-Invariance-Covariance Regularization for
 * Self-Supervised Learning", Sec. 4.2; https://arxiv.org/abs/2105.04906)
 *
 * Defaults 2048 -> 8192 -> 8192 -> 8192.
 */
export class VICRegProjectionHead extends ProjectionHead {
  static readonly defaults = DEFAULTS;

  constructor(o: HeadDims = {}) {
    super(threeLayers(o));
  }
}
