// The kNN monitor: after every epoch, the weighted kNN top-1 of the test split against the train split.
import { disposeSplits, weightedKnn } from '../../eval/index.js';
import { embedRun } from '../../run/index.js';
import type { TrainContext } from '../context.js';
import type { Callback } from '../loop.js';

/**
 * The kNN monitor (lightly's and solo-learn's online metric): after each epoch, the backbone
 * embeds both labelled splits and the weighted kNN (the run's k and T; InstDisc's protocol)
 * scores the test split against the train split into the epoch's `knn_top1`, the evaluation's
 * protocol. The last epoch's features are kept in `s.features` for the final evaluation and the
 * report (the weights have not changed since), so they are not embedded twice. Unlabelled data:
 * no monitor.
 */
export function knnMonitor(): Callback<TrainContext> {
  return {
    name: 'knn-monitor',
    async onEpochEnd(s, m) {
      const { train, test } = s.run.splits;
      if (!train.labels || !test?.labels) return;
      const e = await embedRun(s.run);
      const last = m.epoch === s.epochs;
      if (last) s.features = e;
      try {
        m.knn_top1 = weightedKnn(e.train, e.test, { k: s.config.knnK, temperature: s.config.knnTemperature }).top1;
      } finally {
        if (!last) disposeSplits(e);
      }
    },
  };
}
