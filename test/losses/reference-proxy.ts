// Naive references for the proxy and classification losses, written from the papers' formulas
// with plain loops over samples and classes on number arrays (double precision). They share no
// code with src/losses. Class weights are given as columns of W (D x C) or as proxy rows (C x D).
import { dot, logSumExp, norm } from './reference.js';

type Matrix = number[][];

/** Column j of a (D x M) matrix. */
export function column(w: Matrix, j: number): number[] {
  return w.map((row) => row[j]!);
}

function cosine(a: readonly number[], b: readonly number[]): number {
  return Math.min(1, Math.max(-1, dot(a, b) / (norm(a) * norm(b))));
}

/** -log softmax(logits)[y]. */
function crossEntropy(logits: readonly number[], y: number): number {
  return logSumExp(logits) - logits[y]!;
}

/** How often each sample appears in an index tuple over the largest count (1 each without one): PML's miner weights. */
export function minerWeightsRef(n: number, tuple?: number[][]): number[] {
  if (!tuple || tuple.every((c) => c.length === 0)) return Array.from({ length: n }, () => 1);
  const counts = Array.from({ length: n }, () => 0);
  for (const c of tuple) for (const i of c) counts[i]! += 1;
  const max = Math.max(...counts);
  return counts.map((c) => c / max);
}

function weightedMean(losses: number[], weights: number[]): number {
  return losses.reduce((s, l, i) => s + l * weights[i]!, 0) / losses.length;
}

/**
 * ArcFace (Deng et al. 2019, eq. 3), with K sub-centres per class (Deng et al. 2020; K = 1 is
 * plain ArcFace): cos theta_c = max_k cos(x, w_{cK+k}), target logit s cos(theta_y + m)
 * (s (cos theta_y - m sin m) beyond theta_y > pi - m, PML's fallback); m in degrees.
 */
export function arcFaceRef(x: Matrix, w: Matrix, labels: number[], numClasses: number, marginDeg: number, scale: number, k = 1, weights?: number[]): number {
  const m = (marginDeg * Math.PI) / 180;
  const losses = x.map((xi, i) => {
    const logits: number[] = [];
    for (let c = 0; c < numClasses; c++) {
      let cos = -Infinity;
      for (let s = 0; s < k; s++) cos = Math.max(cos, cosine(xi, column(w, c * k + s)));
      if (c === labels[i]) {
        const theta = Math.acos(cos);
        logits.push(scale * (theta <= Math.PI - m ? Math.cos(theta + m) : cos - m * Math.sin(m)));
      } else {
        logits.push(scale * cos);
      }
    }
    return crossEntropy(logits, labels[i]!);
  });
  return weightedMean(losses, weights ?? minerWeightsRef(x.length));
}

/** CosFace (Wang et al. 2018, eq. 4): target logit s (cos theta_y - m), others s cos theta_j. */
export function cosFaceRef(x: Matrix, w: Matrix, labels: number[], margin: number, scale: number, weights?: number[]): number {
  const c = w[0]!.length;
  const losses = x.map((xi, i) => {
    const logits = Array.from({ length: c }, (_, j) => scale * (cosine(xi, column(w, j)) - (j === labels[i] ? margin : 0)));
    return crossEntropy(logits, labels[i]!);
  });
  return weightedMean(losses, weights ?? minerWeightsRef(x.length));
}

/** psi(theta) = (-1)^k cos(m theta) - 2k, theta in [k pi / m, (k + 1) pi / m] (Liu et al. 2016 eq. 6). */
function psi(cos: number, m: number): number {
  const theta = Math.acos(cos);
  const k = Math.min(m - 1, Math.floor((theta * m) / Math.PI));
  return (k % 2 === 0 ? 1 : -1) * Math.cos(m * theta) - 2 * k;
}

/**
 * L-Softmax (Liu et al. 2016, eq. 4-6): logits ||W_j|| ||x|| cos theta_j, target ||W_y|| ||x|| psi(theta_y),
 * times `scale`. With `normalizeWeights` it is SphereFace's A-Softmax (Liu et al. 2017): ||W_j|| = 1.
 */
