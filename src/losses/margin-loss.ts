import { full, rand, scope, type Tensor, tensor } from '../tensor/index.js';
import { LpDistance } from './distances/lp-distance.js';
import { gather2d, type IndicesTuple, numbers, type TripletIndices, toTriplets } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import type { LossDict, SubLoss } from './reducers/base.js';
import { DivisorReducer } from './reducers/divisor-reducer.js';
import { checkBoolean, checkNumber } from './validate.js';

export interface MarginLossOptions extends MetricLossOptions {
  /** The margin alpha around the boundary beta (default 0.2). */
  margin?: number;
  /** The weight of the beta regulariser nu * beta (default 0; only with `learnBeta`). */
  nu?: number;
  /** The boundary beta between positive and negative distances, its initial value when learnt (default 1.2). */
  beta?: number;
  /** 'all' valid triplets (default) or this many random triplets per anchor, when no tuple or miner is given. */
  tripletsPerAnchor?: 'all' | number;
  /** Learn beta by gradient descent (default false). */
  learnBeta?: boolean;
  /** One beta per class (labels index it) instead of one for all; default null (one beta). */
  numClasses?: number | null;
  /** The dtype of the beta parameter (default 'float32'). */
  dtype?: 'float32' | 'float64';
}

/**
 * Uniformly sampled triplets, k per anchor: for each label (ascending) with at least two rows and
 * at least one row of another label, each of its rows is the anchor of k triplets with a random
 * positive (same label, not itself) and a random negative. As PML's `get_random_triplet_indices`;
 * the draws use the library's generator (`manualSeed`).
 */
function randomTriplets(labels: Tensor, k: number): TripletIndices {
  return scope(() => {
    const y = numbers(labels);
    const a: number[] = [];
    const p: number[] = [];
    const n: number[] = [];
    const groups = [...new Set(y)].sort((u, v) => u - v);
    const draws = numbers(rand([2 * y.length * k], { dtype: 'float64' }));
    let next = 0;
    const pick = (m: number): number => Math.min(m - 1, Math.floor(draws[next++]! * m));
    for (const label of groups) {
      const same = y.flatMap((v, i) => (v === label ? [i] : []));
      const other = y.flatMap((v, i) => (v !== label ? [i] : []));
      if (same.length < 2 || other.length === 0) continue;
      for (const anchor of same) {
        const candidates = same.filter((i) => i !== anchor);
        for (let t = 0; t < k; t++) {
          a.push(anchor);
          p.push(candidates[pick(candidates.length)]!);
          n.push(other[pick(other.length)]!);
        }
      }
    }
    const o = { dtype: 'int64' as const, device: labels.device };
    return [tensor(a, o), tensor(p, o), tensor(n, o)] as const;
  });
}

/**
 * The margin loss (Wu et al. 2017, "Sampling Matters in Deep Embedding Learning", eq. 3-4), as
 * pytorch-metric-learning's `MarginLoss`: for each triplet (a, p, n),
 *   l_apn = [d_ap - beta + margin]_+ + [beta - d_an + margin]_+
 * (for similarities [beta - s_ap + margin]_+ + [s_an - beta + margin]_+), with beta the learnt
 * boundary, per class beta_{y_a} when `numClasses` is set. The default `DivisorReducer` divides
 * the sum by the number of non-zero pair terms (positive plus negative), eq. 4's normalisation.
 * With `learnBeta`, beta is a registered parameter `beta` of shape (1) or (numClasses),
 * initialised to `beta`, and the regulariser nu * beta is added: a second sub-loss
 * `beta_reg_loss`, already reduced for one beta, else per triplet (indices a) with the same
 * divisor (as PML; the paper's nu (beta - beta_0) differs by a constant). Call `dispose()` when
 * done with a learnt beta. Triplets: the index tuple's (pairs are joined by anchor, PML
 * `convert_to_triplets`), else all valid triplets, or `tripletsPerAnchor` random ones per anchor.
 * Defaults: margin 0.2, nu 0, beta 1.2, tripletsPerAnchor 'all', learnBeta false, numClasses
 * null, distance `LpDistance()` (normalised L2). Sub-loss `margin_loss`: reduction 'triplet',
 * indices [a, p, n].
 */
