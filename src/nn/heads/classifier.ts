// A classifier on a backbone: what fine-tuning trains (backbone + a linear or MLP head).
import type { Tensor } from '../../tensor/index.js';
import { ReLU } from '../activation.js';
import { Sequential } from '../container.js';
import type { Encoder } from '../encoders/encoder.js';
import { Linear } from '../linear.js';
import { Module } from '../module.js';
import { BatchNorm1d } from '../norm.js';
import { positiveInt } from '../parameter.js';

/** The classification heads: one linear layer, or an MLP with one hidden layer. */
export const CLASSIFIER_HEADS = ['linear', 'mlp'] as const;
export type ClassifierHead = (typeof CLASSIFIER_HEADS)[number];

/**
 * A backbone and a classification head, logits = head(backbone(x)): the model of the
 * fine-tuning protocol ("we fine-tune the whole base network together with the linear
 * classifier", Chen et al. 2020, "A Simple Framework for Contrastive Learning of Visual
 * Representations", Sec. 6 and appendix B.5; https://arxiv.org/abs/2002.05709).
 *
 * The head is `Linear(featureDim, numClasses)` ('linear'), or ('mlp')
 * `Linear(featureDim, hiddenDim, bias=False) -> BatchNorm1d -> ReLU -> Linear(hiddenDim, numClasses)`.
 * Parameters are named `backbone.*` and `head.*` (`head.weight`, or `head.0.weight`,
 * `head.1.running_mean`, `head.3.weight`), which load with `strict=True` into PyTorch's
 * `nn.Sequential(OrderedDict(backbone=..., head=nn.Linear(...)))` (README: "Fine-tuning").
 */
export class Classifier extends Module<[x: Tensor, lengths?: Tensor | null], Tensor> {
  readonly backbone: Encoder;
  readonly head: Linear | Sequential;
  readonly numClasses: number;
  readonly headKind: ClassifierHead;
  /** The MLP head's hidden width (null for a linear head). */
  readonly hiddenDim: number | null;

  constructor(backbone: Encoder, o: { numClasses: number; head?: ClassifierHead; hiddenDim?: number }) {
    super();
    if (!(backbone instanceof Module) || !Number.isInteger(backbone.featureDim)) throw new TypeError('Classifier: backbone must be an Encoder (a Module with featureDim)');
    this.numClasses = positiveInt('Classifier', 'numClasses', o?.numClasses);
    this.headKind = o.head ?? 'linear';
    if (!(CLASSIFIER_HEADS as readonly string[]).includes(this.headKind)) throw new TypeError(`Classifier: head must be ${CLASSIFIER_HEADS.join(' or ')}, got '${String(o.head)}'`);
    const d = backbone.featureDim;
    const hidden = positiveInt('Classifier', 'hiddenDim', o.hiddenDim ?? d);
    this.hiddenDim = this.headKind === 'mlp' ? hidden : null;
    this.backbone = this.registerModule('backbone', backbone);
    this.head = this.registerModule('head', this.headKind === 'linear'
      ? new Linear(d, this.numClasses)
      : new Sequential(new Linear(d, hidden, { bias: false }), new BatchNorm1d(hidden), new ReLU(), new Linear(hidden, this.numClasses)));
  }

  /** inputs (N, ...) [, lengths (N)] -> logits (N, numClasses) */
  forward(x: Tensor, lengths: Tensor | null = null): Tensor {
    return this.head.forward(this.backbone.forward(x, lengths)); // (N, featureDim) -> (N, numClasses)
  }
}
