// The distance interface of pytorch-metric-learning (distances/base_distance.py): a distance
// maps (query, ref) embeddings to an (Nq, Nr) matrix and knows whether larger means closer.
import { F, scope, type Tensor, type TensorOrScalar } from '../../tensor/index.js';
import { checkBoolean, checkNumber, checkOptions, checkTensor } from '../validate.js';

/** Options every distance takes (PML `BaseDistance`): normalisation first, then `power`. */
export interface DistanceOptions {
  /** L_p-normalise each embedding before comparing (default true, as PML). */
  normalizeEmbeddings?: boolean;
  /** The p of the L_p norm used to normalise (and of LpDistance); default 2. */
  p?: number;
  /** Raise every matrix entry to this power (default 1). */
  power?: number;
}

const OPTION_NAMES = ['normalizeEmbeddings', 'p', 'power'] as const;

/** a - b for tensors or numbers (at least one a tensor). */
function minus(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (typeof a === 'number') {
    if (typeof b === 'number') throw new TypeError('margin: one of x and y must be a Tensor');
    return b.neg().add(a);
  }
  return a.sub(b);
}

/**
 * A pairwise distance or similarity, as pytorch-metric-learning's `BaseDistance`
 * (Musgrave et al. 2020, "A Metric Learning Reality Check"). `isInverted` is true for
 * similarities, where larger values mean closer.
 */
export abstract class BaseDistance {
  readonly normalizeEmbeddings: boolean;
  readonly p: number;
  readonly power: number;
  /** True when larger values mean closer (similarities). */
  abstract readonly isInverted: boolean;

  protected constructor(readonly name: string, o: DistanceOptions | undefined) {
    const opts = checkOptions(name, o, OPTION_NAMES);
    this.normalizeEmbeddings = checkBoolean(name, 'normalizeEmbeddings', opts.normalizeEmbeddings ?? true);
    this.p = checkNumber(name, 'p', opts.p ?? 2);
    this.power = checkNumber(name, 'power', opts.power ?? 1);
    if (this.p <= 0) throw new RangeError(`${name}: p must be > 0, got ${this.p}`);
  }

  /** The (Nq, Nr) matrix between rows of `query` (Nq, D) and `ref` (Nr, D); `ref` defaults to `query`. */
  forward(query: Tensor, ref?: Tensor): Tensor {
    checkTensor(this.name, 'query', query);
    if (ref !== undefined) checkTensor(this.name, 'ref', ref);
    if (query.ndim !== 2 || (ref !== undefined && ref.ndim !== 2)) {
      throw new RangeError(`${this.name}: embeddings must be 2-d (N, D), got [${query.shape.join(', ')}]${ref ? ` and [${ref.shape.join(', ')}]` : ''}`);
    }
    if (ref !== undefined && ref.shape[1] !== query.shape[1]) {
      throw new RangeError(`${this.name}: query has ${query.shape[1]} features, ref has ${ref.shape[1]}`);
    }
    return scope(() => {
      const q = this.maybeNormalize(query);
      const r = ref === undefined ? q : this.maybeNormalize(ref);
      const mat = this.computeMat(q, r); // (Nq, Nr)
      return this.power === 1 ? mat : mat.pow(this.power);
    });
  }

  /** Row-wise distances between query[i] and ref[i] (both (N, D)): an (N) tensor. */
  pairwiseDistance(query: Tensor, ref: Tensor): Tensor {
    return scope(() => {
      const d = this.computePairwise(this.maybeNormalize(query), this.maybeNormalize(ref)); // (N)
      return this.power === 1 ? d : d.pow(this.power);
    });
  }

  protected abstract computeMat(query: Tensor, ref: Tensor): Tensor;
  protected abstract computePairwise(query: Tensor, ref: Tensor): Tensor;

  /** x / ||x||_p per row, as `F.normalize(x, p, 1)`. */
  normalize(x: Tensor): Tensor {
    return F.normalize(x, this.p, 1);
  }

  maybeNormalize(x: Tensor): Tensor {
    return this.normalizeEmbeddings ? this.normalize(x) : x;
  }

  /** How far `x` exceeds `y` in the direction of "farther": x - y for distances, y - x for similarities. */
  margin(x: TensorOrScalar, y: TensorOrScalar): Tensor {
    return this.isInverted ? minus(y, x) : minus(x, y);
  }

  /** Elementwise the closer of two distance tensors (min for distances, max for similarities). */
  smallestDist(a: Tensor, b: Tensor): Tensor {
    return this.isInverted ? a.maximum(b) : a.minimum(b);
  }

  /** Elementwise the farther of two distance tensors. */
  largestDist(a: Tensor, b: Tensor): Tensor {
    return this.isInverted ? a.minimum(b) : a.maximum(b);
  }
}

/** Row-wise dot products of two (N, D) tensors. */
export function rowDot(a: Tensor, b: Tensor): Tensor {
  return scope(() => a.mul(b).sum(1));
}
