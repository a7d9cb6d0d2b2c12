// Data-parallel runs: the other ranks wait while rank 0 runs its epoch-end callbacks, and lend it
// their cores meanwhile.
import type { Distributed } from '../../distributed/index.js';
import { getNumThreads, setNumThreads } from '../../tensor/index.js';
import type { Callback, LoopState } from '../loop.js';

/**
 * The first and the last callback of every rank of a distributed run. Rank 0 alone monitors, logs,
 * checkpoints and evaluates; the others wait for it in the store (whose wait outlasts a
 * collective's timeout), not in the next step's collective, which would time out. While they
 * wait (and after their last epoch, when they have exited), rank 0 uses the threads of every
 * worker on its machine (`localWorldSize`).
 */
export function rankSync(dist: Distributed): { first: Callback<LoopState>; last: Callback<LoopState> } {
  const own = getNumThreads();
  const lend = (): void => {
    if (dist.isMain && dist.localWorldSize > 1) setNumThreads(own * dist.localWorldSize);
  };
  return {
    first: { name: 'rank-sync', onEpochEnd: lend, onTrainEnd: lend },
    last: {
      name: 'rank-sync',
      async onEpochEnd(_s, m) {
        await dist.share(`epoch-end/${m.epoch}`, () => '1');
        setNumThreads(own);
      },
    },
  };
}
