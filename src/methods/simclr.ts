// SimCLR: Chen et al. 2020, "A Simple Framework for Contrastive Learning of Visual Representations".
import { NTXentLoss } from '../losses/index.js';
import { SimCLRProjectionHead } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import { checkViews, Method, type MethodOptions } from './method.js';
import type { MethodRecipe } from './recipe.js';

/**
 * SimCLR's architecture, which SupCon shares: backbone f and projection head g (2-layer MLP,
 * 128-d output: "we use a MLP with one hidden layer to obtain z = g(h) = W2 σ(W1 h)", Sec. 2.1),
 * both views through them in one pass (`viewBatchNorm` 'joint', the reference implementation's).
 */
export abstract class SimCLRArchitecture extends Method {
  readonly projectionHead: SimCLRProjectionHead;

  constructor(recipe: MethodRecipe, o: MethodOptions) {
    super(recipe, o);
    this.projectionHead = this.registerModule('projectionHead', this.projector(SimCLRProjectionHead));
  }

  /** z (2B, D) of both views: in one pass by default, so BatchNorm sees 2B images, as the reference implementation. */
  protected project(views: Tensor[], lengths?: Tensor | null): Tensor {
    checkViews(this.name, views);
    return this.throughViews(views, lengths, this.backbone, this.projectionHead); // (2B, D)
  }
}

/** SimCLR: the NT-Xent loss over the two views of each image, every other view in the batch a negative. */
export class SimCLR extends SimCLRArchitecture {
  /**
   * Temperature 0.1: the paper's best with l2-normalised embeddings (table 5; lightly defaults to
   * 0.5; on Fashion-MNIST T 0.1 with the mnist28 views measured 0.826-0.830 kNN top-1 after 3
   * epochs against 0.811 at T 0.2 with half the jitter). LARS, weight decay 1e-6, with the
   * square-root learning-rate scaling 0.075 sqrt(B) (appendix B.1: better for small batches and
   * short runs; 1.2 at batch 256). Head 2048 -> 128.
   */
  static readonly recipe = {
    name: 'simclr',
    paper: 'Chen et al. 2020, A Simple Framework for Contrastive Learning of Visual Representations',
    needsLabels: false,
    inputs: ['image', 'sequence'],
    optimizer: { name: 'lars', lr: { base: 0.075, scaling: 'sqrt' }, weightDecay: 1e-6 },
    defaults: { temperature: 0.1 },
    heads: { hidden: 2048, output: 128 },
    augment: { image: 'simclr', sequence: 'ts-simclr' },
    gathers: 'embeddings',
  } as const satisfies MethodRecipe;

  readonly criterion: NTXentLoss;

  constructor(o: MethodOptions) {
    super(SimCLR.recipe, o);
    this.criterion = new NTXentLoss({ temperature: this.option('temperature') });
  }

  forward(views: Tensor[], _labels: Tensor | null, lengths?: Tensor | null): Tensor {
    const z = this.project(views, lengths); // (2B, D)
    const b = views[0]!.shape[0]!;
    return this.criterion.forward(this.gather(z.narrow(0, 0, b)), this.gather(z.narrow(0, b, b))); // (W B, D) each: the global batch's negatives
  }
}
