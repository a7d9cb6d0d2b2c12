// Stopping a diverged run: a non-finite loss ends training and keeps the last good checkpoint.
import { existsSync } from 'node:fs';
import type { Callback, LoopState } from '../loop.js';

/** The loss became NaN or infinite: the run stopped and the last good checkpoint is kept. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

/**
 * The non-finite guard: each loss read back (every step on the CPU; on CUDA every `lossEvery`
 * steps, summed on the device in between, so a NaN anywhere shows) is checked, and a NaN or an
 * infinity stops the run with a NonFiniteLossError. It runs before the checkpoint callback, which
 * therefore never saves the diverged weights: the last epoch's checkpoint stays as it was.
 */
export function nonFiniteGuard(): Callback<LoopState & { readonly paths: { readonly checkpoint: string } }> {
  return {
    name: 'non-finite-guard',
    onStepEnd(s) {
      if (!s.lossRead || Number.isFinite(s.loss)) return;
      const where = s.lossSteps === 1 ? `step ${s.step}` : `steps ${s.step - s.lossSteps + 1}-${s.step}`;
      const kept = existsSync(s.paths.checkpoint)
        ? `The last good checkpoint is kept at ${s.paths.checkpoint}.`
        : 'No checkpoint had been written yet.';
      throw new NonFiniteLossError(`the loss became ${s.loss} at epoch ${s.epoch + 1}, ${where}; training stopped. ${kept} Lower the learning rate, or try --bf16 false.`);
    },
  };
}
