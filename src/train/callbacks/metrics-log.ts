// metrics.jsonl: one JSON line per finished epoch.
import { appendFileSync, writeFileSync } from 'node:fs';
import type { Callback, LoopState } from '../loop.js';

/**
 * Keeps `metrics.jsonl` to the run's history: at the start it holds the epochs done before (a
 * resume drops those past the checkpoint), then each epoch's line is appended as it ends.
 */
export function metricsLog(): Callback<LoopState & { readonly paths: { readonly metrics: string } }> {
  return {
    name: 'metrics-log',
    onTrainStart(s) {
      writeFileSync(s.paths.metrics, s.history.map((m) => `${JSON.stringify(m)}\n`).join(''));
    },
    onEpochEnd(s, m) {
      appendFileSync(s.paths.metrics, `${JSON.stringify(m)}\n`);
    },
  };
}
