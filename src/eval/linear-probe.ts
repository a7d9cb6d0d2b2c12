// The linear probe: a softmax classifier trained on frozen, standardised features.
import { cat, F, noGrad, scope, type Tensor, where, zeros } from '../tensor/index.js';
import { minimizeLbfgs } from './lbfgs.js';
import { searchDtype } from './search.js';
import { checkCompatible, checkInteger, checkOptions, checkPositive, checkSplit, type LabelledEmbeddings } from './validate.js';

export interface LinearProbeOptions {
  /** L2 penalty (lambda / 2) ||W||^2 added to the mean cross-entropy (default 1e-4; the bias is not penalised). */
  l2?: number;
  /** L-BFGS iterations, the fixed budget (default 100). */
  maxIter?: number;
  /** Number of classes C (default: the largest label, of train and test, plus one). */
  numClasses?: number;
  /** Test rows per block when predicting (default 8192). */
  chunk?: number;
}

export interface LinearProbeResult {
  /** Fraction of test samples classified correctly. */
  top1: number;
  /** Fraction of train samples classified correctly. */
  trainTop1: number;
  /** The final training objective (mean cross-entropy plus the L2 term). */
  loss: number;
  /** L-BFGS iterations run. */
  iterations: number;
}

/** x W^T + b for (N, D) x: (N, C) logits. */
function logits(x: Tensor, w: Tensor, b: Tensor): Tensor {
  return F.linear(x, w, b);
}

/**
 * The linear evaluation of frozen features as SimCLR (Chen et al. 2020) runs it for transfer and
 * Kornblith et al. 2019 ("Do Better ImageNet Models Transfer Better?") before it: an
 * L2-regularised multinomial logistic regression fit by L-BFGS, without augmentation. Features
 * are standardised with the train mean and standard deviation (population std, as scikit-learn's
 * `StandardScaler`; constant features are only centred), then a linear layer W (C, D), b (C)
 * minimises mean cross-entropy + (l2 / 2) ||W||^2 over the whole train set by full-batch L-BFGS
 * for at most `maxIter` iterations from W = 0, b = 0. The problem is convex and the start fixed, so
 * the result is deterministic (no seed needed). W and b are plain tensors with requiresGrad;
 * updates run in place under `noGrad`. Returns top-1 accuracy on the test features.
 */
export function linearProbe(train: LabelledEmbeddings, test: LabelledEmbeddings, o?: LinearProbeOptions): LinearProbeResult {
  const who = 'linearProbe';
  const opts = checkOptions(who, o, ['l2', 'maxIter', 'numClasses', 'chunk']);
  const tr = checkSplit(who, 'train', train);
  const te = checkSplit(who, 'test', test);
  checkCompatible(who, tr.embeddings, 'train.embeddings', te.embeddings, 'test.embeddings');
  const l2 = checkPositive(who, 'l2', opts.l2 ?? 1e-4, true);
  const maxIter = checkInteger(who, 'maxIter', opts.maxIter ?? 100, 0);
  const chunk = checkInteger(who, 'chunk', opts.chunk ?? 8192, 1);
  const [minLabel, maxLabel] = scope(() => {
    const all = cat([tr.labels.to({ dtype: 'int64', device: 'cpu' }), te.labels.to({ dtype: 'int64', device: 'cpu' })]);
    return [all.min().item(), all.max().item()];
  });
  if (minLabel < 0) throw new RangeError(`${who}: labels must be >= 0 class indices, got ${minLabel}`);
  const numClasses = opts.numClasses === undefined ? maxLabel + 1 : checkInteger(who, 'numClasses', opts.numClasses, 1);
  if (maxLabel >= numClasses) throw new RangeError(`${who}: label ${maxLabel} is out of range for numClasses ${numClasses}`);

  return scope(() => {
    const device = tr.embeddings.device;
    const xTrain = searchDtype(tr.embeddings).detach(); // (N, D)
    const d = xTrain.shape[1]!;
    const mean = xTrain.mean(0, true); // (1, D)
    const std = xTrain.std(0, true, 0); // (1, D), population
    const scale = where(std.gt(0), std, 1); // constant features: centred only
    const standardise = (x: Tensor): Tensor => x.sub(mean).div(scale);
    const x = standardise(xTrain); // (N, D)
    const yTrain = tr.labels.to({ dtype: 'int64', device });

    const theta = zeros([numClasses * (d + 1)], { dtype: x.dtype, device }).requiresGrad_(); // [W (C*D); b (C)]
    const weight = (): Tensor => theta.narrow(0, 0, numClasses * d).view([numClasses, d]); // (C, D)
    const bias = (): Tensor => theta.narrow(0, numClasses * d, numClasses); // (C)
    const objective = (): Tensor => {
      const w = weight();
      const ce = F.crossEntropy(logits(x, w, bias()), yTrain);
      return l2 > 0 ? ce.add(w.square().sum().mul(l2 / 2)) : ce;
    };
    // Float32 resolves a loss of ~1 to ~1e-7: stop once L-BFGS predicts less progress than that.
    const fit = minimizeLbfgs(theta, objective, { maxIter, tolChange: x.dtype === 'float64' ? 1e-12 : 1e-6 });

    const accuracy = (features: Tensor, labels: Tensor, isTrain: boolean): number => noGrad(() => {
      const n = features.shape[0]!;
      const y = labels.to({ dtype: 'int64', device });
      let correct = 0;
      for (let i = 0; i < n; i += chunk) {
        correct += scope(() => {
          const len = Math.min(chunk, n - i);
          const xb = isTrain ? x.narrow(0, i, len) : standardise(searchDtype(features.narrow(0, i, len)).to(x.dtype));
          return logits(xb, weight(), bias()).argmax(1).eq(y.narrow(0, i, len)).sum().item();
        });
      }
      return correct / n;
    });
    return {
      top1: accuracy(te.embeddings, te.labels, false),
      trainTop1: accuracy(tr.embeddings, tr.labels, true),
      loss: fit.loss,
      iterations: fit.iterations,
    };
  });
}
