// Naive references, written from the papers' formulas with plain loops over pairs and triplets
// on number arrays (double precision). They share no code with src/losses.
type Matrix = number[][];

/** A seeded uniform generator (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An (n, d) matrix of standard normals (Box-Muller). */
export function gaussian(n: number, d: number, seed: number): Matrix {
  const u = rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u())));
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm(a: readonly number[]): number {
  return Math.sqrt(dot(a, a));
}

export function normalizeRows(x: Matrix): Matrix {
  return x.map((r) => {
    const n = Math.max(norm(r), 1e-12);
    return r.map((v) => v / n);
  });
}

export function euclidean(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** A distance as the losses see it: its value and whether larger means closer. */
export interface RefDistance {
  f: (a: readonly number[], b: readonly number[]) => number;
  inverted: boolean;
}
/** L2 distance of L2-normalised rows (PML's default LpDistance). */
export const L2: RefDistance = { f: (a, b) => euclidean(a, b), inverted: false };
/** Cosine similarity (rows are normalised before). */
export const COS: RefDistance = { f: (a, b) => dot(a, b), inverted: true };

/** d(x_i, x_j) for all i, j, on L2-normalised rows. */
export function distMatrix(x: Matrix, d: RefDistance): Matrix {
  const z = normalizeRows(x);
  return z.map((a) => z.map((b) => d.f(a, b)));
}

export function logSumExp(v: readonly number[]): number {
  const m = Math.max(...v);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
}

export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export function mean(v: readonly number[]): number {
  return v.length === 0 ? 0 : v.reduce((s, x) => s + x, 0) / v.length;
}

/** The mean of the strictly positive entries, 0 when none ("batch all non-zero" averaging). */
export function meanNonZero(v: readonly number[]): number {
  return mean(v.filter((x) => x > 0));
}

/** Ordered positive pairs (i != j, same label) and negative pairs. */
export function pairs(labels: readonly number[]): { pos: [number, number][]; neg: [number, number][] } {
  const pos: [number, number][] = [];
  const neg: [number, number][] = [];
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < labels.length; j++) {
      if (i !== j && labels[i] === labels[j]) pos.push([i, j]);
      if (labels[i] !== labels[j]) neg.push([i, j]);
    }
  }
  return { pos, neg };
}

/** All triplets (a, p, n): y_a = y_p, a != p, y_n != y_a. */
export function triplets(labels: readonly number[]): [number, number, number][] {
  const out: [number, number, number][] = [];
  const n = labels.length;
  for (let a = 0; a < n; a++) for (let p = 0; p < n; p++) for (let k = 0; k < n; k++) {
    if (a !== p && labels[a] === labels[p] && labels[k] !== labels[a]) out.push([a, p, k]);
  }
  return out;
}

// ---- label-based losses ----------------------------------------------------------------------

/** Hadsell et al. 2006 with margins: mean non-zero of [d - m+]_+ plus mean non-zero of [m- - d]_+. */
export function contrastiveRef(x: Matrix, labels: number[], posMargin: number, negMargin: number, d: RefDistance = L2): number {
  const m = distMatrix(x, d);
  const { pos, neg } = pairs(labels);
  const over = (v: number, w: number): number => Math.max(0, d.inverted ? w - v : v - w);
  return meanNonZero(pos.map(([i, j]) => over(m[i]![j]!, posMargin))) + meanNonZero(neg.map(([i, j]) => over(negMargin, m[i]![j]!)));
}

/** Khosla et al. 2020 eq. 2 (L_out), cosine similarity, averaged over anchors with a non-zero loss. */
export function supConRef(x: Matrix, labels: number[], temperature: number): number {
  const s = distMatrix(x, COS);
  const n = labels.length;
  const losses: number[] = [];
  const { pos, neg } = pairs(labels);
  if (pos.length === 0 || neg.length === 0) return 0;
  for (let i = 0; i < n; i++) {
    const others = [...Array(n).keys()].filter((k) => k !== i);
    const positives = others.filter((k) => labels[k] === labels[i]);
    if (positives.length === 0) {
      losses.push(0);
      continue;
    }
    const lse = logSumExp(others.map((k) => s[i]![k]! / temperature));
    losses.push(-mean(positives.map((p) => s[i]![p]! / temperature - lse)));
  }
  return meanNonZero(losses);
}

