// The library's training step: what the trainer runs per batch, and what `bench step` times.
import type { Method } from '../methods/index.js';
import type { Optimizer } from '../optim/index.js';
import { autocast, type Tensor } from '../tensor/index.js';

/**
 * One optimisation step of `method` on a batch's `views` (and `labels`, for supervised methods;
 * `lengths`, for padded sequences): the forward pass (under bf16 autocast on `autocast`'s device
 * when given), backward, the
 * optimizer's step, gradients cleared (set to none, as PyTorch 2's default) and the method's
 * `afterStep` (EMA targets, queues). `beforeBackward` runs between forward and backward
 * (`DataParallel.beforeBackward`). Returns the loss, in the caller's scope; nothing here reads
 * it back from the device.
 */
export function trainStep(
  method: Method, views: Tensor[], labels: Tensor | null, optimizer: Optimizer<{ lr: number }>,
  o: { autocast?: 'cpu' | 'cuda' | null; lengths?: Tensor | null; beforeBackward?: (loss: Tensor) => void } = {},
): Tensor {
  const forward = (): Tensor => method.forward(views, labels, o.lengths ?? null);
  const loss = o.autocast ? autocast(o.autocast, forward) : forward();
  o.beforeBackward?.(loss); // data parallelism arms its gradient all-reduce
  loss.backward();
  optimizer.step();
  optimizer.zeroGrad();
  method.afterStep();
  return loss;
}
