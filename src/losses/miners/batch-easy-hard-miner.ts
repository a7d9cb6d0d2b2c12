import { arange, type Tensor } from '../../tensor/index.js';
import { matchesAndDiffs, type PairIndices, allPairs, whereIndices } from '../indices.js';
import { BaseMiner, type MinerOptions } from './base.js';

/** How BatchEasyHardMiner picks each anchor's positive or negative. */
export type MiningStrategy = 'easy' | 'semihard' | 'hard' | 'all';

/** [low, high]: only pairs whose distance (or similarity) lies in it are eligible. */
export type AllowedRange = readonly [low: number, high: number];

export interface BatchEasyHardMinerOptions extends MinerOptions {
  /** Default 'easy'. */
  posStrategy?: MiningStrategy;
  /** Default 'semihard'. */
  negStrategy?: MiningStrategy;
  /** Default null (any). */
  allowedPosRange?: AllowedRange | null;
  /** Default null (any). */
  allowedNegRange?: AllowedRange | null;
}

const STRATEGIES: readonly MiningStrategy[] = ['easy', 'semihard', 'hard', 'all'];

/**
 * Per-anchor easy / semi-hard / hard pair mining, as pytorch-metric-learning's
 * `BatchEasyHardMiner` (after Xuan, Stylianou & Pless 2020, "Improved Embeddings with Easy
 * Positive Triplet Mining"). For each anchor, with distances d (similarities mirrored):
 * positive 'easy' = the closest positive, 'hard' = the farthest, 'semihard' = the farthest that is
 * closer than the anchor's chosen negative; negative 'easy' = the farthest negative, 'hard' = the
 * closest, 'semihard' = the closest that is farther than the anchor's chosen positive; 'all' keeps
 * every pair of that kind. Only pairs inside allowedPosRange / allowedNegRange ([low, high],
 * inclusive) are eligible. Without 'all', an anchor is kept when it has both a positive and a
 * negative, and the output is [a, p, a, n] with one pair of each kind per anchor. Defaults:
 * posStrategy 'easy', negStrategy 'semihard', no ranges, distance `LpDistance()`. Both
 * 'semihard', or 'semihard' with 'all', are rejected (as PML). Deviation: PML takes the row
 * maximum of (mat * mask), which picks a masked entry when every eligible value is negative
 * (cosine similarity); here masked entries are excluded.
 */
export class BatchEasyHardMiner extends BaseMiner<PairIndices> {
  readonly posStrategy: MiningStrategy;
  readonly negStrategy: MiningStrategy;
  readonly allowedPosRange: AllowedRange | null;
  readonly allowedNegRange: AllowedRange | null;

  constructor(o: BatchEasyHardMinerOptions = {}) {
    super('BatchEasyHardMiner', o, ['posStrategy', 'negStrategy', 'allowedPosRange', 'allowedNegRange']);
    const strategy = (name: string, v: unknown): MiningStrategy => {
      if (!STRATEGIES.includes(v as MiningStrategy)) throw new TypeError(`${this.name}: ${name} must be 'easy', 'semihard', 'hard' or 'all', got '${String(v)}'`);
      return v as MiningStrategy;
    };
    this.posStrategy = strategy('posStrategy', o.posStrategy ?? 'easy');
    this.negStrategy = strategy('negStrategy', o.negStrategy ?? 'semihard');
    if (this.posStrategy === 'semihard' && this.negStrategy === 'semihard') throw new TypeError(`${this.name}: posStrategy and negStrategy cannot both be 'semihard'`);
    if ((this.posStrategy === 'all' && this.negStrategy === 'semihard') || (this.negStrategy === 'all' && this.posStrategy === 'semihard')) {
      throw new TypeError(`${this.name}: posStrategy / negStrategy 'semihard' cannot be combined with 'all'`);
    }
    const range = (name: string, v: unknown): AllowedRange | null => {
      if (v === undefined || v === null) return null;
      if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && !Number.isNaN(x)) || v[0] > v[1]) {
        throw new TypeError(`${this.name}: ${name} must be [low, high] with low <= high, got ${JSON.stringify(v)}`);
      }
      return [v[0], v[1]];
    };
    this.allowedPosRange = range('allowedPosRange', o.allowedPosRange);
    this.allowedNegRange = range('allowedNegRange', o.allowedNegRange);
  }

  protected mineImpl(embeddings: Tensor, labels: Tensor): PairIndices {
    const mat = this.distance.forward(embeddings); // (N, N)
    const { matches, diffs } = matchesAndDiffs(labels);
    const inv = this.distance.isInverted;
    type Pick = { values: Tensor; indices: Tensor; rows: Tensor };
    // PML get_max_per_row / get_min_per_row: the row max (min) over `mask`, within `range` and
    // below (above) the per-row `thresholds`; `rows` says which rows had a candidate.
    const pick = (mask: Tensor, useMax: boolean, range: AllowedRange | null, thresholds?: Tensor): Pick => {
      let keep = mask;
      if (thresholds !== undefined) keep = keep.logicalAnd(useMax ? mat.lt(thresholds.unsqueeze(1)) : mat.gt(thresholds.unsqueeze(1)));
      if (range !== null) keep = keep.logicalAnd(mat.ge(range[0])).logicalAnd(mat.le(range[1]));
      const r = useMax ? mat.maskedFill(keep.logicalNot(), -Infinity).max(1) : mat.maskedFill(keep.logicalNot(), Infinity).min(1);
      return { values: r.values, indices: r.indices, rows: keep.any(1) };
    };
    // 'hard' / 'semihard' take the largest distance, 'easy' the smallest (mirrored for similarities).
    const usesMax = (s: MiningStrategy): boolean => (s === 'easy' ? inv : !inv);
    const negFunc: MiningStrategy = this.negStrategy === 'hard' || this.negStrategy === 'semihard' ? 'easy' : 'hard';
    const positives = (thr?: Tensor): Pick => pick(matches, usesMax(this.posStrategy), this.allowedPosRange, thr);
    const negatives = (thr?: Tensor): Pick => pick(diffs, usesMax(negFunc), this.allowedNegRange, thr);
    const ps = this.posStrategy;
    const ns = this.negStrategy;
    let pos: Pick | null = null;
    let neg: Pick | null = null;
    if (ps === 'semihard' && ns !== 'all') {
      neg = negatives();
      pos = positives(neg.values);
    } else if (ns === 'semihard' && ps !== 'all') {
      pos = positives();
      neg = negatives(pos.values);
    } else {
      if (ps !== 'all') pos = positives();
      if (ns !== 'all') neg = negatives();
    }
    const all = allPairs(labels);
    const rows = arange(mat.shape[0]!, undefined, 1, { dtype: 'int64', device: mat.device });
    const select = (keep: Tensor, other: Tensor): [Tensor, Tensor] => {
      const [k] = whereIndices(keep);
      return [rows.indexSelect(0, k!), other.indexSelect(0, k!)];
    };
    if (pos !== null && neg !== null) {
      const [k] = whereIndices(pos.rows.logicalAnd(neg.rows));
      const a = rows.indexSelect(0, k!);
      return [a, pos.indices.indexSelect(0, k!), a.clone(), neg.indices.indexSelect(0, k!)];
    }
    if (pos === null && neg !== null) return [all[0], all[1], ...select(neg.rows, neg.indices)];
    if (pos !== null && neg === null) return [...select(pos.rows, pos.indices), all[2], all[3]];
    return all;
  }
}
