// SimSiam's projection and prediction heads.
import { ReLU } from '../activation.js';
import { type HeadDims, ProjectionHead } from './projection-head.js';

/**
 * SimSiam's projection MLP (part of the encoder f).
 *
 * "The projection MLP (in f) has BN applied to each fully-connected (fc) layer, including its
 * output fc. Its output fc has no ReLU. The hidden fc is 2048-d. This MLP has 3 layers."
 * (Chen & He 2021, "Exploring Simple Siamese Representation Learning", Sec. 4;
 * https://arxiv.org/abs/2011.10566)
 *
 * Defaults 2048 -> 2048 -> 2048 -> 2048; the output BatchNorm is not affine, as the official
 * code and lightly.
 */
export class SimSiamProjectionHead extends ProjectionHead {
  static readonly defaults = { inputDim: 2048, hiddenDim: 2048, outputDim: 2048 } as const;

  constructor(o: HeadDims = {}) {
    const d = SimSiamProjectionHead.defaults;
    const hidden = o.hiddenDim ?? d.hiddenDim;
    super([
      { inDim: o.inputDim ?? d.inputDim, outDim: hidden, batchNorm: true, activation: new ReLU() },
      { inDim: hidden, outDim: hidden, batchNorm: true, activation: new ReLU() },
      { inDim: hidden, outDim: o.outputDim ?? d.outputDim, batchNorm: { affine: false } },
    ]);
  }
}

/**
 * SimSiam's prediction MLP h.
 *
 * "The prediction MLP (h) has BN applied to its hidden fc layers. Its output fc does not have
 * BN or ReLU. This MLP has 2 layers. The dimension of h's input and output (z and p) is
 * d = 2048, and h's hidden layer's dimension is 512, making h a bottleneck structure."
 * (Chen & He 2021, Sec. 4). Defaults 2048 -> 512 -> 2048.
 */
export class SimSiamPredictionHead extends ProjectionHead {
  static readonly defaults = { inputDim: 2048, hiddenDim: 512, outputDim: 2048 } as const;

  constructor(o: HeadDims = {}) {
    const d = SimSiamPredictionHead.defaults;
    const hidden = o.hiddenDim ?? d.hiddenDim;
    super([
      { inDim: o.inputDim ?? d.inputDim, outDim: hidden, batchNorm: true, activation: new ReLU() },
      { inDim: hidden, outDim: o.outputDim ?? d.outputDim },
    ]);
  }
}
