// Seeded sampling helpers for the random miners, composed from existing ops (no multinomial or
// searchsorted): inverse-CDF sampling with `rand`, a cumulative sum and a merge by stable sort.
import { arange, cat, rand, scope, type Tensor, zeros } from '../../tensor/index.js';
import type { BaseDistance } from '../distances/base.js';
import { LpDistance } from '../distances/lp-distance.js';
import { whereIndices } from '../indices.js';

/**
 * For each k, a column j of row `rows[k]` of `w` (N, M, entries >= 0) drawn with probability
 * w[rows[k], j] / sum_j w[rows[k], j] (as `torch.multinomial(w[rows], 1)`); every row in `rows`
 * must have a positive sum. The uniforms come from `rand`, so `manualSeed` makes it repeat.
 * Returns (T) int64. Memory O(N M + T): row r's normalised CDF is offset by r, which makes the
 * flattened CDFs one sorted array, and the targets rows[k] + u_k are located in it by a stable
 * sort of both (the count of CDF entries <= target, PML-free `searchsorted(right=True)`).
 */
export function sampleColumns(w: Tensor, rows: Tensor): Tensor {
  return scope(() => {
    const [n, m] = [w.shape[0]!, w.shape[1]!];
    const t = rows.shape[0]!;
    const dev = w.device;
    if (t === 0) return zeros([0], { dtype: 'int64', device: dev });
    const w64 = w.to('float64');
    const total = w64.sum(1, true); // (N, 1)
    const cdf = w64.cumsum(1).div(total.where(total.gt(0), 1)); // (N, M) in [0, 1], non-decreasing
    const offset = arange(n, undefined, 1, { dtype: 'float64', device: dev }).unsqueeze(1); // (N, 1)
    const flat = cdf.add(offset).reshape([n * m]); // (N M) sorted
    const target = rows.to('float64').add(rand([t], { dtype: 'float64', device: dev })); // (T)
    const perm = cat([flat, target]).sort(0, false, true).indices; // (N M + T) CDF entries before equal targets
    const cdfBefore = perm.lt(n * m).to('int64').cumsum(0); // (N M + T) CDF entries up to each position
    const [at] = whereIndices(perm.ge(n * m)); // (T) positions of the targets
    const which = perm.indexSelect(0, at!).sub(n * m); // (T) target k at each position
    const count = zeros([t], { dtype: 'int64', device: dev }).indexPut([which], cdfBefore.indexSelect(0, at!)); // (T)
    // Columns of the row with CDF <= u: the first column whose CDF exceeds u (it has weight > 0).
    const col = count.sub(rows.mul(m)); // (T)
    const cols = arange(m, undefined, 1, { dtype: 'int64', device: dev });
    const lastPositive = w.gt(0).to('int64').mul(cols).amax(1); // (N) rounding guard for u close to 1
    return col.minimum(lastPositive.indexSelect(0, rows)).clampMin(0);
  });
}

/** Throws unless `d` is PML's default LpDistance (p 2, power 1, normalised), which `who` assumes. */
export function requireNormalizedL2(who: string, d: BaseDistance): void {
  if (!(d instanceof LpDistance) || d.p !== 2 || d.power !== 1 || !d.normalizeEmbeddings) {
    throw new TypeError(`${who}: distance must be LpDistance({ p: 2, power: 1, normalizeEmbeddings: true }) (as PML), got ${d.name}`);
  }
}
