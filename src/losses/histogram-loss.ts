import { type Tensor, zeros } from '../tensor/index.js';
import { CosineSimilarity } from './distances/cosine-similarity.js';
import { gather2d, type IndicesTuple, toTriplets, uniqueTuples } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import type { LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';

export interface HistogramLossOptions extends MetricLossOptions {
  /** The number of bins R of [-1, 1] (default 100 when neither option is given). */
  nBins?: number;
  /** The bin width Δ = 2 / nBins (give one of the two, or both when they agree). */
  delta?: number;
}

/**
 * The histogram loss (Ustinova & Lempitsky 2016, "Learning Deep Embeddings with Histogram
 * Loss", eq. 1-4), as pytorch-metric-learning's `HistogramLoss`: the similarities of positive
 * pairs S+ and of negative pairs S- are binned on the nodes t_r = -1 + r Δ (r = 0..R, Δ = 2 / R)
 * with linear interpolation (eq. 1-2),
 *   h_r = 1/|S| * sum_{s in S} max(0, 1 - |s - t_r| / Δ),
 * and the loss is the probability that a random negative pair is more similar than a random
 * positive one (eq. 3-4):
 *   L = sum_r h-_r * Φ+_r,   Φ+_r = sum_{q <= r} h+_q,
 * one value ('already_reduced', no `indices`). As PML, the pairs come from the triplets of the
 * batch (or of the tuple / the miner's): each unordered pair {a, p} and {a, n} of a triplet once,
 * so a negative pair between two rows that both lack positives is left out (the paper uses every
 * pair); without any triplet the loss is a zero that backpropagates. Similarities outside
 * [-1, 1] (rounding) go to the end bins. Defaults: 100 bins, distance `CosineSimilarity()`
 * (the histogram assumes similarities in [-1, 1], as PML does without checking).
 */
export class HistogramLoss extends MetricLoss {
  readonly nBins: number;
  readonly delta: number;

  constructor(o: HistogramLossOptions = {}) {
    super(o, ['nBins', 'delta'], { distance: () => new CosineSimilarity(), reducer: () => new MeanReducer() });
    const { nBins, delta } = o;
    if (nBins !== undefined && (typeof nBins !== 'number' || !Number.isInteger(nBins) || nBins < 1)) {
      throw new RangeError(`${this.name}: nBins must be an integer >= 1, got ${String(nBins)}`);
    }
    let fromDelta: number | undefined;
    if (delta !== undefined) {
      if (typeof delta !== 'number' || !Number.isFinite(delta) || delta <= 0 || delta > 2) {
        throw new RangeError(`${this.name}: delta must be a number in (0, 2], got ${String(delta)}`);
      }
      fromDelta = Math.round(2 / delta);
      if (Math.abs(2 / delta - fromDelta) > 1e-9 * fromDelta) {
        throw new RangeError(`${this.name}: delta must be 2 / n for an integer n (the bins partition [-1, 1]), got ${delta}`);
      }
      if (nBins !== undefined && nBins !== fromDelta) {
        throw new RangeError(`${this.name}: delta and nBins must satisfy delta = 2 / nBins, got delta ${delta} and nBins ${nBins}`);
      }
    }
    this.nBins = nBins ?? fromDelta ?? 100;
    this.delta = 2 / this.nBins;
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const [a, p, n] = toTriplets(tuple, labels);
    if (a.shape[0] === 0) return { loss: { losses: null, reductionType: 'already_reduced' } };
    const mat = this.distance.forward(embeddings); // (N, N)
    const size = embeddings.shape[0]!;
    const [pr, pc] = uniqueTuples([a.minimum(p), a.maximum(p)], size);
    const [nr, nc] = uniqueTuples([a.minimum(n), a.maximum(n)], size);
    const pPos = this.density(gather2d(mat, pr, pc)); // (R+1)
    const pNeg = this.density(gather2d(mat, nr, nc)); // (R+1)
    return { loss: { losses: pNeg.mul(pPos.cumsum(0)).sum(), reductionType: 'already_reduced' } };
  }

  /** The interpolated histogram (R+1) of the values `s` (K), normalised by K. */
  private density(s: Tensor): Tensor {
    const d = this.delta;
    // The node below each value, as PML's r* = floor((s + 1) / Δ), kept in [0, R-1].
    const r = s.detach().add(1).div(d).floor().clamp(0, this.nBins - 1); // (K), float
    const toUpper = s.add(1).sub(r.mul(d)).div(d); // weight of node r+1: (s - t_r) / Δ
    const toLower = r.add(1).mul(d).sub(1).sub(s).div(d); // weight of node r: (t_{r+1} - s) / Δ
    const idx = r.to('int64');
    return zeros([this.nBins + 1], { dtype: s.dtype, device: s.device })
      .scatterAdd(0, idx.add(1), toUpper)
      .scatterAdd(0, idx, toLower)
      .div(s.shape[0]!);
  }
}
