// How well a classifier does on a labelled split: top-1, top-5, cross-entropy, per-class accuracy, confusion.
import { F, scope, type Tensor } from '../tensor/index.js';
import { checkLabels } from './validate.js';

/** A classifier's evaluation on the test split (a fine-tuning run's eval.json, snake_case as `EvaluationResult`). */
export interface ClassifierEvaluation {
  top1: number;
  /** Top-5 accuracy (top-K with fewer than 5 classes: then 1). */
  top5: number;
  /** Mean cross-entropy of the test labels (no label smoothing). */
  loss: number;
  /** Test items scored. */
  count: number;
  /** Top-1 of each class, label i at index i (NaN, null in JSON, for a class with no test items). */
  per_class_top1: number[];
  /** Counts: row = true class, column = predicted class. */
  confusion: number[][];
}

/** The K x K confusion counts of predictions against labels (class indices in [0, K)): row = label, column = prediction (scikit-learn's `confusion_matrix`). */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]!]![predicted[i]!]! += 1;
  return m;
}

/** Each class's items, its items predicted right, and their ratio (NaN for a class without items), from a confusion matrix (rows true). */
export function classAccuracies(confusion: readonly (readonly number[])[]): { count: number; correct: number; accuracy: number }[] {
  return confusion.map((row, c) => {
    const count = row.reduce((a, b) => a + b, 0);
    return { count, correct: row[c]!, accuracy: count ? row[c]! / count : Number.NaN };
  });
}

/**
 * Scores logits (N, K) against labels (N) (class indices in [0, K)): top-1 and top-5 accuracy,
 * the mean cross-entropy, the accuracy of each class and the K x K confusion matrix (rows true,
 * columns predicted), as torchvision's reference classification scripts and scikit-learn's
 * `confusion_matrix` count them.
 */
export function classificationMetrics(logits: Tensor, labels: Tensor): ClassifierEvaluation {
  const who = 'classificationMetrics';
  if (logits.ndim !== 2 || logits.shape[0]! < 1) throw new RangeError(`${who}: logits must be (N, K) with N >= 1, got shape [${logits.shape.join(', ')}]`);
  checkLabels(who, 'labels', labels, logits.shape[0]!);
  const [n, k] = logits.shape as [number, number];
  return scope(() => {
    const x = logits.to('float32');
    const y = labels.to({ dtype: 'int64', device: x.device });
    const ys = Array.from(y.data() as BigInt64Array, Number);
    const bad = ys.findIndex((c) => c < 0 || c >= k);
    if (bad >= 0) throw new RangeError(`${who}: labels[${bad}] is ${ys[bad]}, outside the ${k} classes of the logits`);
    const top = x.topk(Math.min(5, k), 1).indices; // (N, min(5, K))
    const hits = top.eq(y.unsqueeze(1)); // (N, min(5, K))
    const predicted = Array.from(top.select(1, 0).data() as BigInt64Array, Number);
    const confusion = confusionMatrix(ys, predicted, k);
    return {
      top1: hits.select(1, 0).to('float32').mean().item(),
      top5: hits.any(1).to('float32').mean().item(),
      loss: F.crossEntropy(x, y).item(),
      count: n,
      per_class_top1: classAccuracies(confusion).map((a) => a.accuracy),
      confusion,
    };
  });
}
