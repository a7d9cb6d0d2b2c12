import { ArcFaceLoss, type ArcFaceLossOptions } from './arcface-loss.js';
import { checkInteger } from './validate.js';

export interface SubCenterArcFaceLossOptions extends ArcFaceLossOptions {
  /** K, the sub-centres per class (default 3). */
  subCenters?: number;
}

/**
 * Sub-center ArcFace (Deng et al. 2020, "Sub-center ArcFace: Boosting Face Recognition by
 * Large-scale Noisy Web Faces", sec. 3.1), as PML's `SubCenterArcFaceLoss`: each class has K
 * sub-centres, the columns c K .. c K + K - 1 of W (embeddingSize, numClasses * K) (N(0, 1) init),
 * the class cosine is the max over them, cos theta_c = max_k cos(x, W_{c,k}), and the loss is
 * ArcFace's eq. 3 on these cosines (so it extends ArcFaceLoss, as in PML):
 *   L_i = -log( e^{s cos(theta_{y_i} + m)} / (e^{s cos(theta_{y_i} + m)} + sum_{j != y_i} e^{s cos theta_j}) ),
 * with ArcFace's fallback s (cos theta_y - m sin m) where theta_y > pi - m and acos of cosines
 * clamped to [-1 + 1e-7, 1 - 1e-7]. The margin is in degrees, as in PML. PML's `get_outliers`
 * (dropping samples far from their dominant sub-centre) and weight regularizer are not provided.
 * `logits(x)` = s cos theta (PML `get_logits`). Defaults: margin 28.6 degrees, scale 64,
 * subCenters 3, distance `CosineSimilarity()`, `MeanReducer`.
 */
export class SubCenterArcFaceLoss extends ArcFaceLoss {
  readonly subCenters: number;

  constructor(o: SubCenterArcFaceLossOptions) {
    const subCenters = checkInteger('SubCenterArcFaceLoss', 'subCenters', o?.subCenters ?? 3);
    super(o, ['subCenters'], subCenters);
    this.subCenters = subCenters;
  }
}
