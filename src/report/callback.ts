// The report as a training callback: report.html from the live run, when it completes (a
// pre-training run's with `reportCallback`, a fine-tuning run's with `finetuneReportCallback`).
import type { EmbeddedSplits } from '../eval/index.js';
import type { FinetuneConfig, LoadedFinetuneRun, LoadedRun, TrainConfig } from '../run/index.js';
import type { Tensor } from '../tensor/index.js';
import { type FinetuneReportOptions, writeFinetuneReport } from './finetune.js';
import { type ReportOptions, writeReport } from './write.js';

/** What the report callback reads of the trainer's context (a `TrainContext` is one). */
export interface ReportCallbackContext {
  readonly status: string;
  readonly config: TrainConfig;
  readonly run: LoadedRun;
  readonly features: EmbeddedSplits | null;
  log(line: string): void;
}

/** What the fine-tuning report callback reads of the fine-tuning trainer's context. */
export interface FinetuneReportCallbackContext {
  readonly status: string;
  readonly config: FinetuneConfig;
  readonly run: LoadedFinetuneRun;
  /** The classifier's logits (N, K) of the test split from the final evaluation, or null. */
  readonly testLogits: Tensor | null;
  log(line: string): void;
}

/** What every report callback reads: whether the run completed, where it is, and the log. */
interface EndContext {
  readonly status: string;
  readonly config: { readonly out: string };
  log(line: string): void;
}

/** A callback named 'report' whose `onTrainEnd` runs `write` when the run completes; a failure is logged with the command that retries it. */
function onCompletion<S extends EndContext>(write: (s: S) => Promise<unknown>) {
  return {
    name: 'report',
    async onTrainEnd(s: S): Promise<void> {
      if (s.status !== 'completed') return;
      try {
        await write(s);
      } catch (e) {
        s.log(`report.html not written: ${(e as Error).message} (retry with: contrastive report --run ${s.config.out})`);
      }
    },
  };
}

/**
 * A `train` callback that writes `report.html` when the run completes (`train(config, {
 * callbacks: [reportCallback()] })`; `contrastive train` adds it): from the trained method and
 * data in memory and the final evaluation's features, so nothing is embedded twice. A failed
 * report is logged with the command that retries it, and leaves the finished run intact.
 */
export function reportCallback(o: Omit<ReportOptions, 'run' | 'features' | 'log'> = {}) {
  return onCompletion<ReportCallbackContext>((s) => {
    const features = s.features && { train: s.features.train.embeddings, test: s.features.test.embeddings };
    return writeReport(s.config.out, { ...o, run: s.run, features, log: (line) => s.log(line) });
  });
}

/**
 * A fine-tuning callback that writes the run's `report.html` (`writeFinetuneReport`) when it
 * completes: from the classifier and data in memory and the test logits the trainer already has
 * (`testLogits`; computed when null). A failed report is logged with the command that retries
 * it (`contrastive report --run DIR`), and leaves the finished run intact.
 */
export function finetuneReportCallback(o: Omit<FinetuneReportOptions, 'run' | 'logits' | 'log'> = {}) {
  return onCompletion<FinetuneReportCallbackContext>((s) => writeFinetuneReport(s.config.out, { ...o, run: s.run, logits: s.testLogits, log: (line) => s.log(line) }));
}
