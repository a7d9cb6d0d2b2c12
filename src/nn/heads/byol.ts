// BYOL's projection and prediction heads (the same MLP architecture).
import { ReLU } from '../activation.js';
import { type HeadDims, ProjectionHead } from './projection-head.js';

/**
 * BYOL's projector g.
 *
 * "This MLP consists in a linear layer with output size 4096 followed by batch normalization,
 * rectified linear units (ReLU), and a final linear layer with output dimension 256."
 * (Grill et al. 2020, "Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning",
 * Sec. 3.3; https://arxiv.org/abs/2006.07733)
 *
 * Defaults 2048 -> 4096 -> 256.
 */
export class BYOLProjectionHead extends ProjectionHead {
  static readonly defaults = { inputDim: 2048, hiddenDim: 4096, outputDim: 256 } as const;

  constructor(o: HeadDims = {}) {
    const d = BYOLProjectionHead.defaults;
    const hidden = o.hiddenDim ?? d.hiddenDim;
    super([
      { inDim: o.inputDim ?? d.inputDim, outDim: hidden, batchNorm: true, activation: new ReLU() },
      { inDim: hidden, outDim: o.outputDim ?? d.outputDim },
    ]);
  }
}

/**
 * BYOL's predictor q, "using the same architecture as g" (Grill et al. 2020, Sec. 3.3):
 * "a linear layer with output size 4096 followed by batch normalization, rectified linear
 * units (ReLU), and a final linear layer with output dimension 256". Defaults 256 -> 4096 -> 256.
 */
export class BYOLPredictionHead extends ProjectionHead {
  static readonly defaults = { inputDim: 256, hiddenDim: 4096, outputDim: 256 } as const;

  constructor(o: HeadDims = {}) {
    const d = BYOLPredictionHead.defaults;
    const hidden = o.hiddenDim ?? d.hiddenDim;
    super([
      { inDim: o.inputDim ?? d.inputDim, outDim: hidden, batchNorm: true, activation: new ReLU() },
      { inDim: hidden, outDim: o.outputDim ?? d.outputDim },
    ]);
  }
}
