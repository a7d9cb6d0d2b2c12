import { F, isFloating, scope, type Tensor } from '../tensor/index.js';
import { checkNumber, checkOptions, checkSameShape, checkTensor } from './validate.js';

export interface NegativeCosineSimilarityOptions {
  /** The dimension holding the features (default 1). */
  dim?: number;
  /** Guards the norms against zero (default 1e-8, as `torch.nn.CosineSimilarity`). */
  eps?: number;
}

/**
 * The negative cosine similarity of SimSiam (Chen & He 2021, "Exploring Simple Siamese
 * Representation Learning", eq. 1) and, up to 2 - 2x, BYOL's regression loss (Grill et al.
 * 2020): -mean_i cos(p_i, z_i), as lightly's `NegativeCosineSimilarity` (which is
 * `-F.cosine_similarity(x0, x1, dim, eps).mean()`). It does not detach: pass `z.detach()` for
 * the stop-gradient branch. Defaults: dim 1, eps 1e-8.
 */
export class NegativeCosineSimilarity {
  readonly dim: number;
  readonly eps: number;

  constructor(o: NegativeCosineSimilarityOptions = {}) {
    const opts = checkOptions('NegativeCosineSimilarity', o, ['dim', 'eps']);
    this.dim = checkNumber('NegativeCosineSimilarity', 'dim', opts.dim ?? 1);
    if (!Number.isInteger(this.dim)) throw new TypeError(`NegativeCosineSimilarity: dim must be an integer, got ${this.dim}`);
    this.eps = checkNumber('NegativeCosineSimilarity', 'eps', opts.eps ?? 1e-8);
    if (this.eps <= 0) throw new RangeError(`NegativeCosineSimilarity: eps must be > 0, got ${this.eps}`);
  }

  /** -mean cos(x0, x1) along `dim`; x0 and x1 of the same shape. */
  forward(x0: Tensor, x1: Tensor): Tensor {
    const who = 'NegativeCosineSimilarity';
    checkTensor(who, 'x0', x0);
    checkTensor(who, 'x1', x1);
    checkSameShape(who, x0, 'x0', x1, 'x1');
    if (this.dim < -x0.ndim || this.dim >= x0.ndim) throw new RangeError(`${who}: dim ${this.dim} out of range for shape [${x0.shape.join(', ')}]`);
    if (x0.numel() === 0) throw new RangeError(`${who}: empty inputs (shape [${x0.shape.join(', ')}])`);
    if (!isFloating(x0.dtype)) throw new TypeError(`${who}: inputs must be floating point, got ${x0.dtype}`);
    return scope(() => F.cosineSimilarity(x0, x1, this.dim, this.eps).mean().neg());
  }
}
