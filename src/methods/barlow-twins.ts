// Barlow Twins (Zbontar et al. 2021) and VICReg (Bardes et al. 2022): redundancy reduction.
import { BarlowTwinsLoss, VICRegLoss } from '../losses/index.js';
import { BarlowTwinsProjectionHead, type HeadDims, VICRegProjectionHead } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import { BYOL } from './byol.js';
import { checkViews, Method, type MethodOptions } from './method.js';
import type { MethodRecipe } from './recipe.js';

/** The projector ("expander") of `m`: the recipe's three equal layers, narrowed for small backbones to the wider of hidden and output. */
function expander<H>(m: Method, Head: new (o: HeadDims) => H): H {
  return new Head({ inputDim: m.backbone.featureDim, hiddenDim: m.widths.hidden, outputDim: Math.max(m.widths.output, m.widths.hidden) });
}

/**
 * Barlow Twins: backbone and a 3-layer projector ("three linear layers, each with 8192 output
 * units", Sec. 2); the loss drives the cross-correlation matrix of the two views' embeddings to
 * the identity (λ 5e-3).
 */
export class BarlowTwins extends Method {
  /** Projector 8192-8192-8192 (the paper's); LARS as BYOL's recipe (the paper's optimizer is LARS too). */
  static readonly recipe = {
    name: 'barlowtwins',
    paper: 'Zbontar et al. 2021, Barlow Twins: Self-Supervised Learning via Redundancy Reduction',
    needsLabels: false,
    inputs: ['image', 'sequence'],
    optimizer: BYOL.recipe.optimizer,
    defaults: {},
    heads: { hidden: 8192, output: 8192 },
    augment: { image: 'simclr', sequence: 'ts-simclr' },
    gathers: 'embeddings',
    viewBatchNorm: 'per-view', // the reference's z1 = projector(backbone(y1)); z2 = projector(backbone(y2))
  } as const satisfies MethodRecipe;

  readonly projectionHead: BarlowTwinsProjectionHead;
  readonly criterion = new BarlowTwinsLoss();

  constructor(o: MethodOptions) {
    super(BarlowTwins.recipe, o);
    this.projectionHead = this.registerModule('projectionHead', expander(this, BarlowTwinsProjectionHead));
  }

  forward(views: Tensor[], _labels: Tensor | null, lengths?: Tensor | null): Tensor {
    checkViews('BarlowTwins', views);
    const b = views[0]!.shape[0]!;
    const z = this.throughViews(views, lengths, this.backbone, this.projectionHead); // (2B, D)
    return this.criterion.forward(this.gather(z.narrow(0, 0, b)), this.gather(z.narrow(0, b, b))); // (W B, D): the global batch's cross-correlation
  }
}

/**
 * VICReg: backbone and an expander ("composed of two fully-connected layers with batch
 * normalization and ReLU, and a third linear layer", 8192 units, Sec. 4.1); variance,
 * invariance and covariance terms weighted 25 / 25 / 1.
 */
export class VICReg extends Method {
  /** Expander 8192-8192-8192 (the paper's); LARS as BYOL's recipe (the paper's optimizer is LARS too). */
  static readonly recipe = {
    ...BarlowTwins.recipe,
    name: 'vicreg',
    paper: 'Bardes et al. 2022, VICReg: Variance-Invariance-Covariance Regularization for Self-Supervised Learning',
  } as const satisfies MethodRecipe;

  readonly projectionHead: VICRegProjectionHead;
  readonly criterion = new VICRegLoss();

  constructor(o: MethodOptions) {
    super(VICReg.recipe, o);
    this.projectionHead = this.registerModule('projectionHead', expander(this, VICRegProjectionHead));
  }

  forward(views: Tensor[], _labels: Tensor | null, lengths?: Tensor | null): Tensor {
    checkViews('VICReg', views);
    const b = views[0]!.shape[0]!;
    const z = this.throughViews(views, lengths, this.backbone, this.projectionHead); // (2B, D)
    return this.criterion.forward(this.gather(z.narrow(0, 0, b)), this.gather(z.narrow(0, b, b))); // (W B, D): the global batch's variance and covariance
  }
}
