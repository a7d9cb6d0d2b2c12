// MoCo v2's projection head.
import { ReLU } from '../activation.js';
import { type HeadDims, ProjectionHead } from './projection-head.js';

/**
 * MoCo's MLP projection head (v2).
 *
 * "(...) we replace the fc head in MoCo with a 2-layer MLP head (hidden layer 2048-d, with
 * ReLU)." (Chen, Fan, Girshick & He 2020, "Improved Baselines with Momentum Contrastive
 * Learning", Sec. 3; https://arxiv.org/abs/2003.04297), on MoCo (He et al. 2020, "Momentum
 * Contrast for Unsupervised Visual Representation Learning"; https://arxiv.org/abs/1911.05722),
 * whose output is 128-d. Defaults 2048 -> 2048 -> 128, no BatchNorm.
 */
export class MoCoProjectionHead extends ProjectionHead {
  static readonly defaults = { inputDim: 2048, hiddenDim: 2048, outputDim: 128 } as const;

  constructor(o: HeadDims = {}) {
    const d = MoCoProjectionHead.defaults;
    const hidden = o.hiddenDim ?? d.hiddenDim;
    super([
      { inDim: o.inputDim ?? d.inputDim, outDim: hidden, activation: new ReLU() },
      { inDim: hidden, outDim: o.outputDim ?? d.outputDim },
    ]);
  }
}
