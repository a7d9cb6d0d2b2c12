// Naive reference implementations of the evaluation metrics, in plain JS loops, straight from
// the formulas (no tensors), plus seeded random data.
import { type Tensor, tensor } from '../../src/index.js';

/** A seeded uniform generator in [0, 1) (xorshift32). */
export function uniform(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** An (n, d) matrix of standard normal numbers (Box-Muller), seeded. */
export function gaussian(n: number, d: number, seed: number): number[][] {
  const u = uniform(seed);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < d; j++) row.push(Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
    out.push(row);
  }
  return out;
}

/** n integers uniform in [0, c), seeded. */
export function randomLabels(n: number, c: number, seed: number): number[] {
  const u = uniform(seed);
  return Array.from({ length: n }, () => Math.floor(u() * c));
}

/**
 * Points around class centres (standard normal vectors times `spread`, the same for every call
 * with the same `centreSeed`), plus Gaussian noise of scale `noise`.
 */
export function clustered(labels: readonly number[], d: number, spread: number, noise: number, seed: number, centreSeed = 7919): number[][] {
  const centres = gaussian(Math.max(...labels) + 1, d, centreSeed);
  const g = gaussian(labels.length, d, seed);
  return g.map((row, i) => row.map((v, j) => v * noise + centres[labels[i]!]![j]! * spread));
}

export function split(x: number[][], y: readonly number[], dtype: 'float32' | 'float64' = 'float64'): { embeddings: Tensor; labels: Tensor } {
  return { embeddings: tensor(x, { dtype }), labels: tensor([...y], { dtype: 'int64' }) };
}

export const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
export const normalizeRow = (a: readonly number[]): number[] => {
  const n = Math.max(Math.sqrt(dot(a, a)), 1e-12);
  return a.map((v) => v / n);
};
export const squaredDistance = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);

/**
 * The weighted kNN vote of InstDisc / lightly / solo-learn, one query at a time: cosine
 * similarities, the min(k, N) most similar train rows (ties: lower index first), weights
 * exp(s / T), class scores the sums, classes ranked by score (ties: lower class first).
 */
export function knnRanking(train: number[][], trainY: readonly number[], query: readonly number[], k: number, T: number, C: number): { ranking: number[]; scores: number[] } {
  const q = normalizeRow(query);
  const sims = train.map((x, i) => ({ s: dot(normalizeRow(x), q), i }));
  sims.sort((a, b) => b.s - a.s || a.i - b.i);
  const scores = new Array<number>(C).fill(0);
  for (const { s, i } of sims.slice(0, Math.min(k, train.length))) scores[trainY[i]!]! += Math.exp(s / T);
  const ranking = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]! || a - b);
  return { ranking, scores };
}

/** Top-1 and top-5 (first min(5, k, C) ranked classes) of the weighted kNN, by loops. */
export function knnAccuracy(train: number[][], trainY: readonly number[], test: number[][], testY: readonly number[], k: number, T: number): { top1: number; top5: number } {
  const C = Math.max(...trainY, ...testY) + 1;
  let top1 = 0;
  let top5 = 0;
  test.forEach((x, i) => {
    const { ranking } = knnRanking(train, trainY, x, k, T, C);
    if (ranking[0] === testY[i]) top1++;
    if (ranking.slice(0, Math.min(5, k, C)).includes(testY[i]!)) top5++;
  });
  return { top1: top1 / test.length, top5: top5 / test.length };
}

/**
 * Precision@1, R-precision and MAP@R from their definitions (Musgrave et al. 2020): rank every
 * reference by Euclidean distance (ties: lower index first), drop the query itself when
 * `refIncludesQuery`, R = relevant references; average over queries with R > 0.
 */
export function retrievalReference(
  query: number[][], queryY: readonly number[], reference: number[][], referenceY: readonly number[],
  refIncludesQuery: boolean, normalize: boolean,
): { precisionAt1: number; rPrecision: number; mapAtR: number; queries: number } {
  const qs = normalize ? query.map(normalizeRow) : query;
  const rs = normalize ? reference.map(normalizeRow) : reference;
  let p1 = 0;
  let rp = 0;
  let map = 0;
  let counted = 0;
  qs.forEach((q, qi) => {
    const ranked = rs
      .map((r, i) => ({ d: squaredDistance(q, r), i }))
      .filter(({ i }) => !(refIncludesQuery && i === qi))
      .sort((a, b) => a.d - b.d || a.i - b.i);
    const R = ranked.filter(({ i }) => referenceY[i] === queryY[qi]).length;
    if (R === 0) return;
    counted++;
    const rel = ranked.map(({ i }) => (referenceY[i] === queryY[qi] ? 1 : 0));
    p1 += rel[0]!;
    let hits = 0;
    let ap = 0;
    for (let i = 0; i < R; i++) {
      hits += rel[i]!;
      if (rel[i]) ap += hits / (i + 1);
    }
    rp += hits / R;
    map += ap / R;
  });
  if (counted === 0) return { precisionAt1: 0, rPrecision: 0, mapAtR: 0, queries: 0 };
  return { precisionAt1: p1 / counted, rPrecision: rp / counted, mapAtR: map / counted, queries: counted };
}