export class MarginLoss extends MetricLoss {
  readonly margin: number;
  readonly nu: number;
  /** The initial (or fixed) beta. */
  readonly betaInit: number;
  readonly tripletsPerAnchor: 'all' | number;
  readonly learnBeta: boolean;
  readonly numClasses: number | null;
  /** The learnt beta, (1) or (numClasses), when `learnBeta`; else null. */
  readonly beta: Tensor | null;

  constructor(o: MarginLossOptions = {}) {
    super(o, ['margin', 'nu', 'beta', 'tripletsPerAnchor', 'learnBeta', 'numClasses', 'dtype'], {
      distance: () => new LpDistance(),
      reducer: () => new DivisorReducer(),
    });
    const who = this.name;
    this.margin = checkNumber(who, 'margin', o.margin ?? 0.2);
    this.nu = checkNumber(who, 'nu', o.nu ?? 0);
    this.betaInit = checkNumber(who, 'beta', o.beta ?? 1.2);
    const tpa = o.tripletsPerAnchor ?? 'all';
    if (tpa !== 'all' && !(typeof tpa === 'number' && Number.isInteger(tpa) && tpa >= 1)) {
      throw new TypeError(`${who}: tripletsPerAnchor must be 'all' or an integer >= 1, got ${String(tpa)}`);
    }
    this.tripletsPerAnchor = tpa;
    this.learnBeta = checkBoolean(who, 'learnBeta', o.learnBeta ?? false);
    const k = o.numClasses ?? null;
    if (k !== null && !(typeof k === 'number' && Number.isInteger(k) && k >= 1)) {
      throw new TypeError(`${who}: numClasses must be an integer >= 1 or null, got ${String(k)}`);
    }
    this.numClasses = k;
    const dtype = o.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`${who}: dtype must be 'float32' or 'float64', got ${String(dtype)}`);
    this.beta = this.registerParameter('beta', this.learnBeta ? full([k ?? 1], this.betaInit, { dtype }) : null);
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const [a, p, n] = tuple === undefined && this.tripletsPerAnchor !== 'all'
      ? randomTriplets(labels, this.tripletsPerAnchor)
      : toTriplets(tuple, labels);
    if (a.shape[0] === 0) {
      return { margin_loss: { losses: null, reductionType: 'triplet' }, beta_reg_loss: { losses: null, reductionType: 'already_reduced' } };
    }
    const o = { dtype: embeddings.dtype, device: embeddings.device };
    const betaAll = this.beta !== null ? this.beta.to(o) : full([this.numClasses ?? 1], this.betaInit, o); // (1) or (K)
    const beta = betaAll.shape[0] === 1 ? betaAll : betaAll.indexSelect(0, labels.indexSelect(0, a).to('int64')); // (1) or (T)
    const mat = this.distance.forward(embeddings); // (N, N)
    const posLoss = this.distance.margin(gather2d(mat, a, p), beta).add(this.margin).relu(); // (T)
    const negLoss = this.distance.margin(beta, gather2d(mat, a, n)).add(this.margin).relu(); // (T)
    const divisor = posLoss.gt(0).sum().add(negLoss.gt(0).sum()); // int64 scalar
    const marginLoss: SubLoss = { losses: posLoss.add(negLoss), reductionType: 'triplet', indices: [a, p, n], divisor };
    let reg: SubLoss = { losses: null, reductionType: 'already_reduced' };
    if (this.learnBeta) {
      reg = betaAll.shape[0] === 1
        ? { losses: beta.mul(this.nu), reductionType: 'already_reduced' }
        : { losses: beta.mul(this.nu), reductionType: 'element', indices: a, divisor };
    }
    return { margin_loss: marginLoss, beta_reg_loss: reg };
  }
}
