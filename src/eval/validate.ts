// Input checks for the evaluation functions: each failure names the function and the argument.
// Embeddings are checked by the losses' `checkEmbeddings` with `finite: true`: evaluation runs
// once per epoch, so it can afford the host sync that tells a diverged run from a bad metric.
import { Tensor } from '../tensor/index.js';
import { checkEmbeddings } from '../losses/validate.js';

/** Embeddings (N, D) with their integer labels (N): one split of a data set. */
export interface LabelledEmbeddings {
  /** (N, D) floating-point features. */
  embeddings: Tensor;
  /** (N) integer class labels. */
  labels: Tensor;
}

const INTEGER = new Set(['int64', 'int32', 'int16', 'int8', 'uint8']);

/** Throws unless `y` is an integer tensor of shape (n). */
export function checkLabels(who: string, name: string, y: unknown, n: number): asserts y is Tensor {
  if (!(y instanceof Tensor)) throw new TypeError(`${who}: ${name} must be an integer Tensor (N), got ${y === null ? 'null' : typeof y}`);
  if (y.ndim !== 1) throw new RangeError(`${who}: ${name} must be 1-d (N), got shape [${y.shape.join(', ')}]`);
  if (!INTEGER.has(y.dtype)) throw new TypeError(`${who}: ${name} must hold integers (int64), got ${y.dtype}`);
  if (y.shape[0] !== n) throw new RangeError(`${who}: ${name} has ${y.shape[0]} entries for ${n} embeddings`);
}

/** Checks a split (`{ embeddings, labels }`) and returns it. */
export function checkSplit(who: string, name: string, s: unknown): LabelledEmbeddings {
  if (typeof s !== 'object' || s === null) throw new TypeError(`${who}: ${name} must be { embeddings, labels }`);
  const { embeddings, labels } = s as Partial<LabelledEmbeddings>;
  checkEmbeddings(who, `${name}.embeddings`, embeddings, { finite: true });
  checkLabels(who, `${name}.labels`, labels, embeddings.shape[0]!);
  return { embeddings, labels };
}

/** Throws unless both matrices have the same feature dimension and device. */
export function checkCompatible(who: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
  if (a.shape[1] !== b.shape[1]) {
    throw new RangeError(`${who}: ${aName} has ${a.shape[1]} features but ${bName} has ${b.shape[1]}`);
  }
  if (a.device !== b.device) throw new RangeError(`${who}: ${aName} is on ${a.device} but ${bName} is on ${b.device}`);
}

/** Throws unless `x` is an integer >= `min`. */
export function checkInteger(who: string, name: string, x: unknown, min: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) {
    throw new RangeError(`${who}: ${name} must be an integer >= ${min}, got ${String(x)}`);
  }
  return x;
}

/** Throws unless `x` is a finite number > 0 (or >= 0 with `allowZero`). */
export function checkPositive(who: string, name: string, x: unknown, allowZero = false): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || (!allowZero && x === 0)) {
    throw new RangeError(`${who}: ${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${String(x)}`);
  }
  return x;
}

/** Options and embeddings checks are the losses' (embeddings with `{ finite: true }` here). */
export { checkEmbeddings, checkOptions } from '../losses/validate.js';

/** The labels as JS numbers (int64 values beyond 2^53 are not expected for class labels). */
export function labelValues(y: Tensor): number[] {
  return Array.from(y.data() as ArrayLike<number | bigint>, (v) => Number(v));
}
