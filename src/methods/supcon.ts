// SupCon: Khosla et al. 2020, "Supervised Contrastive Learning".
import { type MetricLoss, SupConLoss } from '../losses/index.js';
import { cat, type Tensor } from '../tensor/index.js';
import type { MethodOptions } from './method.js';
import type { MethodRecipe } from './recipe.js';
import { SimCLR, SimCLRArchitecture } from './simclr.js';

/**
 * SimCLR's architecture with a label-based loss on both views of the global batch, each view
 * labelled with its image's class (SupCon's multi-view batch, Khosla et al. 2020, Sec. 3.2).
 */
export abstract class LabelledViews extends SimCLRArchitecture {
  abstract readonly criterion: MetricLoss;

  forward(views: Tensor[], labels: Tensor | null, lengths?: Tensor | null): Tensor {
    if (!labels) throw new TypeError(`${this.name}: needs labels (a labelled dataset)`);
    const z = this.project(views, lengths); // (2B, D)
    const b = labels.shape[0]!;
    const y = this.gather(labels, false); // (W B)
    return this.criterion.forward(cat([this.gather(z.narrow(0, 0, b)), this.gather(z.narrow(0, b, b))]), cat([y, y])); // (2 W B, D): each view carries its image's label
  }
}

/**
 * Supervised contrastive learning: SimCLR's architecture ("a projection network ... a
 * multi-layer perceptron with a single hidden layer of size 2048 and output vector of size
 * 128", Sec. 3.1) with the SupCon loss (L^sup_out, eq. 2): every view of the same class is a
 * positive.
 */
export class SupCon extends LabelledViews {
  /** Temperature 0.1 (the paper's), with SimCLR's LARS, learning-rate rule and heads. */
  static readonly recipe = {
    ...SimCLR.recipe,
    name: 'supcon',
    paper: 'Khosla et al. 2020, Supervised Contrastive Learning',
    needsLabels: true,
  } as const satisfies MethodRecipe;

  readonly criterion: SupConLoss;

  constructor(o: MethodOptions) {
    super(SupCon.recipe, o);
    this.criterion = new SupConLoss({ temperature: this.option('temperature') });
  }
}
