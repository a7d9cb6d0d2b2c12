// The base of the sequence augmentations: random draws apart from their effect, inputs checked once.
import { arange, rand, randn, scope, Tensor } from '../../tensor/index.js';
import { checkSequences } from '../check.js';
import type { Augmentation } from '../types.js';

/**
 * A batched augmentation of sequences (N, T, C) with their lengths (N) (null: all T steps), which
 * changes only each sequence's valid steps and keeps its length. Its random numbers are drawn
 * apart from their effect, as torchvision's `get_params` is apart from its functional op:
 * `draw(shape)` takes them from the engine's seeded CPU generator (the same `manualSeed` gives
 * the same views on every device, and a checkpoint's RNG state resumes them) and
 * `transform(x, lengths, draws)` applies them. Sample i's draws are row i of `draws`: (N, k)
 * per sample, or (N, T, ...) per step when `perStep`; its result depends only on its row, its
 * valid steps and its length, so a padded batch augments each sequence as it would alone.
 */
export abstract class SequenceAugmentation implements Augmentation {
  abstract get name(): string;
  /** Whether the draws have a time axis (dim 1: one draw per step, e.g. noise) rather than a row per sample. */
  abstract readonly perStep: boolean;
  /** Whether the draws are standard normal (else uniform on [0, 1)). */
  protected abstract readonly normal: boolean;
  /** The shape of the draws for a batch (N, T, C). */
  protected abstract drawShape(n: number, t: number, c: number): number[];
  /** The effect, on checked inputs: `steps` holds the lengths as numbers (all T when `lengths` is null). */
  protected abstract run(x: Tensor, lengths: Tensor | null, steps: Int32Array, draws: Tensor): Tensor;

  /** The draws for a batch of `shape` [N, T, C]: a float32 CPU tensor from `rand` or `randn`. */
  draw(shape: readonly number[]): Tensor {
    const [n, t, c] = shape as [number, number, number];
    const s = this.drawShape(n, t, c);
    return this.normal ? randn(s) : rand(s);
  }

  /** Draws and applies: (N, T, C) with lengths (N) or null -> (N, T, C), the same lengths. */
  apply(x: Tensor, lengths: Tensor | null = null): Tensor {
    const steps = checkSequences(this.constructor.name, x, lengths);
    return scope(() => this.run(x, lengths, steps, this.draw(x.shape)));
  }

  /** The effect of given draws (from `draw`, or rows of them), deterministic, as torchvision's functional ops. */
  transform(x: Tensor, lengths: Tensor | null, draws: Tensor): Tensor {
    const op = this.constructor.name;
    const steps = checkSequences(op, x, lengths);
    const want = this.drawShape(...(x.shape as [number, number, number]));
    if (!(draws instanceof Tensor) || draws.shape.join() !== want.join() || draws.device !== 'cpu' || draws.dtype !== 'float32') {
      const got = draws instanceof Tensor ? `a ${draws.dtype} ${draws.device} tensor of shape [${draws.shape.join(', ')}]` : String(draws);
      throw new TypeError(`${op}: draws must be a float32 CPU tensor of shape [${want.join(', ')}] (from draw), got ${got}`);
    }
    return scope(() => this.run(x, lengths, steps, draws));
  }
}

/** Where each sequence has a step: (N, T, 1) bool, step < length; null when every step is valid. */
export function validSteps(lengths: Tensor | null, t: number): Tensor | null {
  if (lengths === null) return null;
  return arange(0, t, 1, { dtype: 'int64', device: lengths.device }).unsqueeze(0).lt(lengths.to('int64').unsqueeze(1)).unsqueeze(2); // (N, T, 1)
}

/** Checks a positive finite number option. */
export function checkPositive(op: string, name: string, v: unknown, zeroOk = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!zeroOk && v === 0)) {
    throw new RangeError(`${op}: ${name} must be a finite number ${zeroOk ? '>= 0' : '> 0'}, got ${String(v)}`);
  }
  return v;
}

/** Checks a positive integer option. */
export function checkCount(op: string, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`${op}: ${name} must be a positive integer, got ${String(v)}`);
  return v as number;
}
