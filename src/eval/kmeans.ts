// k-means clustering on the engine: k-means++ seeding, then Lloyd iterations with batched
// distances.
import { cat, noGrad, scope, type Tensor, tensor, where, zeros } from '../tensor/index.js';
import { searchDtype } from './search.js';
import { checkEmbeddings, checkInteger, checkOptions } from './validate.js';

export interface KMeansOptions {
  /** Seed of the k-means++ sampling (default 0); the global generator is not touched. */
  seed?: number;
  /** Most Lloyd iterations (default 100); it stops earlier once no assignment changes. */
  maxIter?: number;
  /** Points per block of the (points x k) distance computation (default 8192). */
  chunk?: number;
  /** Initial centroids (k, D) instead of k-means++ (scikit-learn's `init` array). */
  init?: Tensor;
}

export interface KMeansResult {
  /** (N) int64: the cluster of each point, in [0, k). */
  assignments: Tensor;
  /** (k, D) cluster means. */
  centroids: Tensor;
  /** Sum of squared distances of the points to their centroids (the k-means objective). */
  inertia: number;
  /** The objective after each assignment step, first the k-means++ seeding's: non-increasing. */
  inertiaHistory: number[];
  /** Lloyd iterations run (update steps). */
  iterations: number;
  /** Whether the last iteration changed no assignment. */
  converged: boolean;
}

/** Mulberry32: a small seeded generator of uniform numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ||x_i - c||^2 for every row of x (N, D): (N) float64 in JS. */
function squaredDistancesTo(x: Tensor, c: Tensor): Float64Array {
  return scope(() => x.sub(c.unsqueeze(0)).square().sum(1).to('float64').data() as Float64Array);
}

/**
 * k-means++ seeding (Arthur & Vassilvitskii 2007): the first centre uniformly at random, each next
 * one a point drawn with probability proportional to its squared distance to the nearest centre
 * chosen so far. Returns the chosen row indices.
 */
function seedPlusPlus(x: Tensor, k: number, random: () => number): number[] {
  const n = x.shape[0]!;
  const centres = [Math.floor(random() * n)];
  const nearest = squaredDistancesTo(x, x.select(0, centres[0]!));
  while (centres.length < k) {
    let total = 0;
    for (let i = 0; i < n; i++) total += nearest[i]!;
    let next = n - 1;
    if (total > 0) {
      let u = random() * total;
      for (let i = 0; i < n; i++) {
        u -= nearest[i]!;
        if (u < 0 && nearest[i]! > 0) {
          next = i;
          break;
        }
      }
    } else {
      next = Math.floor(random() * n); // every point sits on a centre already (duplicates)
    }
    centres.push(next);
    const d = squaredDistancesTo(x, x.select(0, next));
    for (let i = 0; i < n; i++) if (d[i]! < nearest[i]!) nearest[i] = d[i]!;
  }
  return centres;
}

/** Nearest centroid of each point (ties: the lowest index) and its squared distance. */
function assign(x: Tensor, centroids: Tensor, chunk: number): { assignments: Tensor; distances: Tensor } {
  return scope(() => {
    const n = x.shape[0]!;
    const cNormSq = centroids.square().sum(1).unsqueeze(0); // (1, k)
    const parts: Tensor[] = [];
    for (let i = 0; i < n; i += chunk) {
      parts.push(scope(() => {
        const xb = x.narrow(0, i, Math.min(chunk, n - i)); // (B, D)
        // argmin ||x - c||^2 = argmax 2 x.c - ||c||^2
        return xb.mm(centroids.t()).mul(2).sub(cNormSq).argmax(1); // (B)
      }));
    }
    const assignments = cat(parts, 0); // (N)
    const distances = x.sub(centroids.indexSelect(0, assignments)).square().sum(1); // (N), exact
    return { assignments, distances };
  });
}

/**
 * The update step: each centroid becomes the mean of its points. A cluster left empty takes the
 * point farthest from its centroid among clusters of two or more points (as scikit-learn
 * relocates empty clusters), which lowers the objective; with no such point it keeps its centre.
 */
