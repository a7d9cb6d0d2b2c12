// Naive references for FastAPLoss, HistogramLoss, InstanceLoss and CrossBatchMemory, written
// from the papers' formulas with plain loops on number arrays (double precision). No code is
// shared with src/losses.
type Matrix = number[][];

function unit(x: Matrix, eps = 1e-12): Matrix {
  return x.map((r) => {
    const n = Math.max(Math.sqrt(r.reduce((s, v) => s + v * v, 0)), eps);
    return r.map((v) => v / n);
  });
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, v, i) => s + v * b[i]!, 0);
}

function sqDist(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
}

/**
 * FastAP (Cakir et al. 2019, eq. 6-9) with PML's choices: squared L2 of normalised rows, bin
 * centres k * 4 / L (k = 0..L), triangular kernels; the mean over anchors with a positive of
 * (1 - FastAP_i) * w_i, with w the optional per-row weights. 0 when no anchor has a positive.
 */
export function fastApRef(x: Matrix, labels: number[], numBins: number, weights?: number[]): number {
  const z = unit(x);
  const n = x.length;
  const delta = 4 / numBins;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const pos: number[] = [];
    const neg: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      (labels[j] === labels[i] ? pos : neg).push(sqDist(z[i]!, z[j]!));
    }
    if (pos.length === 0) continue;
    const kernel = (d: number, k: number): number => Math.max(0, 1 - Math.abs(d - k * delta) / delta);
    let cumPos = 0;
    let cumAll = 0;
    let ap = 0;
    for (let k = 0; k <= numBins; k++) {
      const hPos = pos.reduce((s, d) => s + kernel(d, k), 0);
      const hNeg = neg.reduce((s, d) => s + kernel(d, k), 0);
      cumPos += hPos;
      cumAll += hPos + hNeg;
      if (hPos * cumPos > 0 && cumAll > 0) ap += (hPos * cumPos) / cumAll;
    }
    out.push((1 - ap / pos.length) * (weights ? weights[i]! : 1));
  }
  return out.length === 0 ? 0 : out.reduce((s, v) => s + v, 0) / out.length;
}

/**
 * The histogram loss (Ustinova & Lempitsky 2016, eq. 1-4) on cosine similarities, with PML's
 * pair sets: the unordered pairs {a, p} and {a, n} of every valid triplet (a, p, n). Nodes
 * t_r = -1 + r * 2 / R, r = 0..R; 0 when there is no triplet.
 */
export function histogramRef(x: Matrix, labels: number[], nBins: number): number {
  const z = unit(x);
  const n = x.length;
  const posPairs = new Set<string>();
  const negPairs = new Set<string>();
  for (let a = 0; a < n; a++) for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) {
    if (p === a || labels[p] !== labels[a] || labels[q] === labels[a]) continue;
    posPairs.add(`${Math.min(a, p)},${Math.max(a, p)}`);
    negPairs.add(`${Math.min(a, q)},${Math.max(a, q)}`);
  }
  if (posPairs.size === 0) return 0;
  const delta = 2 / nBins;
  const hist = (pairs: Set<string>): number[] => {
    const s = [...pairs].map((k) => {
      const [i, j] = k.split(',').map(Number);
      return dot(z[i!]!, z[j!]!);
    });
    return Array.from({ length: nBins + 1 }, (_, r) => s.reduce((acc, v) => acc + Math.max(0, 1 - Math.abs(v - (-1 + r * delta)) / delta), 0) / s.length);
  };
  const hPos = hist(posPairs);
  const hNeg = hist(negPairs);
  let phi = 0;
  let loss = 0;
  for (let r = 0; r <= nBins; r++) {
    phi += hPos[r]!;
    loss += hNeg[r]! * phi;
  }
  return loss;
}

/**
 * PML's instance loss: cross-entropy of the logits gamma * cos(x_i, x_j) (rows divided by
 * norm + 1e-6) against the rank of row i's label among the sorted distinct labels; the mean of
 * the non-zero losses (or of all of them with `reduce` 'mean').
 */
