// The report of a fine-tuning run (DIR/report.html): the pre-training report's page with the
// classifier's training curves and test top-1, its confusion matrix, per-class accuracy and most
// confident mistakes, and a UMAP map of the fine-tuned backbone's features of the test split.
import { join } from 'node:path';
import { inputKind, type InputKind } from '../data/index.js';
import { classifierLogits, embedOptions, loadFinetuneRun, readFinetuneConfig, type FinetuneConfig, type LoadedFinetuneRun } from '../run/index.js';
import type { Tensor } from '../tensor/index.js';
import { classificationSection, type ClassificationSection } from './classification.js';
import { ReportError } from './data.js';
import type { EmbeddingMap, ReportModel } from './html.js';
import { embeddingMap, features, mapSample, startReport, timed, withNetwork, writeModel, type ReportContext, type ReportResult } from './write.js';

/** Options of `writeFinetuneReport` / `buildFinetuneReport`. */
export interface FinetuneReportOptions {
  /**
   * The run, already opened (the fine-tuning trainer passes its own classifier and datasets):
   * used as is and not disposed. Without it the report opens the run with `loadFinetuneRun(dir)`
   * and disposes it after.
   */
  run?: LoadedFinetuneRun;
  /** The classifier's logits (N, K) float32 of the run's test split, which the caller already has: used instead of computing them, and not disposed. */
  logits?: Tensor | null;
  /** Where to write (default DIR/report.html). */
  file?: string;
  /** Test items on the embedding map, evenly spaced (default 2000). */
  mapPoints?: number;
  /** Misclassified test items shown (default 24). */
  misclassified?: number;
  /** Seed of the UMAP layout (default: the run's seed). */
  seed?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** The parts of a fine-tuning report that need the classifier. */
interface ClassifierSections {
  input: InputKind | null;
  classes: readonly string[];
  map: EmbeddingMap | null;
  classification: ClassificationSection | null;
}

/** The classification section of the test split, from `o.logits` or the classifier's (computed here and freed). */
async function testClassification(run: LoadedFinetuneRun, o: FinetuneReportOptions, cx: ReportContext): Promise<ClassificationSection> {
  const { test } = run.splits;
  if (!test.labels) throw new ReportError(`report: the test split of ${run.config.data} has no labels: a classifier cannot be scored on it`);
  const logits = o.logits ?? await timed(cx.timings, 'embed', () => classifierLogits(run, test)); // (N, K), as the trainer scores them
  try {
    return await timed(cx.timings, 'classification', () => classificationSection(logits, test.labels!, test, { misclassified: o.misclassified }));
  } finally {
    if (!o.logits) logits.dispose();
  }
}

/** The classification section and the map of the backbone's test features. Every tensor made here is freed before it returns. */
async function classifierSections(run: LoadedFinetuneRun, o: FinetuneReportOptions, cx: ReportContext): Promise<ClassifierSections> {
  const { test } = run.splits;
  const classification = await testClassification(run, o, cx);
  const { picks, sub, labels } = mapSample(test, o.mapPoints ?? 2000, true);
  const x = await timed(cx.timings, 'embed', () => features(run.classifier.backbone, sub, embedOptions(run.config), 'test')); // (P, D)
  try {
    const map = await embeddingMap(test, 'test', picks, x, labels, cx);
    return { input: inputKind(test.sampleShape), classes: classification.classes, map, classification };
  } finally {
    x.dispose();
  }
}

/** The header's line: what was fine-tuned from what, on which labels, how and where. */
function finetuneSubtitle(c: FinetuneConfig, evaluation: Record<string, unknown> | null, dir: string): string {
  const start = c.init === 'run' ? `from ${c.from}` : `init ${c.init}`;
  const budget = c.labelsPerClass !== null ? `${c.labelsPerClass} labels per class`
    : c.labelsFraction !== null ? `${Number((c.labelsFraction * 100).toPrecision(3))}% of the labels` : 'all labels';
  const used = typeof evaluation?.labels === 'number' ? ` (${evaluation.labels})` : '';
  return `finetune ${start} · ${c.encoder} + ${c.head} head · ${c.data} · ${budget}${used} · batch ${c.batchSize} · ${c.device} · seed ${c.seed} · run folder ${dir}`;
}

/**
 * Builds the report model of the fine-tuning run folder `dir`: config, metrics (with each
 * epoch's `test_top1`) and eval.json from its files, and (when a checkpoint exists, or `o.run`
 * is given) the classification section (confusion matrix, per-class accuracy, the most
 * confident mistakes) of the test split and a UMAP map of the backbone's features of it.
 * Sections a fine-tuning run does not have (neighbour galleries, augmented views) are left out.
 * A folder that is not a fine-tuning run, or one with neither metrics nor a checkpoint, is a ReportError.
 */
export async function buildFinetuneReport(dir: string, o: FinetuneReportOptions = {}): Promise<{ model: ReportModel; timings: Record<string, number> }> {
  const start = startReport(dir, readFinetuneConfig, { opened: !!o.run, seed: o.seed });
  const sections = await withNetwork(start, {
    given: o.run, open: (d) => loadFinetuneRun(d), close: (run) => run.classifier.dispose(), build: (run) => classifierSections(run, o, start.cx), sections: ['classification', 'map'],
  }) ?? { input: null, classes: [], map: null, classification: null };
  const model: ReportModel = {
    ...start.base,
    kind: 'finetune',
    subtitle: finetuneSubtitle(start.files.config, start.files.evaluation, dir),
    galleries: null,
    views: null,
    ...sections,
  };
  return { model, timings: start.cx.timings };
}

/**
 * Writes the HTML report of the fine-tuning run folder `dir` (default `DIR/report.html`,
 * atomically) and logs a line with its size and phases: the page of `writeReport` with the
 * classifier's loss, learning rate and test top-1 per epoch, eval.json's scalar metrics, the
 * confusion matrix and per-class accuracy of the test split, its most confident mistakes, and
 * the embedding map of the backbone. See `buildFinetuneReport` for what it needs of the run.
 */
export async function writeFinetuneReport(dir: string, o: FinetuneReportOptions = {}): Promise<ReportResult> {
  return writeModel(() => buildFinetuneReport(dir, o), { file: o.file ?? join(dir, 'report.html'), log: o.log });
}