/** Weinberger & Saul / FaceNet triplet loss over all triplets, mean over non-zero losses. */
export function tripletRef(
  x: Matrix, labels: number[], o: { margin: number; swap?: boolean; smooth?: boolean; d?: RefDistance; keep?: (a: number, p: number, n: number) => boolean },
): number {
  const d = o.d ?? L2;
  const m = distMatrix(x, d);
  const losses = triplets(labels).filter(([a, p, n]) => o.keep?.(a, p, n) ?? true).map(([a, p, n]) => {
    let an = m[a]![n]!;
    if (o.swap) an = d.inverted ? Math.max(an, m[p]![n]!) : Math.min(an, m[p]![n]!);
    const v = (d.inverted ? an - m[a]![p]! : m[a]![p]! - an) + o.margin;
    return o.smooth ? softplus(v) : Math.max(0, v);
  });
  return meanNonZero(losses);
}

/** Sohn 2016 N-pair loss: one (first, second) pair per label, dot products of normalised rows. */
export function nPairsRef(x: Matrix, labels: number[]): number {
  const z = normalizeRows(x);
  const byLabel = new Map<number, number[]>();
  labels.forEach((l, i) => byLabel.set(l, [...(byLabel.get(l) ?? []), i]));
  const chosen = [...byLabel.entries()].filter(([, idx]) => idx.length >= 2).sort((u, v) => u[0] - v[0]).map(([, idx]) => [idx[0]!, idx[1]!]);
  if (chosen.length === 0) return 0;
  return mean(chosen.map(([a, p], k) => {
    let s = 0;
    chosen.forEach(([, pj], j) => {
      if (j !== k) s += Math.exp(dot(z[a]!, z[pj]!) - dot(z[a]!, z[p!]!));
    });
    return Math.log1p(s);
  }));
}

/** SigLIP-style pairwise logistic loss on labels: (1/N) sum_i sum_{j != i} -log sigmoid(z_ij (s_ij / T + b)). */
export function logisticRef(x: Matrix, labels: number[], temperature: number, bias: number): number {
  const s = distMatrix(x, COS);
  const n = labels.length;
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    if (i === j) continue;
    const z = labels[i] === labels[j] ? 1 : -1;
    total += softplus(-z * (s[i]![j]! / temperature + bias));
  }
  return total / n;
}

// ---- two-view losses -----------------------------------------------------------------------------

/** SimCLR eq. 1: mean over the 2N views of -log(exp(s_ij/T) / sum_{k != i} exp(s_ik/T)). */
export function ntXentRef(z1: Matrix, z2: Matrix, temperature: number): number {
  const z = normalizeRows([...z1, ...z2]);
  const n = z1.length;
  const losses = z.map((zi, i) => {
    const j = (i + n) % (2 * n);
    const denom = logSumExp(z.flatMap((zk, k) => (k === i ? [] : [dot(zi, zk) / temperature])));
    return -(dot(zi, z[j]!) / temperature - denom);
  });
  return mean(losses);
}

/** MoCo / InfoNCE with a queue: mean over queries of -log softmax of the positive among [k_i, queue]. */
export function infoNceRef(q: Matrix, k: Matrix, queue: Matrix, temperature: number): number {
  const qn = normalizeRows(q);
  const kn = normalizeRows(k);
  return mean(qn.map((qi, i) => {
    const pos = dot(qi, kn[i]!) / temperature;
    const logits = [pos, ...queue.map((r) => dot(qi, r) / temperature)];
    return logSumExp(logits) - pos;
  }));
}