export function instanceRef(x: Matrix, labels: number[], gamma: number, reduce: 'mean' | 'nonZero' = 'nonZero'): number {
  const f = x.map((r) => {
    const nrm = Math.sqrt(r.reduce((s, v) => s + v * v, 0)) + 1e-6;
    return r.map((v) => v / nrm);
  });
  const distinct = [...new Set(labels)].sort((a, b) => a - b);
  const losses = f.map((fi, i) => {
    const logits = f.map((fj) => gamma * dot(fi, fj));
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((s, v) => s + Math.exp(v - m), 0));
    return lse - logits[distinct.indexOf(labels[i]!)]!;
  });
  const nz = reduce === 'mean' ? losses : losses.filter((v) => v > 0);
  return nz.length === 0 ? 0 : nz.reduce((s, v) => s + v, 0) / nz.length;
}

/**
 * A first-in-first-out memory of `size` rows by slot, as XBM keeps it: row k of the stream goes
 * to slot k mod size. Returns the slots' rows and labels (only the filled ones), and the slot of
 * each row of the last batch.
 */
export function fifoSlots(batches: Matrix[], labelBatches: number[][], size: number): { rows: Matrix; labels: number[]; lastSlots: number[] } {
  const rows: Matrix = [];
  const labels: number[] = [];
  let k = 0;
  let lastSlots: number[] = [];
  batches.forEach((b, bi) => {
    lastSlots = [];
    b.forEach((r, i) => {
      rows[k % size] = r;
      labels[k % size] = labelBatches[bi]![i]!;
      lastSlots.push(k % size);
      k++;
    });
  });
  return { rows, labels, lastSlots };
}

/**
 * XBM with a contrastive loss (posMargin 0, negMargin 1, L2 of normalised rows, each part the
 * mean of its non-zero terms, or of all its terms with `reduce` 'mean'): anchors are the batch rows, compared with every memory row except
 * their own copy (`selfSlots[i]`, or none).
 */
export function xbmContrastiveRef(
  batch: Matrix, batchLabels: number[], memory: Matrix, memoryLabels: number[], selfSlots: number[] | null, reduce: 'mean' | 'nonZero' = 'nonZero',
): number {
  const zb = unit(batch);
  const zm = unit(memory);
  const pos: number[] = [];
  const neg: number[] = [];
  zb.forEach((a, i) => zm.forEach((m, j) => {
    const d = Math.sqrt(sqDist(a, m));
    if (batchLabels[i] === memoryLabels[j]) {
      if (selfSlots === null || selfSlots[i] !== j) pos.push(Math.max(0, d));
    } else {
      neg.push(Math.max(0, 1 - d));
    }
  }));
  const mnz = (v: number[]): number => {
    const nz = reduce === 'mean' ? v : v.filter((t) => t > 0);
    return nz.length === 0 ? 0 : nz.reduce((s, t) => s + t, 0) / nz.length;
  };
  // ContrastiveLoss gives a zero loss when at most one pair of each kind exists.
  if (pos.length <= 1 && neg.length <= 1) return 0;
  return mnz(pos) + mnz(neg);
}

/**
 * XBM with batch-hard mining and a triplet margin loss (L2 of normalised rows, the mean of the
 * non-zero terms): for each batch row, the farthest memory positive other than its own copy and
 * the closest memory negative.
 */
export function xbmBatchHardRef(batch: Matrix, batchLabels: number[], memory: Matrix, memoryLabels: number[], selfSlots: number[], margin: number): number {
  const zb = unit(batch);
  const zm = unit(memory);
  const terms: number[] = [];
  zb.forEach((a, i) => {
    let hardPos = -Infinity;
    let hardNeg = Infinity;
    zm.forEach((m, j) => {
      const d = Math.sqrt(sqDist(a, m));
      if (batchLabels[i] === memoryLabels[j]) {
        if (j !== selfSlots[i]) hardPos = Math.max(hardPos, d);
      } else {
        hardNeg = Math.min(hardNeg, d);
      }
    });
    if (hardPos > -Infinity && hardNeg < Infinity) terms.push(Math.max(0, hardPos - hardNeg + margin));
  });
  const nz = terms.filter((v) => v > 0);
  return nz.length === 0 ? 0 : nz.reduce((s, v) => s + v, 0) / nz.length;
}
