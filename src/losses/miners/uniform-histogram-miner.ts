import { rand, type Tensor } from '../../tensor/index.js';
import { tiny } from '../dtype-limits.js';
import { allPairs, gather2d, type PairIndices, whereIndices } from '../indices.js';
import { BaseMiner, type MinerOptions } from './base.js';

export interface UniformHistogramMinerOptions extends MinerOptions {
  /** Equal-width bins between the smallest and largest value (default 100). */
  numBins?: number;
  /** Positive pairs drawn from each non-empty bin (default 10). */
  posPerBin?: number;
  /** Negative pairs drawn from each non-empty bin (default 10). */
  negPerBin?: number;
}

/**
 * Pairs spread uniformly over their distance range, as pytorch-metric-learning's
 * `UniformHistogramMiner`: the positive-pair distances (and, separately, the negative-pair ones)
 * are split into numBins equal-width bins between their min and max (the last bin closed), and
 * from every non-empty bin posPerBin (negPerBin) pairs are drawn uniformly with replacement.
 * Output [a1, p, a2, n], bin by bin. Defaults: numBins 100, posPerBin 10, negPerBin 10, distance
 * `LpDistance()`. Seeded by `manualSeed`. Bin edges are lo + i (hi - lo) / numBins (PML uses
 * `torch.linspace`; the two can differ in the last bit at an edge).
 */
export class UniformHistogramMiner extends BaseMiner<PairIndices> {
  readonly numBins: number;
  readonly posPerBin: number;
  readonly negPerBin: number;

  constructor(o: UniformHistogramMinerOptions = {}) {
    super('UniformHistogramMiner', o, ['numBins', 'posPerBin', 'negPerBin']);
    const int = (name: string, v: unknown): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${this.name}: ${name} must be an integer >= 1, got ${String(v)}`);
      return v;
    };
    this.numBins = int('numBins', o.numBins ?? 100);
    this.posPerBin = int('posPerBin', o.posPerBin ?? 10);
    this.negPerBin = int('negPerBin', o.negPerBin ?? 10);
  }

  protected mineImpl(embeddings: Tensor, labels: Tensor): PairIndices {
    const mat = this.distance.forward(embeddings); // (N, N)
    const [a1, p, a2, n] = allPairs(labels);
    const [sa1, sp] = this.uniform(gather2d(mat, a1, p), a1, p, this.posPerBin);
    const [sa2, sn] = this.uniform(gather2d(mat, a2, n), a2, n, this.negPerBin);
    return [sa1, sp, sa2, sn];
  }

  private uniform(d: Tensor, x: Tensor, y: Tensor, perBin: number): [Tensor, Tensor] {
    if (d.shape[0] === 0) return [x, y];
    const bins = this.numBins;
    const lo = d.min();
    const width = d.max().sub(lo).div(bins); // () bin width, 0 when all values are equal
    const bin = d.sub(lo).div(width.clampMin(tiny(d.dtype))).floor().clamp(0, bins - 1).to('int64'); // (K)
    const counts = bin.bincount(null, bins); // (numBins)
    const [nonEmpty] = whereIndices(counts.gt(0)); // (B)
    const members = bin.sort(0, false, true).indices; // (K) pair positions, bin by bin
    const start = counts.cumsum(0).sub(counts); // (numBins) where each bin starts in `members`
    const b = nonEmpty!.shape[0]!;
    const rep = nonEmpty!.unsqueeze(1).expand([b, perBin]).reshape([b * perBin]); // (B perBin)
    const size = counts.indexSelect(0, rep); // (B perBin)
    const u = rand([b * perBin], { dtype: 'float64', device: d.device });
    const r = u.mul(size.to('float64')).floor().to('int64').minimum(size.sub(1)); // uniform in [0, size)
    const picked = members.indexSelect(0, start.indexSelect(0, rep).add(r)); // (B perBin)
    return [x.indexSelect(0, picked), y.indexSelect(0, picked)];
  }
}
