// Stopping on request (SIGINT): the current step finishes, then a checkpoint is written.
import type { Callback, LoopState } from '../loop.js';

/** Asks the loop to stop once `signal` is aborted (the step in flight completes; the checkpoint callback saves the position). */
export function interruptCallback(signal: AbortSignal): Callback<LoopState> {
  return {
    name: 'interrupt',
    onStepEnd(s) {
      if (signal.aborted) s.requestStop();
    },
  };
}
