// The classification section of a fine-tuning report: a classifier's predictions on a labelled
// split as a confusion matrix, per-class accuracy and its most confident mistakes.
import type { Dataset } from '../data/index.js';
import { classAccuracies, confusionMatrix } from '../eval/index.js';
import { isFloating, scope, Tensor } from '../tensor/index.js';
import { previews, type Preview } from './items.js';
import type { SeriesFigure } from './series.js';

/** A misclassified item: its preview, where it is in the split, its true and predicted classes and the classifier's confidence. */
export type Misclassified = Preview & {
  /** Index of the item in its split. */
  index: number;
  /** True class. */
  label: number;
  /** Predicted class (argmax of the logits). */
  predicted: number;
  /** Softmax probability of the predicted class. */
  confidence: number;
};

/** One class's share of the predictions. */
export interface ClassAccuracy {
  class: string;
  /** Items of the class. */
  count: number;
  /** Of those, predicted as the class. */
  correct: number;
  /** correct / count (NaN for a class without items). */
  accuracy: number;
}

/** What the report shows of a classifier on one labelled split. */
export interface ClassificationSection {
  /** Class names, one per logit (the dataset's, then `class i` for logits it does not name). */
  classes: string[];
  /** Share of the items whose argmax is their label. */
  top1: number;
  /** Items scored. */
  count: number;
  /** K x K counts: row = true class, column = predicted class. */
  confusion: number[][];
  perClass: ClassAccuracy[];
  /** The most confident mistakes, most confident first. */
  misclassified: Misclassified[];
  /** Sequences: the axes the mistakes' series share. */
  figure?: SeriesFigure | null;
}

/** Options of `classificationSection`. */
export interface ClassificationOptions {
  /** Misclassified items to show (default 24). */
  misclassified?: number;
}

/** What `v` is, for an error message: its class name, or its type. */
function kindOf(v: unknown): string {
  return typeof v === 'object' && v !== null ? v.constructor.name : v === null ? 'null' : typeof v;
}

/** Checks the arguments of `classificationSection`; returns (N, K). */
function checkInputs(logits: unknown, labels: unknown, ds: Dataset, shown: number): [number, number] {
  const fn = 'classificationSection';
  if (!(logits instanceof Tensor)) throw new TypeError(`${fn}: logits must be a Tensor (N, K), got ${kindOf(logits)}`);
  if (logits.shape.length !== 2 || logits.shape[0]! < 1 || logits.shape[1]! < 1) {
    throw new TypeError(`${fn}: logits must be (N, K) with N, K >= 1, got [${logits.shape.join(', ')}]`);
  }
  if (!isFloating(logits.dtype)) throw new TypeError(`${fn}: logits must be floating point, got ${logits.dtype}`);
  const [n, k] = logits.shape as [number, number];
  if (!(labels instanceof Int32Array)) throw new TypeError(`${fn}: labels must be an Int32Array (N), got ${kindOf(labels)}`);
  if (labels.length !== n) throw new TypeError(`${fn}: labels has ${labels.length} entries for the ${n} rows of logits [${n}, ${k}]`);
  const bad = labels.findIndex((y) => y < 0 || y >= k);
  if (bad >= 0) throw new TypeError(`${fn}: labels[${bad}] is ${labels[bad]}, not a class of the ${k} logits (0 to ${k - 1})`);
  if (typeof ds !== 'object' || ds === null || typeof ds.read !== 'function') throw new TypeError(`${fn}: ds must be a Dataset, got ${String(ds)}`);
  if (ds.length !== n) throw new TypeError(`${fn}: ds has ${ds.length} items for the ${n} rows of logits [${n}, ${k}] (row i must be item i)`);
  if (!Number.isInteger(shown) || shown < 0) throw new TypeError(`${fn}: misclassified must be a non-negative integer, got ${shown}`);
  return [n, k];
}

/** Predicted class and its softmax probability per row of `logits` (N, K), read back to JS. Tensors are freed before it returns. */
function predictions(logits: Tensor): { predicted: Int32Array; confidence: Float32Array } {
  return scope(() => {
    const best = logits.to({ dtype: 'float32', device: 'cpu' }).softmax(1).max(1); // values, indices: (N)
    return { predicted: Int32Array.from(best.indices.data() as BigInt64Array, Number), confidence: best.values.data() as Float32Array };
  });
}

/** The positions of the mistakes, most confident first (ties: lower index first), at most `n`. */
function confidentMistakes(labels: Int32Array, predicted: Int32Array, confidence: Float32Array, n: number): number[] {
  const wrong: number[] = [];
  labels.forEach((y, i) => { if (predicted[i] !== y) wrong.push(i); });
  return wrong.sort((a, b) => confidence[b]! - confidence[a]! || a - b).slice(0, n);
}

/**
 * The classification section of `logits` (N, K) float32 on any device, a classifier's scores
 * of the N items of `ds` (row i is item i) whose true classes are `labels` (N): argmax
 * predictions, the confusion matrix, per-class accuracy and the `misclassified` (default 24)
 * mistakes with the highest softmax probability of the predicted class, with their previews
 * (images or series). Throws a TypeError naming the argument on a shape, dtype or length that
 * does not fit. Every tensor it makes is freed before it returns.
 */
export async function classificationSection(logits: Tensor, labels: Int32Array, ds: Dataset, o: ClassificationOptions = {}): Promise<ClassificationSection> {
  const shown = o.misclassified ?? 24;
  const [n, k] = checkInputs(logits, labels, ds, shown);
  const { predicted, confidence } = predictions(logits);
  const confusion = confusionMatrix(labels, predicted, k);
  const classes = Array.from({ length: k }, (_, c) => ds.classes[c] ?? `class ${c}`);
  const perClass = classAccuracies(confusion).map((a, c) => ({ class: classes[c]!, ...a }));
  const correct = perClass.reduce((s, c) => s + c.correct, 0);
  const mistakes = confidentMistakes(labels, predicted, confidence, shown);
  const pictures = mistakes.length ? await previews([{ ds, indices: Int32Array.from(mistakes) }]) : { figure: null, composite: null, items: [[]] };
  const misclassified = mistakes.map((i, j) => ({
    ...pictures.items[0]![j]!, index: i, label: labels[i]!, predicted: predicted[i]!, confidence: confidence[i]!,
  }));
  return { classes, top1: correct / n, count: n, confusion, perClass, misclassified, figure: pictures.figure };
}
