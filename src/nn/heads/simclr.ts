// SimCLR's projection head g(.), in its v1 (2-layer) and v2 (3-layer) forms.
import { ReLU } from '../activation.js';
import { type HeadBlock, type HeadDims, ProjectionHead } from './projection-head.js';

/**
 * SimCLR's projection head.
 *
 * "We use a MLP with one hidden layer to obtain z_i = g(h_i) = W(2) σ(W(1) h_i) where σ is a
 * ReLU non-linearity." (Chen, Kornblith, Norouzi & Hinton 2020, "A Simple Framework for
 * Contrastive Learning of Visual Representations", Sec. 2.1; https://arxiv.org/abs/2002.05709)
 *
 * "We use a 3-layer MLP projection head on top of a ResNet encoder." (Chen et al. 2020,
 * "Big Self-Supervised Models are Strong Semi-Supervised Learners" (SimCLR v2);
 * https://arxiv.org/abs/2006.10029)
 *
 * `numLayers` 2 is v1, 3 is v2; with `batchNorm` (default, as the official implementation and
 * lightly) each linear layer is followed by BatchNorm. Defaults 2048 -> 2048 -> 128 (the
 * paper's 128-d z); pass the encoder's featureDim as `inputDim` (512 for ResNet-18).
 */
export class SimCLRProjectionHead extends ProjectionHead {
  static readonly defaults = { inputDim: 2048, hiddenDim: 2048, outputDim: 128, numLayers: 2, batchNorm: true } as const;

  constructor(o: HeadDims & { numLayers?: number; batchNorm?: boolean } = {}) {
    const d = SimCLRProjectionHead.defaults;
    const inputDim = o.inputDim ?? d.inputDim;
    const hiddenDim = o.hiddenDim ?? d.hiddenDim;
    const outputDim = o.outputDim ?? d.outputDim;
    const numLayers = o.numLayers ?? d.numLayers;
    const bn = o.batchNorm ?? d.batchNorm;
    if (!Number.isInteger(numLayers) || numLayers < 2) throw new TypeError(`SimCLRProjectionHead: numLayers must be an integer >= 2, got ${numLayers}`);
    const blocks: HeadBlock[] = [{ inDim: inputDim, outDim: hiddenDim, batchNorm: bn, activation: new ReLU() }];
    for (let i = 2; i < numLayers; i++) blocks.push({ inDim: hiddenDim, outDim: hiddenDim, batchNorm: bn, activation: new ReLU() });
    blocks.push({ inDim: hiddenDim, outDim: outputDim, batchNorm: bn });
    super(blocks);
  }
}