/** Yeh et al. 2022 eq. 6 (symmetric), weights w_i (all 1 for DCL). */
export function dclRef(z1: Matrix, z2: Matrix, temperature: number, sigma?: number): number {
  const u = normalizeRows(z1);
  const v = normalizeRows(z2);
  const n = u.length;
  const side = (a: Matrix, b: Matrix): number => {
    let w = Array(n).fill(1) as number[];
    if (sigma !== undefined) {
      const e = a.map((ai, i) => dot(ai, b[i]!) / sigma);
      const lse = logSumExp(e);
      w = e.map((ei) => 2 - n * Math.exp(ei - lse));
    }
    return mean(a.map((ai, i) => {
      const others = [...Array(n).keys()].filter((j) => j !== i);
      return -w[i]! * dot(ai, b[i]!) / temperature
        + logSumExp(others.map((j) => dot(ai, a[j]!) / temperature))
        + logSumExp(others.map((j) => dot(ai, b[j]!) / temperature));
    }));
  };
  return 0.5 * (side(u, v) + side(v, u));
}

/** -mean_i cos(x0_i, x1_i). */
export function negCosRef(x0: Matrix, x1: Matrix): number {
  return -mean(x0.map((a, i) => dot(a, x1[i]!) / (norm(a) * norm(x1[i]!))));
}

/** Barlow Twins eq. 1 after standardising each feature over both views jointly (biased var, eps 1e-5). */
export function barlowTwinsRef(z1: Matrix, z2: Matrix, lambda: number): number {
  const n = z1.length;
  const d = z1[0]!.length;
  const all = [...z1, ...z2];
  const mu = Array.from({ length: d }, (_, j) => mean(all.map((r) => r[j]!)));
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(mean(all.map((r) => (r[j]! - mu[j]!) ** 2)) + 1e-5));
  const std = (m: Matrix): Matrix => m.map((r) => r.map((v, j) => (v - mu[j]!) / sd[j]!));
  const a = std(z1);
  const b = std(z2);
  let loss = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let c = 0;
    for (let k = 0; k < n; k++) c += a[k]![i]! * b[k]![j]!;
    c /= n;
    loss += i === j ? (1 - c) ** 2 : lambda * c * c;
  }
  return loss;
}

/** VICReg eq. 1-6 (unbiased variance and covariance). */
export function vicRegRef(z1: Matrix, z2: Matrix, lambda = 25, mu = 25, nu = 1, eps = 1e-4): number {
  const n = z1.length;
  const d = z1[0]!.length;
  let inv = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) inv += (z1[i]![j]! - z2[i]![j]!) ** 2;
  inv /= n * d;
  const terms = (z: Matrix): [number, number] => {
    const m = Array.from({ length: d }, (_, j) => mean(z.map((r) => r[j]!)));
    const cov = (a: number, b: number): number => z.reduce((s, r) => s + (r[a]! - m[a]!) * (r[b]! - m[b]!), 0) / (n - 1);
    let v = 0;
    let c = 0;
    for (let a = 0; a < d; a++) {
      v += Math.max(0, 1 - Math.sqrt(cov(a, a) + eps));
      for (let b = 0; b < d; b++) if (a !== b) c += cov(a, b) ** 2;
    }
    return [v / d, c / d];
  };
  const [va, ca] = terms(z1);
  const [vb, cb] = terms(z2);
  return lambda * inv + mu * 0.5 * (va + vb) + nu * (ca + cb);
}

// ---- miners --------------------------------------------------------------------------------------

/** Hermans et al. 2017 batch hard: per anchor, the farthest positive and the closest negative (lowest index on ties). */
export function batchHardRef(x: Matrix, labels: number[], d: RefDistance = L2): [number, number, number][] {
  const m = distMatrix(x, d);
  const far = (v: number, w: number): boolean => (d.inverted ? v < w : v > w);
  const out: [number, number, number][] = [];
  labels.forEach((l, a) => {
    let p = -1;
    let n = -1;
    labels.forEach((lk, k) => {
      if (k !== a && lk === l && (p < 0 || far(m[a]![k]!, m[a]![p]!))) p = k;
      if (lk !== l && (n < 0 || far(m[a]![n]!, m[a]![k]!))) n = k;
    });
    if (p >= 0 && n >= 0) out.push([a, p, n]);
  });
  return out;
}

