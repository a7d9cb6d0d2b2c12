// Multi-tensor ops (`torch._foreach_*`): one call updates a whole list of tensors, as PyTorch's
// optimizers do with `foreach=True`. Imported as `foreach` (`foreach.add_(params, updates, -lr)`).
import { checkNumber } from './check.js';
import { checkTensor, run, runInPlace, type Tensor } from './tensor.js';

/** Throws unless `xs` is an array of tensors (and, with `like`, as long as it). */
function list(op: string, arg: string, xs: readonly Tensor[], like?: readonly Tensor[]): readonly Tensor[] {
  if (!Array.isArray(xs)) throw new TypeError(`foreach.${op}: ${arg} must be an array of Tensors, got ${typeof xs}`);
  xs.forEach((x, i) => checkTensor(`foreach.${op}`, `${arg}[${i}]`, x));
  if (like && xs.length !== like.length) {
    throw new RangeError(`foreach.${op}: ${arg} has ${xs.length} tensors, tensors has ${like.length}`);
  }
  return xs;
}

/** -x for every tensor (`torch._foreach_neg`): new tensors. */
export function neg(tensors: readonly Tensor[]): Tensor[] {
  return run('_foreach_neg', list('neg', 'tensors', tensors));
}

/** tensors[i] + alpha * others[i] (`torch._foreach_add`): new tensors. */
export function add(tensors: readonly Tensor[], others: readonly Tensor[], alpha = 1): Tensor[] {
  return run('_foreach_add.List', list('add', 'tensors', tensors), list('add', 'others', others, tensors), checkNumber('foreach.add', 'alpha', alpha));
}

/** tensors[i] += alpha * others[i] in place (`torch._foreach_add_`); returns `tensors`. */
export function add_(tensors: readonly Tensor[], others: readonly Tensor[], alpha = 1): readonly Tensor[] {
  list('add_', 'tensors', tensors);
  return runInPlace(tensors, '_foreach_add_.List', list('add_', 'others', others, tensors), checkNumber('foreach.add_', 'alpha', alpha));
}

/** tensors[i] *= scalar in place (`torch._foreach_mul_`); returns `tensors`. */
export function mul_(tensors: readonly Tensor[], scalar: number): readonly Tensor[] {
  list('mul_', 'tensors', tensors);
  return runInPlace(tensors, '_foreach_mul_.Scalar', checkNumber('foreach.mul_', 'scalar', scalar));
}
