// NNCLR's projection and prediction heads.
import { ReLU } from '../activation.js';
import { type HeadDims, ProjectionHead } from './projection-head.js';

/**
 * NNCLR's projection MLP.
 *
 * "The architecture of the projection MLP is 3 fully connected layers of sizes [2048, 2048, d]
 * where d is the embedding size used to apply the loss. We use d = 256 in the experiments
 * unless otherwise stated. All fully-connected layers are followed by batch-normalization.
 * All the batch-norm layers except the last layer are followed by ReLU activation."
 * (Dwibedi et al. 2021, "With a Little Help from My Friends: Nearest-Neighbor Contrastive
 * Learning of Visual Representations", Sec. 4.1; https://arxiv.org/abs/2104.14548)
 *
 * Defaults 2048 -> 2048 -> 2048 -> 256.
 */
export class NNCLRProjectionHead extends ProjectionHead {
  static readonly defaults = { inputDim: 2048, hiddenDim: 2048, outputDim: 256 } as const;

  constructor(o: HeadDims = {}) {
    const d = NNCLRProjectionHead.defaults;
    const hidden = o.hiddenDim ?? d.hiddenDim;
    super([
      { inDim: o.inputDim ?? d.inputDim, outDim: hidden, batchNorm: true, activation: new ReLU() },
      { inDim: hidden, outDim: hidden, batchNorm: true, activation: new ReLU() },
      { inDim: hidden, outDim: o.outputDim ?? d.outputDim, batchNorm: true },
    ]);
  }
}

/**
 * NNCLR's prediction MLP.
 *
 * "The architecture of the prediction MLP g is 2 fully-connected layers of size [4096, d].
 * The hidden layer of the prediction MLP is followed by batch-norm and ReLU. The last layer
 * has no batch-norm or activation." (Dwibedi et al. 2021, Sec. 4.1)
 *
 * Defaults 256 -> 4096 -> 256.
 */
export class NNCLRPredictionHead extends ProjectionHead {
  static readonly defaults = { inputDim: 256, hiddenDim: 4096, outputDim: 256 } as const;

  constructor(o: HeadDims = {}) {
    const d = NNCLRPredictionHead.defaults;
    const hidden = o.hiddenDim ?? d.hiddenDim;
    super([
      { inDim: o.inputDim ?? d.inputDim, outDim: hidden, batchNorm: true, activation: new ReLU() },
      { inDim: hidden, outDim: o.outputDim ?? d.outputDim },
    ]);
  }
}
