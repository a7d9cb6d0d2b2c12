// SupCon: Khosla et al. 2020, "Supervised Contrastive Learning".
import { SupConLoss } from '../losses/index.js';
import { SimCLRProjectionHead } from '../nn/index.js';
import { cat, type Tensor } from '../tensor/index.js';
import { checkViews, Method, type MethodOptions } from './method.js';
import { simclrHead } from './simclr.js';

/**
 * Supervised contrastive learning: SimCLR's architecture ("a projection network ... a
 * multi-layer perceptron with a single hidden layer of size 2048 and output vector of size
 * 128", Sec. 3.1) with the SupCon loss (L^sup_out, eq. 2): every view of the same class is a
 * positive. Temperature 0.1 (the paper's).
 */
export class SupCon extends Method {
  readonly methodName = 'supcon';
  override readonly needsLabels = true;
  readonly projectionHead: SimCLRProjectionHead;
  readonly criterion: SupConLoss;

  constructor(o: MethodOptions) {
    super(o);
    this.projectionHead = this.registerModule('projectionHead', simclrHead(this.backbone.featureDim, o)); // SimCLR's head, as the paper
    this.criterion = new SupConLoss({ temperature: o.temperature ?? 0.1 });
  }

  forward(views: Tensor[], labels: Tensor | null): Tensor {
    checkViews('SupCon', views);
    if (!labels) throw new TypeError('SupCon: needs labels (a labelled dataset)');
    const z = this.projectionHead.forward(this.backbone.forward(cat(views))); // (2B, D)
    return this.criterion.forward(z, cat([labels, labels])); // each view carries its image's label
  }
}
