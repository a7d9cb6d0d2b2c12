// Naive references for the PML miners and reducers of miners-more / reducers-more: plain loops
// over rows, pairs and triplets on number arrays (double precision), written from the papers'
// formulas and PML's documented behaviour. They share no code with src/losses.
import { distMatrix, pairs, type RefDistance, triplets } from './reference.js';

type Matrix = number[][];
type Pair = [number, number];
export type Strategy = 'easy' | 'semihard' | 'hard' | 'all';

/** ||a - b + eps||_2, as F.pairwise_distance. */
function pairwise(a: readonly number[], b: readonly number[], eps = 1e-6): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]! + eps) ** 2;
  return Math.sqrt(s);
}

/**
 * BatchEasyHardMiner (PML): per anchor, a positive and a negative by strategy ('easy' positive =
 * closest, 'hard' = farthest, 'semihard' = farthest closer than the chosen negative; 'easy'
 * negative = farthest, 'hard' = closest, 'semihard' = closest farther than the chosen positive),
 * within inclusive ranges; 'all' = every pair of the kind.
 */
export function batchEasyHardRef(
  x: Matrix, labels: number[], posStrategy: Strategy, negStrategy: Strategy, d: RefDistance,
  posRange: [number, number] | null = null, negRange: [number, number] | null = null,
): { pos: Pair[]; neg: Pair[] } {
  const m = distMatrix(x, d);
  const n = labels.length;
  // "closer" in distance terms: smaller distance, larger similarity.
  const closer = (u: number, v: number): boolean => (d.inverted ? u > v : u < v);
  const inRange = (v: number, r: [number, number] | null): boolean => r === null || (v >= r[0] && v <= r[1]);
  // The farthest (or closest) candidate of row i; with `bound`, only those strictly closer
  // (farther) than bound. First index wins ties.
  const choose = (i: number, cands: number[], farthest: boolean, r: [number, number] | null, bound?: number): number | null => {
    let best: number | null = null;
    for (const j of cands) {
      const v = m[i]![j]!;
      if (!inRange(v, r)) continue;
      if (bound !== undefined && (farthest ? !closer(v, bound) : !closer(bound, v))) continue;
      if (best === null || (farthest ? closer(m[i]![best]!, v) : closer(v, m[i]![best]!))) best = j;
    }
    return best;
  };
  const posFarthest = posStrategy !== 'easy'; // hard / semihard positives: the farthest
  const negFarthest = negStrategy === 'easy'; // easy negatives: the farthest
  const pos: Pair[] = [];
  const neg: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const P = [...Array(n).keys()].filter((j) => j !== i && labels[j] === labels[i]);
    const N = [...Array(n).keys()].filter((j) => labels[j] !== labels[i]);
    let p: number | null = null;
    let q: number | null = null;
    if (posStrategy === 'semihard' && negStrategy !== 'all') {
      q = choose(i, N, negFarthest, negRange);
      p = q === null ? null : choose(i, P, true, posRange, m[i]![q]!);
    } else if (negStrategy === 'semihard' && posStrategy !== 'all') {
      p = choose(i, P, posFarthest, posRange);
      q = p === null ? null : choose(i, N, false, negRange, m[i]![p]!);
    } else {
      if (posStrategy !== 'all') p = choose(i, P, posFarthest, posRange);
      if (negStrategy !== 'all') q = choose(i, N, negFarthest, negRange);
    }
    if (posStrategy !== 'all' && negStrategy !== 'all') {
      if (p !== null && q !== null) {
        pos.push([i, p]);
        neg.push([i, q]);
      }
    } else {
      if (posStrategy !== 'all' && p !== null) pos.push([i, p]);
      if (negStrategy !== 'all' && q !== null) neg.push([i, q]);
    }
  }
  const all = pairs(labels);
  return { pos: posStrategy === 'all' ? all.pos : pos, neg: negStrategy === 'all' ? all.neg : neg };
}

/** HDC mining (Yuan et al. 2017): the ceil(f P) hardest positive pairs and ceil(f Q) hardest negative pairs. */
export function hdcRef(x: Matrix, labels: number[], f: number, d: RefDistance): { pos: Pair[]; neg: Pair[] } {
  const m = distMatrix(x, d);
  const { pos, neg } = pairs(labels);
  const hardness = (v: number, positive: boolean): number => (positive !== d.inverted ? -v : v); // sort key: hardest first
  const keep = (list: Pair[], positive: boolean): Pair[] => {
    const k = Math.ceil(f * list.length);
    return [...list].sort((u, v) => hardness(m[u[0]]![u[1]]!, positive) - hardness(m[v[0]]![v[1]]!, positive)).slice(0, k);
  };
  return { pos: keep(pos, true), neg: keep(neg, false) };
}

/** AngularMiner (Wang et al. 2017, eq. 5) on raw embeddings: atan(||a - p|| / (2 ||n - c||)) > angle. */
export function angularRef(x: Matrix, labels: number[], angleDegrees: number): [number, number, number][] {
  const threshold = (angleDegrees * Math.PI) / 180;
  return triplets(labels).filter(([a, p, n]) => {
    const c = x[a]!.map((v, k) => (v + x[p]![k]!) / 2);
    return Math.atan(pairwise(x[a]!, x[p]!) / (2 * pairwise(x[n]!, c))) > threshold;
  });
}

/**
 * Distance-weighted sampling probabilities (Wu et al. 2017, eq. 5): P[i][j] ∝ q(max(d_ij, cutoff))^-1
 * with q(d) = d^(D-2) (1 - d^2/4)^((D-3)/2), 0 for same labels and d >= nonzeroCutoff; rows
 * normalised (all zero when nothing qualifies).
 */
export function distanceWeightsRef(x: Matrix, labels: number[], cutoff: number, nonzeroCutoff: number): Matrix {
  const m = distMatrix(x, { f: (a, b) => Math.sqrt(a.reduce((s, v, k) => s + (v - b[k]!) ** 2, 0)), inverted: false });
  const D = x[0]!.length;
  return m.map((row, i) => {
    const w = row.map((dij, j) => {
      const dd = Math.max(dij, cutoff);
      if (labels[j] === labels[i] || dd >= nonzeroCutoff) return 0;
      const q = dd ** (D - 2) * (1 - dd * dd / 4) ** ((D - 3) / 2);
      return Number.isFinite(1 / q) ? 1 / q : 0;
    });
    const s = w.reduce((a, b) => a + b, 0);
    return w.map((v) => (s > 0 ? v / s : 0));
  });
}

/** Bin of each value: numBins equal bins between min and max, [e_i, e_{i+1}) and the last closed. */
export function histogramBinsRef(values: number[], numBins: number): number[] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return values.map((v) => {
    for (let i = 0; i < numBins; i++) {
      const s = lo + (i * (hi - lo)) / numBins;
      const e = i === numBins - 1 ? hi : lo + ((i + 1) * (hi - lo)) / numBins;
      if (s <= v && (i === numBins - 1 ? v <= e : v < e)) return i;
    }
    return numBins - 1;
  });
}

/** The L2 distances of normalised rows, for the reducer tests. */
export function l2Matrix(x: Matrix): Matrix {
  return distMatrix(x, { f: (a, b) => Math.sqrt(a.reduce((s, v, k) => s + (v - b[k]!) ** 2, 0)), inverted: false });
}