export function largeMarginRef(x: Matrix, w: Matrix, labels: number[], m: number, scale: number, normalizeWeights: boolean): number {
  const c = w[0]!.length;
  const losses = x.map((xi, i) => {
    const logits = Array.from({ length: c }, (_, j) => {
      const wj = column(w, j);
      const cos = cosine(xi, wj);
      const mag = norm(xi) * (normalizeWeights ? 1 : norm(wj));
      return scale * mag * (j === labels[i] ? psi(cos, m) : cos);
    });
    return crossEntropy(logits, labels[i]!);
  });
  return weightedMean(losses, minerWeightsRef(x.length));
}

/** NormSoftmax (Zhai & Wu 2019): -log softmax_c(cos(x, w_c) / T)[y]. */
export function normSoftmaxRef(x: Matrix, w: Matrix, labels: number[], temperature: number): number {
  const c = w[0]!.length;
  const losses = x.map((xi, i) => crossEntropy(Array.from({ length: c }, (_, j) => cosine(xi, column(w, j)) / temperature), labels[i]!));
  return weightedMean(losses, minerWeightsRef(x.length));
}

/**
 * Proxy Anchor (Kim et al. 2020, eq. 4) with proxies as rows of `p` (C x D), cosine similarity;
 * `weights` (PML miner weights) add (w - 1) to every exponent.
 */
export function proxyAnchorRef(x: Matrix, p: Matrix, labels: number[], margin: number, alpha: number, weights?: number[]): number {
  const w = weights ?? minerWeightsRef(x.length);
  let pos = 0;
  let neg = 0;
  let withPos = 0;
  for (let c = 0; c < p.length; c++) {
    let sp = 1;
    let sn = 1;
    let any = false;
    for (let i = 0; i < x.length; i++) {
      const s = cosine(x[i]!, p[c]!);
      if (labels[i] === c) {
        any = true;
        sp += Math.exp(-alpha * (s - margin) + w[i]! - 1);
      } else {
        sn += Math.exp(alpha * (s + margin) + w[i]! - 1);
      }
    }
    if (any) withPos++;
    pos += Math.log(sp);
    neg += Math.log(sn);
  }
  return pos / withPos + neg / p.length;
}

/** ProxyNCA (Movshovitz-Attias et al. 2017) as PML: -log( e^{-s d(x, p_y)} / sum_z e^{-s d(x, p_z)} ), d squared L2 of normalised vectors. */
export function proxyNcaRef(x: Matrix, p: Matrix, labels: number[], softmaxScale: number): number {
  const unit = (v: readonly number[]): number[] => v.map((a) => a / norm(v));
  const losses = x.map((xi, i) => {
    const xu = unit(xi);
    const logits = p.map((pz) => {
      const pu = unit(pz);
      return -softmaxScale * xu.reduce((s, a, d) => s + (a - pu[d]!) ** 2, 0);
    });
    return crossEntropy(logits, labels[i]!);
  });
  return weightedMean(losses, minerWeightsRef(x.length));
}

/** SoftTriple (Qian et al. 2019, eq. 8-9): S_c = sum_k softmax_k(s_ck / gamma) s_ck; -log softmax(lambda (S - delta 1_y))[y]. */
export function softTripleRef(x: Matrix, fc: Matrix, labels: number[], k: number, la: number, gamma: number, margin: number): number {
  const c = fc[0]!.length / k;
  const losses = x.map((xi, i) => {
    const logits = Array.from({ length: c }, (_, cls) => {
      const s = Array.from({ length: k }, (_, j) => cosine(xi, column(fc, cls * k + j)));
      const z = logSumExp(s.map((v) => v / gamma));
      const sc = s.reduce((acc, v) => acc + Math.exp(v / gamma - z) * v, 0);
      return la * (sc - (cls === labels[i] ? margin : 0));
    });
    return crossEntropy(logits, labels[i]!);
  });
  return weightedMean(losses, minerWeightsRef(x.length));
}
