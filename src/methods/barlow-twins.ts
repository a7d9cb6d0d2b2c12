// Barlow Twins (Zbontar et al. 2021) and VICReg (Bardes et al. 2022): redundancy reduction.
import { BarlowTwinsLoss, VICRegLoss } from '../losses/index.js';
import { BarlowTwinsProjectionHead, VICRegProjectionHead } from '../nn/index.js';
import { cat, type Tensor } from '../tensor/index.js';
import { checkViews, headDims, Method, type MethodOptions } from './method.js';

/**
 * Barlow Twins: backbone and a 3-layer projector ("three linear layers, each with 8192 output
 * units", Sec. 2); the loss drives the cross-correlation matrix of the two views' embeddings to
 * the identity (λ 5e-3).
 */
export class BarlowTwins extends Method {
  readonly methodName = 'barlowtwins';
  readonly projectionHead: BarlowTwinsProjectionHead;
  readonly criterion = new BarlowTwinsLoss();

  constructor(o: MethodOptions) {
    super(o);
    const d = headDims(this.backbone.featureDim, o, { hidden: 8192, output: 8192 });
    this.projectionHead = this.registerModule('projectionHead', new BarlowTwinsProjectionHead({
      inputDim: this.backbone.featureDim, hiddenDim: d.hidden, outputDim: Math.max(d.output, d.hidden),
    }));
  }

  forward(views: Tensor[]): Tensor {
    checkViews('BarlowTwins', views);
    // Each view through BatchNorm on its own, as the paper normalises per view.
    const z1 = this.projectionHead.forward(this.backbone.forward(views[0]!));
    const z2 = this.projectionHead.forward(this.backbone.forward(views[1]!));
    return this.criterion.forward(z1, z2);
  }
}

/**
 * VICReg: backbone and an expander ("composed of two fully-connected layers with batch
 * normalization and ReLU, and a third linear layer", 8192 units, Sec. 4.1); variance,
 * invariance and covariance terms weighted 25 / 25 / 1.
 */
export class VICReg extends Method {
  readonly methodName = 'vicreg';
  readonly projectionHead: VICRegProjectionHead;
  readonly criterion = new VICRegLoss();

  constructor(o: MethodOptions) {
    super(o);
    const d = headDims(this.backbone.featureDim, o, { hidden: 8192, output: 8192 });
    this.projectionHead = this.registerModule('projectionHead', new VICRegProjectionHead({
      inputDim: this.backbone.featureDim, hiddenDim: d.hidden, outputDim: Math.max(d.output, d.hidden),
    }));
  }

  forward(views: Tensor[]): Tensor {
    checkViews('VICReg', views);
    const b = views[0]!.shape[0]!;
    const z = this.projectionHead.forward(this.backbone.forward(cat(views))); // (2B, D)
    return this.criterion.forward(z.narrow(0, 0, b), z.narrow(0, b, b));
  }
}
