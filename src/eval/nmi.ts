// Normalised and adjusted mutual information between two labellings, from their contingency table.
import { isFloating, Tensor } from '../tensor/index.js';
import { labelValues } from './validate.js';

function values(who: string, name: string, x: Tensor | readonly number[]): number[] {
  if (x instanceof Tensor) {
    if (x.ndim !== 1) throw new RangeError(`${who}: ${name} must be 1-d, got shape [${x.shape.join(', ')}]`);
    if (x.dtype === 'bool' || isFloating(x.dtype)) {
      throw new TypeError(`${who}: ${name} must hold integers, got ${x.dtype}`);
    }
    return labelValues(x);
  }
  if (!Array.isArray(x) || !x.every((v) => Number.isInteger(v))) {
    throw new TypeError(`${who}: ${name} must be an integer Tensor or an array of integers`);
  }
  return [...x];
}

/** The contingency table of two labellings: n_ij (rows x cols, row-major), its row sums a_i and column sums b_j. */
interface Contingency {
  n: number;
  rows: number;
  cols: number;
  table: Float64Array;
  a: Float64Array;
  b: Float64Array;
}

function contingency(who: string, labelsTrue: Tensor | readonly number[], labelsPred: Tensor | readonly number[]): Contingency {
  const u = values(who, 'labelsTrue', labelsTrue);
  const v = values(who, 'labelsPred', labelsPred);
  if (u.length !== v.length) throw new RangeError(`${who}: labelsTrue has ${u.length} entries but labelsPred has ${v.length}`);
  if (u.length === 0) throw new RangeError(`${who}: the labellings are empty`);
  const n = u.length;
  const rowIndex = new Map<number, number>();
  const colIndex = new Map<number, number>();
  for (const x of u) if (!rowIndex.has(x)) rowIndex.set(x, rowIndex.size);
  for (const x of v) if (!colIndex.has(x)) colIndex.set(x, colIndex.size);
  const rows = rowIndex.size;
  const cols = colIndex.size;
  const table = new Float64Array(rows * cols); // n_ij
  for (let s = 0; s < n; s++) table[rowIndex.get(u[s]!)! * cols + colIndex.get(v[s]!)!]! += 1;
  const a = new Float64Array(rows);
  const b = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      a[i]! += table[i * cols + j]!;
      b[j]! += table[i * cols + j]!;
    }
  }
  return { n, rows, cols, table, a, b };
}

/** I(U; V) in nats from the table, clipped at 0 (scikit-learn's `mutual_info_score`). */
function mutualInfo(c: Contingency): number {
  let mi = 0;
  for (let i = 0; i < c.rows; i++) {
    for (let j = 0; j < c.cols; j++) {
      const nij = c.table[i * c.cols + j]!;
      if (nij > 0) mi += (nij / c.n) * (Math.log(nij) + Math.log(c.n) - Math.log(c.a[i]!) - Math.log(c.b[j]!));
    }
  }
  return Math.max(mi, 0);
}

/** Shannon entropy (nats) of the labelling with these class counts (of total n). */
function entropy(counts: Float64Array, n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * (Math.log(c) - Math.log(n));
  return h;
}

/**
 * Normalised mutual information with the arithmetic-mean normalisation, as scikit-learn's
 * `normalized_mutual_info_score` (its default `average_method='arithmetic'`, natural logs):
 *   NMI(U, V) = I(U; V) / ((H(U) + H(V)) / 2),
 *   I = sum_ij (n_ij / N) log(N n_ij / (a_i b_j)),  H(U) = -sum_i (a_i / N) log(a_i / N),
 * from the contingency table n_ij (a_i, b_j its row and column sums). As scikit-learn: 1 when
 * both labellings put everything in one class (no split: a perfect match), 0 when I = 0, and I
 * clipped at 0. Label values only need to be integers; their numbering does not matter.
 */
export function normalizedMutualInfo(labelsTrue: Tensor | readonly number[], labelsPred: Tensor | readonly number[]): number {
  const c = contingency('normalizedMutualInfo', labelsTrue, labelsPred);
  if (c.rows === 1 && c.cols === 1) return 1;
  const mi = mutualInfo(c);
  if (mi === 0) return 0;
  return mi / ((entropy(c.a, c.n) + entropy(c.b, c.n)) / 2);
}