/** Shannon entropy (nats) of a labelling. */
function entropy(labels: readonly (number | string)[]): number {
  const counts = new Map<number | string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) h -= (c / labels.length) * Math.log(c / labels.length);
  return h;
}

/**
 * NMI with the arithmetic mean from entropies only: I(U; V) = H(U) + H(V) - H(U, V), NMI =
 * 2 I / (H(U) + H(V)); 1 when both are a single class (scikit-learn's convention).
 */
export function nmiReference(u: readonly number[], v: readonly number[]): number {
  const hu = entropy(u);
  const hv = entropy(v);
  if (new Set(u).size === 1 && new Set(v).size === 1) return 1;
  const joint = entropy(u.map((a, i) => `${a},${v[i]}`));
  const mi = Math.max(0, hu + hv - joint);
  return mi <= 1e-15 ? 0 : (2 * mi) / (hu + hv);
}

/** The k-means objective: sum of squared distances to the assigned centroid. */
export function kmeansObjective(x: number[][], assignments: readonly number[], centroids: number[][]): number {
  return x.reduce((s, row, i) => s + squaredDistance(row, centroids[assignments[i]!]!), 0);
}

/**
 * Lloyd's k-means by loops from given centroids: assign to the nearest centroid (ties: lower
 * index), then means; an empty cluster takes the point farthest from its centroid among
 * clusters of two or more (ties: lower point index), else keeps its centre. Stops when no
 * assignment changes. Returns the objective after every assignment step.
 */
export function lloyd(x: number[][], init: number[][], maxIter: number): { assignments: number[]; centroids: number[][]; history: number[] } {
  let c = init.map((r) => [...r]);
  const nearest = (cs: number[][]) => x.map((p) => {
    let best = 0;
    for (let j = 1; j < cs.length; j++) if (squaredDistance(p, cs[j]!) < squaredDistance(p, cs[best]!)) best = j;
    return best;
  });
  let a = nearest(c);
  const history = [kmeansObjective(x, a, c)];
  for (let it = 0; it < maxIter; it++) {
    const assigned = [...a];
    const counts = c.map((_, j) => assigned.filter((v) => v === j).length);
    const dist = x.map((p, i) => squaredDistance(p, c[assigned[i]!]!));
    const order = [...dist.keys()].sort((p, q) => dist[q]! - dist[p]! || p - q);
    let next = 0;
    for (let j = 0; j < c.length; j++) {
      if (counts[j] !== 0) continue;
      while (next < order.length && (dist[order[next]!]! <= 0 || counts[assigned[order[next]!]!]! < 2)) next++;
      if (next === order.length) break;
      const p = order[next++]!;
      counts[assigned[p]!]!--;
      assigned[p] = j;
      counts[j] = 1;
    }
    c = c.map((old, j) => {
      const members = x.filter((_, i) => assigned[i] === j);
      if (members.length === 0) return old;
      return old.map((_, d) => members.reduce((s, m) => s + m[d]!, 0) / members.length);
    });
    const b = nearest(c);
    history.push(kmeansObjective(x, b, c));
    const changed = b.some((v, i) => v !== a[i]);
    a = b;
    if (!changed) break;
  }
  return { assignments: a, centroids: c, history };
}

/**
 * PML's `mean_average_precision` and `mean_reciprocal_rank` from their definitions, one query at
 * a time: rank every reference by Euclidean distance (ties: lower index first), drop the query
 * itself when `refIncludesQuery`, keep the first k (default all); AP = sum of hits/i at the
 * relevant ranks i, over the relevant found (1 if none); RR = 1/(first relevant rank), 0 if
 * none; averaged over queries with at least one relevant reference anywhere (R > 0).
 */
export function rankingReference(
  query: number[][], queryY: readonly number[], reference: number[][], referenceY: readonly number[],
  refIncludesQuery: boolean, normalize: boolean, k = Infinity,
): { meanAveragePrecision: number; meanReciprocalRank: number; queries: number } {
  const qs = normalize ? query.map(normalizeRow) : query;
  const rs = normalize ? reference.map(normalizeRow) : reference;
  let map = 0;
  let mrr = 0;
  let counted = 0;
  qs.forEach((q, qi) => {
    const ranked = rs
      .map((r, i) => ({ d: squaredDistance(q, r), i }))
      .filter(({ i }) => !(refIncludesQuery && i === qi))
      .sort((a, b) => a.d - b.d || a.i - b.i);
    if (!ranked.some(({ i }) => referenceY[i] === queryY[qi])) return;
    counted++;
    let hits = 0;
    let ap = 0;
    let rr = 0;
    ranked.slice(0, Math.min(k, ranked.length)).forEach(({ i }, pos) => {
      if (referenceY[i] !== queryY[qi]) return;
      hits++;
      ap += hits / (pos + 1);
      if (rr === 0) rr = 1 / (pos + 1);
    });
    map += ap / Math.max(hits, 1);
    mrr += rr;
  });
  if (counted === 0) return { meanAveragePrecision: 0, meanReciprocalRank: 0, queries: 0 };
  return { meanAveragePrecision: map / counted, meanReciprocalRank: mrr / counted, queries: counted };
}