/** TripletMarginMiner's sets, by the margin m = d(a, n) - d(a, p). */
export function tripletMarginMinerRef(x: Matrix, labels: number[], margin: number, type: string, d: RefDistance = L2): [number, number, number][] {
  const m = distMatrix(x, d);
  return triplets(labels).filter(([a, p, n]) => {
    const tm = d.inverted ? m[a]![p]! - m[a]![n]! : m[a]![n]! - m[a]![p]!;
    if (type === 'easy') return tm > margin;
    if (type === 'hard') return tm <= margin && tm <= 0;
    if (type === 'semihard') return tm <= margin && tm > 0;
    return tm <= margin;
  });
}

/** Wang et al. 2019 multi-similarity mining (eq. 5-6), cosine similarity. */
export function multiSimilarityRef(x: Matrix, labels: number[], epsilon: number): { pos: [number, number][]; neg: [number, number][] } {
  const s = distMatrix(x, COS);
  const { pos, neg } = pairs(labels);
  const minPos = (i: number): number => Math.min(...pos.filter(([a]) => a === i).map(([, p]) => s[i]![p]!));
  const maxNeg = (i: number): number => Math.max(...neg.filter(([a]) => a === i).map(([, n]) => s[i]![n]!));
  return {
    pos: pos.filter(([i, p]) => s[i]![p]! - epsilon < maxNeg(i)),
    neg: neg.filter(([i, n]) => s[i]![n]! + epsilon > minPos(i)),
  };
}

/** PairMarginMiner's sets: positives farther than posMargin, negatives closer than negMargin. */
export function pairMarginRef(x: Matrix, labels: number[], posMargin: number, negMargin: number, d: RefDistance = L2): { pos: [number, number][]; neg: [number, number][] } {
  const m = distMatrix(x, d);
  const { pos, neg } = pairs(labels);
  return {
    pos: pos.filter(([i, j]) => (d.inverted ? m[i]![j]! < posMargin : m[i]![j]! > posMargin)),
    neg: neg.filter(([i, j]) => (d.inverted ? m[i]![j]! > negMargin : m[i]![j]! < negMargin)),
  };
}

/**
 * PML's NT-Xent on labels: for every positive pair (a, p), -log(e^{s_ap/T} / (e^{s_ap/T} +
 * sum_{n in N(a)} e^{s_an/T})) with cosine s, averaged over the positive pairs; `anchorRows` and
 * `refRows` restrict which rows are anchors and which are compared with them (all by default).
 * 0 without positive or negative pairs.
 */
export function ntXentLabelsRef(x: Matrix, labels: number[], temperature: number, anchorRows?: (i: number) => boolean, refRows?: (j: number) => boolean): number {
  const z = normalizeRows(x);
  const isAnchor = anchorRows ?? (() => true);
  const isRef = refRows ?? (() => true);
  const losses: number[] = [];
  let negatives = 0;
  for (let a = 0; a < z.length; a++) for (let n = 0; n < z.length; n++) if (isAnchor(a) && isRef(n) && labels[a] !== labels[n]) negatives++;
  for (let a = 0; a < z.length; a++) {
    if (!isAnchor(a)) continue;
    const negs: number[] = [];
    for (let n = 0; n < z.length; n++) if (isRef(n) && labels[n] !== labels[a]) negs.push(dot(z[a]!, z[n]!) / temperature);
    for (let p = 0; p < z.length; p++) {
      if (p === a || !isRef(p) || labels[p] !== labels[a]) continue;
      const pos = dot(z[a]!, z[p]!) / temperature;
      losses.push(logSumExp([pos, ...negs]) - pos);
    }
  }
  return losses.length === 0 || negatives === 0 ? 0 : mean(losses);
}
