// Naive references for the pair- and tuple-based losses (MultiSimilarity, Circle, lifted
// structure, Margin, TupletMargin, Angular), written from the papers' formulas (with PML's
// conventions where it differs) as plain loops on number arrays in double precision. They share
// no code with src/losses.
type Matrix = number[][];
export type Pair = [number, number];
export type Triplet = [number, number, number];

/** Positive pairs (same label, i != j) and negative pairs (other label), row-major. */
export interface PairLists {
  pos: Pair[];
  neg: Pair[];
}

export function labelPairs(labels: readonly number[]): PairLists {
  const pos: Pair[] = [];
  const neg: Pair[] = [];
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < labels.length; j++) {
      if (i !== j && labels[i] === labels[j]) pos.push([i, j]);
      if (labels[i] !== labels[j]) neg.push([i, j]);
    }
  }
  return { pos, neg };
}

/** Every (a, p, n) with y_a = y_p, a != p, y_n != y_a. */
export function labelTriplets(labels: readonly number[]): Triplet[] {
  const out: Triplet[] = [];
  const n = labels.length;
  for (let a = 0; a < n; a++) for (let p = 0; p < n; p++) for (let k = 0; k < n; k++) {
    if (a !== p && labels[a] === labels[p] && labels[k] !== labels[a]) out.push([a, p, k]);
  }
  return out;
}

/** Triplets from pairs: every positive pair joined with every negative pair of its anchor. */
export function pairsToTriplets(pairs: PairLists): Triplet[] {
  const out: Triplet[] = [];
  for (const [a, p] of pairs.pos) for (const [a2, n] of pairs.neg) if (a2 === a) out.push([a, p, n]);
  return out;
}

function unit(r: readonly number[]): number[] {
  let s = 0;
  for (const v of r) s += v * v;
  const len = Math.max(Math.sqrt(s), 1e-12);
  return r.map((v) => v / len);
}

