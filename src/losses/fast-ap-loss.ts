import { arange, type Tensor, where } from '../tensor/index.js';
import { LpDistance } from './distances/lp-distance.js';
import { type IndicesTuple, matchesAndDiffs, tupleWeights, whereIndices } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';

export interface FastAPLossOptions extends MetricLossOptions {
  /** The number of histogram bins L (default 10); the histogram has L + 1 bin centres. */
  numBins?: number;
}

/**
 * FastAP (Cakir, He, Xia, Kulis & Sclaroff 2019, "Deep Metric Learning to Rank", eq. 6-9), as
 * pytorch-metric-learning's `FastAPLoss`: average precision of each anchor's ranking by
 * distance, approximated with histograms. With the distance d in [0, 2^power] (squared L2 of
 * normalised embeddings by default, in [0, 4]), bin centres z_k = k * Δ, k = 0..L, Δ = 2^power / L,
 * and the triangular kernel δ(d, z) = max(0, 1 - |d - z| / Δ), for anchor i
 *   h+_k = sum_{j in P(i)} δ(d_ij, z_k),   h_k = h+_k + sum_{j in N(i)} δ(d_ij, z_k),
 *   H+_k = sum_{k' <= k} h+_k',   H_k = sum_{k' <= k} h_k',
 *   FastAP_i = 1/|P(i)| * sum_k h+_k H+_k / H_k   (terms with h+_k H+_k = 0 or H_k = 0 skipped),
 *   l_i = (1 - FastAP_i) * w_i,
 * over the anchors with a positive (`indices`: those anchors; 'element'). As PML, the histogram
 * always uses every pair of the batch; an index tuple (or the miner's) only weighs the anchors:
 * w_i = (how often row i appears in the tuple) / (the largest such count), 1 without a tuple.
 * So `takesIndicesTuple` is false (CrossBatchMemory and SelfSupervisedLoss refuse it).
 * Defaults: numBins 10, distance `LpDistance({ power: 2 })`, reducer `MeanReducer()`. The
 * distance must be an LpDistance with normalised embeddings and p = 2 (PML asserts the same).
 * Where every anchor lacks a positive the loss is a zero that backpropagates.
 */
export class FastAPLoss extends MetricLoss {
  readonly numBins: number;

  constructor(o: FastAPLossOptions = {}) {
    super(o, ['numBins'], { distance: () => new LpDistance({ power: 2 }), reducer: () => new MeanReducer() });
    const numBins = o.numBins ?? 10;
    if (typeof numBins !== 'number' || !Number.isInteger(numBins) || numBins < 1) {
      throw new RangeError(`${this.name}: numBins must be an integer >= 1, got ${String(numBins)}`);
    }
    this.numBins = numBins;
    const d = this.distance;
    if (!(d instanceof LpDistance) || !d.normalizeEmbeddings || d.p !== 2) {
      throw new TypeError(`${this.name}: distance must be an LpDistance with normalizeEmbeddings true and p 2 (e.g. new LpDistance({ power: 2 })), got ${d.name}`);
    }
  }

  /** False: the histogram uses every pair of the batch, whatever the tuple (it only weighs anchors). */
  override get takesIndicesTuple(): boolean {
    return false;
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const { dtype, device } = embeddings;
    const { matches, diffs } = matchesAndDiffs(labels);
    const iPos = matches.to(dtype); // (N, N) 0/1
    const iNeg = diffs.to(dtype); // (N, N) 0/1
    const nPos = iPos.sum(1); // (N)
    const [rows] = whereIndices(nPos.gt(0)); // anchors with a positive
    if (rows!.shape[0] === 0) return { loss: { losses: null, reductionType: 'element' } };
    const weights = tupleWeights(tuple, embeddings); // (N)
    const mat = this.distance.forward(embeddings); // (N, N)
    const histogramMax = 2 ** this.distance.power;
    const delta = histogramMax / this.numBins;
    const centres = arange(0, this.numBins + 1, 1, { dtype, device }).mul(delta).reshape([-1, 1, 1]); // (L+1, 1, 1)
    const pulse = mat.unsqueeze(0).sub(centres).abs().div(-delta).add(1).relu(); // (L+1, N, N)
    const posHist = pulse.mul(iPos).sum(2).t(); // (N, L+1)
    const negHist = pulse.mul(iNeg).sum(2).t(); // (N, L+1)
    const totalPosHist = posHist.cumsum(1); // (N, L+1)
    const totalHist = posHist.add(negHist).cumsum(1); // (N, L+1)
    const hPosProduct = posHist.mul(totalPosHist); // (N, L+1)
    const safe = hPosProduct.gt(0).logicalAnd(totalHist.gt(0)); // (N, L+1)
    // PML returns a zero loss when no term is safe; with distances in [0, 2^power] every
    // positive pair puts weight in some bin, so that cannot happen once an anchor has a positive.
    const terms = where(safe, hPosProduct.div(where(safe, totalHist, 1)), 0); // (N, L+1)
    const fastAP = terms.sum(1).indexSelect(0, rows!).div(nPos.indexSelect(0, rows!)); // (K)
    const losses = fastAP.neg().add(1).mul(weights.indexSelect(0, rows!)); // (K)
    return { loss: { losses, indices: rows!, reductionType: 'element' } };
  }
}
