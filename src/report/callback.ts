// The report as a training callback: report.html from the live run, when it completes.
import type { EmbeddedSplits } from '../eval/index.js';
import type { LoadedRun, TrainConfig } from '../run/index.js';
import { type ReportOptions, writeReport } from './write.js';

/** What the report callback reads of the trainer's context (a `TrainContext` is one). */
export interface ReportCallbackContext {
  readonly status: string;
  readonly config: TrainConfig;
  readonly run: LoadedRun;
  readonly features: EmbeddedSplits | null;
  log(line: string): void;
}

/**
 * A `train` callback that writes `report.html` when the run completes (`train(config, {
 * callbacks: [reportCallback()] })`; `contrastive train` adds it): from the trained method and
 * data in memory and the final evaluation's features, so nothing is embedded twice. A failed
 * report is logged with the command that retries it, and leaves the finished run intact.
 */
export function reportCallback(o: Omit<ReportOptions, 'run' | 'features' | 'log'> = {}) {
  return {
    name: 'report',
    async onTrainEnd(s: ReportCallbackContext): Promise<void> {
      if (s.status !== 'completed') return;
      try {
        const features = s.features && { train: s.features.train.embeddings, test: s.features.test.embeddings };
        await writeReport(s.config.out, { ...o, run: s.run, features, log: (line) => s.log(line) });
      } catch (e) {
        s.log(`report.html not written: ${(e as Error).message} (retry with: contrastive report --run ${s.config.out})`);
      }
    },
  };
}
