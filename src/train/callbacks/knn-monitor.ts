// The kNN monitor: after every epoch, the weighted kNN top-1 of the test split against the train split.
import { disposeSplits, retrievalMetrics, weightedKnn } from '../../eval/index.js';
import { embedRun } from '../../run/index.js';
import type { TrainContext } from '../context.js';
import type { Callback } from '../loop.js';

/**
 * The kNN monitor (lightly's and solo-learn's online metric): after each epoch, the backbone
 * embeds both labelled splits and the weighted kNN (the run's k and T; InstDisc's protocol)
 * scores the test split against the train split into the epoch's `knn_top1`, the evaluation's
 * protocol. Methods that learn from labels (supcon, metric) also get the test split's retrieval
 * precision@1 and MAP@R (pytorch-metric-learning's testers: the test split queried against
 * itself), `precision_at_1` and `map_at_r`. The last epoch's features are kept in `s.features` for the final evaluation and the
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
        if (s.run.method.needsLabels) {
          const r = retrievalMetrics(e.test, undefined, { k: 'maxBinCount' }); // P@1 and MAP@R need only the first R neighbours
          m.precision_at_1 = r.precisionAt1;
          m.map_at_r = r.mapAtR;
        }
      } finally {
        if (!last) disposeSplits(e);
      }
    },
  };
}
