// The end-of-run evaluation: eval.json, the full protocol of `contrastive eval`.
import { evaluateRun, embedRun, writeJson } from '../../run/index.js';
import type { TrainContext } from '../context.js';
import type { Callback } from '../loop.js';

/**
 * When the run completes with labelled train and test splits: the run's full evaluation (kNN,
 * the linear probe when configured, retrieval metrics, NMI; `evaluateRun`) into `s.evaluation`
 * and `eval.json`, on the last epoch's features when the monitor kept them.
 */
export function evaluationCallback(): Callback<TrainContext> {
  return {
    name: 'evaluation',
    async onTrainEnd(s) {
      const { train, test } = s.run.splits;
      if (s.status !== 'completed' || !train.labels || !test?.labels) return;
      s.features ??= await embedRun(s.run);
      s.evaluation = await evaluateRun(s.run, s.features);
      writeJson(s.paths.evaluation, s.evaluation);
    },
  };
}
