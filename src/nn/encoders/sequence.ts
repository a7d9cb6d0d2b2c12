// What the sequence encoders share: checking a batch of sequences, masking the padding, and
// pooling the valid steps into one vector per sequence.
import { arange, isFloating, type Tensor, scope } from '../../tensor/index.js';

/** How a sequence encoder reduces its per-step features to one vector (PyTorch-style names). */
export type Pooling = 'last' | 'mean' | 'max';

/** The poolings, in the order options list them. */
export const POOLINGS: readonly Pooling[] = ['last', 'mean', 'max'];

/** Throws unless `p` is a pooling; names the encoder and the option. */
export function checkPooling(encoder: string, p: unknown): Pooling {
  if (!POOLINGS.includes(p as Pooling)) throw new TypeError(`${encoder}: pooling must be ${POOLINGS.map((x) => `'${x}'`).join(', ')}, got ${String(p)}`);
  return p as Pooling;
}

/** Throws unless `p` is a probability in [0, 1); names the encoder and the option. */
export function checkDropout(encoder: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new RangeError(`${encoder}: dropout must be a number in [0, 1), got ${String(p)}`);
  return p;
}

/** A checked batch of sequences: its sizes, and its lengths unless every sequence has all T steps. */
export interface SequenceBatch {
  n: number;
  t: number;
  /** (N) int64 on the input's device; null when every sequence has all T steps (nothing to mask). */
  lengths: Tensor | null;
}

/**
 * Checks `x` (N, T, inputSize) floating and `lengths` (null, or (N) int64 on x's device with
 * values in 1..T), with errors naming the encoder, the argument and the shape or value. Reads
 * the lengths back (N numbers) to tell a batch of full sequences, which needs no masking.
 */
export function checkSequences(encoder: string, inputSize: number, x: Tensor, lengths: Tensor | null | undefined): SequenceBatch {
  if (x.ndim !== 3 || x.shape[2] !== inputSize) {
    throw new Error(`${encoder}: x must be a batch of sequences (N, T, ${inputSize}), got shape [${x.shape.join(', ')}]`);
  }
  if (!isFloating(x.dtype)) throw new TypeError(`${encoder}: x must be floating, got ${x.dtype}`);
  const [n, t] = x.shape as [number, number];
  if (n === 0 || t === 0) throw new Error(`${encoder}: x must hold at least one step of one sequence, got shape [${x.shape.join(', ')}]`);
  if (lengths == null) return { n, t, lengths: null };
  if (lengths.ndim !== 1 || lengths.shape[0] !== n || lengths.dtype !== 'int64') {
    throw new TypeError(`${encoder}: lengths must be (${n}) int64, one per sequence of x [${x.shape.join(', ')}], got shape [${lengths.shape.join(', ')}] ${lengths.dtype}`);
  }
  if (lengths.device !== x.device) throw new TypeError(`${encoder}: lengths must be on x's device (${x.device}), got ${lengths.device}`);
  const values = scope(() => lengths.cpu().data()) as BigInt64Array;
  let full = true;
  for (let i = 0; i < n; i++) {
    const l = Number(values[i]);
    if (l < 1 || l > t) throw new RangeError(`${encoder}: lengths[${i}] must be in 1..${t} (the steps of x [${x.shape.join(', ')}]), got ${l}`);
    if (l !== t) full = false;
  }
  return { n, t, lengths: full ? null : lengths };
}

/** (N, T) bool: whether step t is inside sequence n (t < lengths[n]). */
export function stepMask(lengths: Tensor, t: number): Tensor {
  return scope(() => arange(0, t, 1, { dtype: 'int64', device: lengths.device }).unsqueeze(0).lt(lengths.unsqueeze(1)));
}

/**
 * One vector per sequence from per-step features `steps` (N, T, D), zero past each end:
 * 'last' the last valid step's, 'mean' the mean and 'max' the maximum over the valid steps.
 */
export function poolSteps(steps: Tensor, lengths: Tensor | null, pooling: Pooling): Tensor {
  const [n, t, d] = steps.shape as [number, number, number];
  return scope(() => {
    switch (pooling) {
      case 'last':
        if (!lengths) return steps.select(1, t - 1); // (N, D)
        return steps.gather(1, lengths.sub(1).view([n, 1, 1]).expand([n, 1, d])).squeeze(1); // (N, D)
      case 'mean':
        if (!lengths) return steps.mean(1);
        return steps.sum(1).div(lengths.unsqueeze(1).to(steps.dtype)); // (N, D): the padding adds zeros
      case 'max':
        if (!lengths) return steps.amax(1);
        return steps.maskedFill(stepMask(lengths, t).logicalNot().unsqueeze(2), -Infinity).amax(1); // (N, D)
    }
  });
}
