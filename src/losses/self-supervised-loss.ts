import { Module } from '../nn/module.js';
import { cat, scope, type Tensor } from '../tensor/index.js';
import { allPairs, type IndicesTuple, isTriplets, rowIndices, selectWhere } from './indices.js';
import { MetricLoss } from './metric-loss.js';
import { checkTwoViews } from './two-view.js';
import { checkBoolean, checkOptions, describe } from './validate.js';

export interface SelfSupervisedLossOptions {
  /** Both views are anchors (default true, as PML); false: anchors from `embeddings`, positives and negatives from `refEmb`. */
  symmetric?: boolean;
}

/**
 * Turns a label-based loss into a two-view one, as pytorch-metric-learning's
 * `SelfSupervisedLoss` (PML issue #411): `forward(embeddings, refEmb)`, where row i of `refEmb`
 * (N, D) is another view of row i of `embeddings`, labels the views 0..N-1, so that the two views
 * of a sample are the positives and every other sample a negative (SimCLR's pairs, Chen et al.
 * 2020). `symmetric` (default): the wrapped loss sees the 2N rows [embeddings; refEmb] with labels
 * [0..N-1, 0..N-1]. Not symmetric: only `embeddings` rows are anchors and only `refEmb` rows are
 * compared with them (PML's `ref_emb` call), given as an index tuple over the 2N rows; a wrapped
 * loss's miner mines the 2N rows and keeps those tuples. The wrapped loss must take index tuples
 * (pair, triplet and anchor losses: not proxy or classification losses).
 */
export class SelfSupervisedLoss extends Module<[embeddings: Tensor, refEmb: Tensor], Tensor> {
  readonly loss: MetricLoss;
  readonly symmetric: boolean;

  constructor(loss: MetricLoss, o: SelfSupervisedLossOptions = {}) {
    super();
    if (!(loss instanceof MetricLoss)) throw new TypeError(`SelfSupervisedLoss: loss must be a label-based loss (e.g. new NTXentLoss()), got ${describe(loss)}`);
    if (!loss.takesIndicesTuple) throw new TypeError(`SelfSupervisedLoss: ${loss.name} does not compare the pairs an index tuple names (a proxy, classification or list loss); wrap a pair or triplet loss`);
    const opts = checkOptions(this.name, o, ['symmetric']);
    this.loss = this.registerModule('loss', loss);
    this.symmetric = checkBoolean(this.name, 'symmetric', opts.symmetric ?? true);
  }

  forward(embeddings: Tensor, refEmb: Tensor): Tensor {
    checkTwoViews(this.name, embeddings, refEmb, 1, ['embeddings', 'refEmb']);
    return scope(() => {
      const n = embeddings.shape[0]!;
      const ids = rowIndices(embeddings); // (N)
      const rows = cat([embeddings, refEmb]); // (2N, D)
      const labels = cat([ids, ids]); // (2N)
      if (this.symmetric) return this.loss.forward(rows, labels);
      return this.loss.forward(rows, labels, this.#anchorsToRefs(rows, labels, n));
    });
  }

  /** The tuples whose anchor is an `embeddings` row (< n) and whose other rows are `refEmb` rows (>= n). */
  #anchorsToRefs(rows: Tensor, labels: Tensor, n: number): IndicesTuple {
    const tuple = this.loss.miner ? this.loss.miner.mine(rows, labels) : allPairs(labels);
    if (isTriplets(tuple)) {
      const [a, p, neg] = tuple;
      return selectWhere(a.lt(n).logicalAnd(p.ge(n)).logicalAnd(neg.ge(n)), tuple);
    }
    const [a1, p, a2, neg] = tuple;
    const [b1, q] = selectWhere(a1.lt(n).logicalAnd(p.ge(n)), [a1, p] as const);
    const [b2, m] = selectWhere(a2.lt(n).logicalAnd(neg.ge(n)), [a2, neg] as const);
    return [b1, q, b2, m];
  }
}
