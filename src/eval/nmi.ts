// Normalised mutual information between two labellings, from their contingency table.
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
  const who = 'normalizedMutualInfo';
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
  if (rows === 1 && cols === 1) return 1;
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
  let mi = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const nij = table[i * cols + j]!;
      if (nij > 0) mi += (nij / n) * (Math.log(nij) + Math.log(n) - Math.log(a[i]!) - Math.log(b[j]!));
    }
  }
  mi = Math.max(mi, 0);
  if (mi === 0) return 0;
  const entropy = (counts: Float64Array): number => {
    let h = 0;
    for (const c of counts) if (c > 0) h -= (c / n) * (Math.log(c) - Math.log(n));
    return h;
  };
  return mi / ((entropy(a) + entropy(b)) / 2);
}