/**
 * log(m!) for m = 0..n: a table of compensated (Kahan) running sums of log k, so every entry is
 * within a few ulps of the exact value (lgamma(m + 1) at integers, all the hypergeometric model
 * needs).
 */
function logFactorials(n: number): Float64Array {
  const t = new Float64Array(n + 1);
  let sum = 0;
  let carry = 0;
  for (let m = 2; m <= n; m++) {
    const y = Math.log(m) - carry;
    const next = sum + y;
    carry = (next - sum) - y;
    sum = next;
    t[m] = sum;
  }
  return t;
}

/**
 * The expected mutual information E[I(U; V)] of two labellings with the table's row sums a and
 * column sums b under the permutation (hypergeometric) model, Vinh, Epps & Bailey 2010,
 * "Information Theoretic Measures for Clusterings Comparison" (scikit-learn's
 * `expected_mutual_information`):
 *   EMI = sum_ij sum_{n_ij = max(1, a_i + b_j - N)}^{min(a_i, b_j)} (n_ij / N) log(N n_ij / (a_i b_j))
 *         * a_i! b_j! (N - a_i)! (N - b_j)! / (N! n_ij! (a_i - n_ij)! (b_j - n_ij)! (N - a_i - b_j + n_ij)!),
 * the factorials in log space. 0 when either labelling has a single class.
 */
function expectedMutualInfo(c: Contingency): number {
  if (c.rows === 1 || c.cols === 1) return 0;
  const N = c.n;
  const lf = logFactorials(N);
  const logN = Math.log(N);
  let emi = 0;
  for (let i = 0; i < c.rows; i++) {
    const ai = c.a[i]!;
    for (let j = 0; j < c.cols; j++) {
      const bj = c.b[j]!;
      const fixed = lf[ai]! + lf[bj]! + lf[N - ai]! + lf[N - bj]! - lf[N]!;
      const logAB = Math.log(ai) + Math.log(bj);
      const end = Math.min(ai, bj);
      for (let nij = Math.max(1, ai + bj - N); nij <= end; nij++) {
        const logP = fixed - lf[nij]! - lf[ai - nij]! - lf[bj - nij]! - lf[N - ai - bj + nij]!;
        emi += (nij / N) * (logN + Math.log(nij) - logAB) * Math.exp(logP);
      }
    }
  }
  return emi;
}

/**
 * Adjusted mutual information, as scikit-learn's `adjusted_mutual_info_score` (default
 * `average_method='arithmetic'`, natural logs), pytorch-metric-learning's `AMI` (Vinh, Epps &
 * Bailey 2010, "Information Theoretic Measures for Clusterings Comparison", with the arithmetic
 * mean of the entropies as the normaliser, scikit-learn's default):
 *   AMI(U, V) = (I(U; V) - E[I]) / ((H(U) + H(V)) / 2 - E[I]),
 * E[I] the expected mutual information of two random labellings with the same class sizes
 * (hypergeometric model, computed exactly). As scikit-learn: 1 when both labellings put
 * everything in one class, I clipped at 0, and the denominator kept at least one float64 epsilon
 * away from 0 with its sign (so a perfect match is 1, and AMI can be slightly negative: worse
 * than chance). Label values only need to be integers; their numbering does not matter.
 */
export function adjustedMutualInfo(labelsTrue: Tensor | readonly number[], labelsPred: Tensor | readonly number[]): number {
  const c = contingency('adjustedMutualInfo', labelsTrue, labelsPred);
  if (c.rows === 1 && c.cols === 1) return 1;
  const mi = mutualInfo(c);
  const emi = expectedMutualInfo(c);
  const normalizer = (entropy(c.a, c.n) + entropy(c.b, c.n)) / 2;
  let denominator = normalizer - emi;
  denominator = denominator < 0 ? Math.min(denominator, -Number.EPSILON) : Math.max(denominator, Number.EPSILON);
  return (mi - emi) / denominator;
}
