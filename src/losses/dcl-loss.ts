import { F, scope, type Tensor } from '../tensor/index.js';
import { checkTwoViews } from './two-view.js';
import { checkOptions, checkTemperature } from './validate.js';

/** Weights of the positive term from the normalised views (N, D) each: an (N) tensor. */
export type DCLWeightFn = (z1: Tensor, z2: Tensor) => Tensor;

export interface DCLLossOptions {
  /** Default 0.1. */
  temperature?: number;
  /** Weighting w of the positive term (DCLW uses the negative von Mises-Fisher weight); default none. */
  weightFn?: DCLWeightFn;
}

/**
 * The decoupled contrastive loss (Yeh et al. 2022, "Decoupled Contrastive Learning", eq. 6), as
 * lightly's `DCLLoss`: NT-Xent without the positive pair in the denominator. With u = normalize(z1),
 * v = normalize(z2) and s = . / T,
 *   L(u, v) = mean_i [ -w_i s(u_i, v_i) + log sum_{j != i} e^{s(u_i, u_j)} + log sum_{j != i} e^{s(u_i, v_j)} ],
 *   loss = (L(u, v) + L(v, u)) / 2,
 * with w_i = 1 unless `weightFn` is given. Needs N >= 2. Default temperature 0.1.
 */
export class DCLLoss {
  readonly temperature: number;
  readonly weightFn: DCLWeightFn | null;
  protected readonly name: string;

  constructor(o: DCLLossOptions = {}, name = 'DCLLoss', extra: readonly string[] = []) {
    const opts = checkOptions(name, o, ['temperature', 'weightFn', ...extra]);
    this.name = name;
    this.temperature = checkTemperature(name, opts.temperature ?? 0.1);
    if (opts.weightFn !== undefined && typeof opts.weightFn !== 'function') throw new TypeError(`${name}: weightFn must be a function (z1, z2) => Tensor`);
    this.weightFn = opts.weightFn ?? null;
  }

  /** The symmetric loss of two views z1, z2 (N, D): a scalar that backpropagates. */
  forward(z1: Tensor, z2: Tensor): Tensor {
    checkTwoViews(this.name, z1, z2, 2);
    return scope(() => {
      const u = F.normalize(z1); // (N, D)
      const v = F.normalize(z2); // (N, D)
      return this.oneSide(u, v).add(this.oneSide(v, u)).mul(0.5);
    });
  }

  /** L(u, v): u's positives in v, negatives in u and v. */
  private oneSide(u: Tensor, v: Tensor): Tensor {
    const n = u.shape[0]!;
    const simUU = u.mm(u.t()).div(this.temperature); // (N, N)
    const simUV = u.mm(v.t()).div(this.temperature); // (N, N)
    let positive = simUV.diagonal().neg(); // (N)
    if (this.weightFn) {
      const w = this.weightFn(u, v);
      if (!w || typeof w !== 'object' || !('shape' in w) || w.shape.length !== 1 || w.shape[0] !== n) {
        throw new TypeError(`${this.name}: weightFn must return an (N) tensor, N = ${n}`);
      }
      positive = positive.mul(w);
    }
    // Drop each sample's own entries: same view (itself) and other view (its positive).
    simUU.fillDiagonal_(-Infinity);
    simUV.fillDiagonal_(-Infinity);
    return positive.add(simUU.logsumexp(1)).add(simUV.logsumexp(1)).mean();
  }
}
