// ATen ops the Tensor class does not name yet, called through `run` (see the report: engine gaps).
import { run, type Tensor } from '../tensor/index.js';

/** Largest value along `dim`, keeping the dim (`torch.amax(x, dim, keepdim=True)`). */
export function amax(x: Tensor, dim: number): Tensor {
  return run('amax', x, [dim], true);
}

/** Smallest value along `dim`, keeping the dim (`torch.amin(x, dim, keepdim=True)`). */
export function amin(x: Tensor, dim: number): Tensor {
  return run('amin', x, [dim], true);
}

/** C-style remainder, sign of the dividend (`torch.fmod`). */
export function fmod(x: Tensor, d: number): Tensor {
  return run('fmod.Scalar', x, d);
}

/** Python-style remainder, sign of the divisor (`torch.remainder`, Python's `%`). */
export function remainder(x: Tensor, d: number): Tensor {
  return run('remainder.Scalar', x, d);
}

/** Writes `src` into rows `index` of `self` in place (`self.index_copy_(dim, index, src)`). */
export function indexCopy_(self: Tensor, dim: number, index: Tensor, src: Tensor): void {
  run<Tensor>('index_copy_', self, dim, index, src).dispose();
}

/**
 * Runs the in-place ATen op `name` (e.g. 'floor_') on `self` and returns `self`. Used on
 * intermediates a function owns: every fresh (N, C, H, W) tensor costs an allocation, and on
 * glibc a large one costs page faults too (see the report), so chains reuse their buffers.
 */
export function inPlace(self: Tensor, name: string, ...args: unknown[]): Tensor {
  run<Tensor>(name, self, ...args).dispose();
  return self;
}

/** `out = where(condition, a, out)` written into `out` (`torch.where(..., out=out)`). */
export function whereInto(condition: Tensor, a: Tensor, out: Tensor): Tensor {
  run<Tensor>('where.self_out', condition, a, out, out).dispose();
  return out;
}