function dotp(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Cosine similarities of all rows. */
export function cosineMatrix(x: Matrix): Matrix {
  const z = x.map(unit);
  return z.map((a) => z.map((b) => dotp(a, b)));
}

/** L2 distances of the L2-normalised rows (PML's default LpDistance). */
export function l2Matrix(x: Matrix): Matrix {
  const z = x.map(unit);
  return z.map((a) => z.map((b) => Math.sqrt(a.reduce((s, v, k) => s + (v - b[k]!) ** 2, 0))));
}

/** log(sum exp(v)) (+ a 0 term with addOne); 0 for an empty list. */
export function lse(v: readonly number[], addOne: boolean): number {
  if (v.length === 0) return 0;
  const all = addOne ? [...v, 0] : [...v];
  const m = Math.max(...all);
  return m + Math.log(all.reduce((s, x) => s + Math.exp(x - m), 0));
}

const relu = (v: number): number => Math.max(v, 0);
const softplus = (v: number): number => (v > 20 ? v : Math.log1p(Math.exp(v)));
const avg = (v: readonly number[]): number => (v.length === 0 ? 0 : v.reduce((s, x) => s + x, 0) / v.length);
const avgNonZero = (v: readonly number[]): number => avg(v.filter((x) => x > 0));
const tooFew = (pairs: PairLists): boolean => pairs.pos.length <= 1 && pairs.neg.length <= 1;

/** Wang et al. 2019 eq. 9-10 (cosine similarity), averaged over all N anchors. */
export function multiSimilarityRef(x: Matrix, pairs: PairLists, alpha: number, beta: number, base: number): number {
  if (tooFew(pairs)) return 0;
  const s = cosineMatrix(x);
  const per = x.map((_, i) => {
    const pos = pairs.pos.filter(([a]) => a === i).map(([, p]) => -alpha * (s[i]![p]! - base));
    const neg = pairs.neg.filter(([a]) => a === i).map(([, n]) => beta * (s[i]![n]! - base));
    return lse(pos, true) / alpha + lse(neg, true) / beta;
  });
  return avg(per);
}

/**
 * Sun et al. 2020 eq. 4-6 (cosine), averaged over the anchors with a non-zero loss. The weights
 * alpha_p, alpha_n are computed from `frozen` rows (default: x), so finite differences in x see
 * them as constants, as the loss's detached weights are.
 */
export function circleRef(x: Matrix, pairs: PairLists, m: number, gamma: number, frozen: Matrix = x): number {
  if (tooFew(pairs)) return 0;
  const s = cosineMatrix(x);
  const s0 = cosineMatrix(frozen);
  const per = x.map((_, i) => {
    const pos = pairs.pos.filter(([a]) => a === i).map(([, p]) => -gamma * relu(1 + m - s0[i]![p]!) * (s[i]![p]! - (1 - m)));
    const neg = pairs.neg.filter(([a]) => a === i).map(([, n]) => gamma * relu(s0[i]![n]! + m) * (s[i]![n]! - m));
    return pos.length === 0 || neg.length === 0 ? 0 : softplus(lse(pos, false) + lse(neg, false));
  });
  return avgNonZero(per);
}

/** Oh Song et al. 2016 eq. 4 per positive pair (negatives of either end's anchor), mean over positive pairs. */
export function liftedStructureRef(x: Matrix, pairs: PairLists, negMargin: number, posMargin: number): number {
  if (tooFew(pairs) || pairs.pos.length === 0 || pairs.neg.length === 0) return 0;
  const d = l2Matrix(x);
  const per = pairs.pos.map(([i, j]) => {
    const negs = pairs.neg.filter(([a]) => a === i || a === j).map(([a, n]) => negMargin - d[a]![n]!);
    return relu(lse(negs, false) + d[i]![j]! - posMargin) ** 2 / 2;
  });
  return avg(per);
}

/** Hermans et al. 2017's generalised lifted structure loss per anchor, mean over all N anchors. */
export function generalizedLiftedRef(x: Matrix, pairs: PairLists, negMargin: number, posMargin: number): number {
  if (tooFew(pairs)) return 0;
  const d = l2Matrix(x);
  const per = x.map((_, i) => {
    const pos = pairs.pos.filter(([a]) => a === i).map(([, p]) => d[i]![p]! - posMargin);
    const neg = pairs.neg.filter(([a]) => a === i).map(([, n]) => negMargin - d[i]![n]!);
    return relu(lse(pos, false) + lse(neg, false));
  });
  return avg(per);
}

/**
 * Wu et al. 2017 eq. 3-4 (L2 of normalised rows): the sum over triplets of both hinge terms,
 * divided by the number of non-zero terms; with `learnt`, plus nu * beta (one beta) or
 * sum_t nu * beta_{y_a} / divisor (per class). `beta` is one number or one per class.
 */
export function marginRef(
  x: Matrix, labels: readonly number[], triplets: readonly Triplet[], margin: number, beta: number | readonly number[], nu = 0, learnt = false,
): number {
  if (triplets.length === 0) return 0;
  const d = l2Matrix(x);
  const b = (a: number): number => (typeof beta === 'number' ? beta : beta[labels[a]!]!);
  let sum = 0;
  let count = 0;
  let reg = 0;
  for (const [a, p, n] of triplets) {
    const lp = relu(d[a]![p]! - b(a) + margin);
    const ln = relu(b(a) - d[a]![n]! + margin);
    sum += lp + ln;
    count += (lp > 0 ? 1 : 0) + (ln > 0 ? 1 : 0);
    reg += nu * b(a);
  }
  const main = count === 0 ? 0 : sum / count;
  if (!learnt) return main;
  if (typeof beta === 'number') return main + nu * beta;
  return main + (count === 0 ? 0 : reg / count);
}

/** Yu & Tao 2019 eq. 3-5 (cosine; margin in degrees), mean over positive pairs. */
export function tupletMarginRef(x: Matrix, pairs: PairLists, marginDeg: number, scale: number): number {
  if (tooFew(pairs) || pairs.pos.length === 0 || pairs.neg.length === 0) return 0;
  const s = cosineMatrix(x);
  const m = (marginDeg * Math.PI) / 180;
  const per = pairs.pos.map(([a, p]) => {
    const target = Math.cos(Math.acos(s[a]![p]!) - m);
    const terms = pairs.neg.filter(([a2]) => a2 === a).map(([, n]) => scale * (s[a]![n]! - target));
    return lse(terms, true);
  });
  return avg(per);
}

/**
 * Wang et al. 2017 eq. 8 per positive pair, with x_a, x_p normalised and x_n as given (PML), over
 * every row of another label; mean over positive pairs.
 */
export function angularRef(x: Matrix, labels: readonly number[], pairs: PairLists, alphaDeg: number): number {
  if (pairs.pos.length === 0 || pairs.neg.length === 0) return 0;
  const t2 = Math.tan((alphaDeg * Math.PI) / 180) ** 2;
  const per = pairs.pos.map(([a, p]) => {
    const xa = unit(x[a]!);
    const xp = unit(x[p]!);
    const sum = xa.map((v, k) => v + xp[k]!);
    const terms: number[] = [];
    for (let n = 0; n < x.length; n++) {
      if (labels[n] !== labels[a]) terms.push(4 * t2 * dotp(sum, x[n]!) - 2 * (1 + t2) * dotp(xa, xp));
    }
    return lse(terms, true);
  });
  return avg(per);
}