function update(x: Tensor, assignments: Tensor, distances: Tensor, centroids: Tensor): Tensor {
  return scope(() => {
    const k = centroids.shape[0]!;
    let a = assignments;
    const counts = Array.from(a.bincount(null, k).data() as BigInt64Array, Number);
    const empty = counts.flatMap((c, j) => (c === 0 ? [j] : []));
    if (empty.length > 0) {
      const assigned = Array.from(a.data() as BigInt64Array, Number);
      const dist = distances.to('float64').data() as Float64Array;
      const order = Array.from(dist.keys()).sort((p, q) => dist[q]! - dist[p]! || p - q);
      let next = 0;
      for (const j of empty) {
        while (next < order.length && (dist[order[next]!]! <= 0 || counts[assigned[order[next]!]!]! < 2)) next++;
        if (next === order.length) break;
        const p = order[next++]!;
        counts[assigned[p]!]!--;
        assigned[p] = j;
        counts[j] = 1;
      }
      a = tensor(BigInt64Array.from(assigned, BigInt), { device: x.device });
    }
    const sums = zeros(centroids.shape, { dtype: x.dtype, device: x.device }).indexAdd(0, a, x); // (k, D)
    const n = tensor(Float64Array.from(counts), { device: x.device }).to(x.dtype).unsqueeze(1); // (k, 1)
    return where(n.gt(0), sums.div(n.clampMin(1)), centroids); // (k, D)
  });
}

/**
 * k-means (Lloyd 1982) with k-means++ seeding (Arthur & Vassilvitskii 2007), seeded with its own
 * generator (`seed`), on the engine: the (points x k) distances run in blocks of `chunk` points.
 * Iterates until no assignment changes or `maxIter`. The objective (`inertia`, the sum of squared
 * distances to the assigned centroid) never increases from one assignment step to the next.
 */
export function kmeans(x: Tensor, k: number, o?: KMeansOptions): KMeansResult {
  const who = 'kmeans';
  const opts = checkOptions(who, o, ['seed', 'maxIter', 'chunk', 'init']);
  checkEmbeddings(who, 'x', x, { finite: true });
  checkInteger(who, 'k', k, 1);
  const n = x.shape[0]!;
  if (k > n) throw new RangeError(`${who}: k (${k}) exceeds the number of points (${n})`);
  const seed = checkInteger(who, 'seed', opts.seed ?? 0, 0);
  const maxIter = checkInteger(who, 'maxIter', opts.maxIter ?? 100, 0);
  const chunk = checkInteger(who, 'chunk', opts.chunk ?? 8192, 1);
  if (opts.init !== undefined) {
    checkEmbeddings(who, 'init', opts.init, { finite: true });
    if (opts.init.shape[0] !== k || opts.init.shape[1] !== x.shape[1]) {
      throw new RangeError(`${who}: init must be (k, D) = [${k}, ${x.shape[1]}], got [${opts.init.shape.join(', ')}]`);
    }
  }
  return noGrad(() => scope(() => {
    const xs = searchDtype(x);
    let centroids = opts.init
      ? opts.init.to({ dtype: xs.dtype, device: xs.device }).clone()
      : xs.indexSelect(0, tensor(seedPlusPlus(xs, k, mulberry32(seed)), { dtype: 'int64', device: xs.device })); // (k, D)
    let current = assign(xs, centroids, chunk);
    const history = [current.distances.to('float64').sum().item()];
    let iterations = 0;
    let converged = false;
    while (iterations < maxIter && !converged) {
      const prev = current;
      const prevCentroids = centroids;
      centroids = update(xs, prev.assignments, prev.distances, prevCentroids);
      current = assign(xs, centroids, chunk);
      history.push(current.distances.to('float64').sum().item());
      iterations++;
      converged = scope(() => current.assignments.eq(prev.assignments).all().item()) !== 0;
      for (const t of [prev.assignments, prev.distances, prevCentroids]) t.dispose();
    }
    return {
      assignments: current.assignments,
      centroids,
      inertia: history[history.length - 1]!,
      inertiaHistory: history,
      iterations,
      converged,
    };
  }));
}
