// The shared machinery of losses that learn one vector per class (or per class centre): the
// class weights W of pytorch-metric-learning's classification losses and the proxies of its
// proxy losses. Option checks, registration with PML's initialisations, label checks, miner
// weights (PML `lmu.convert_to_weights`) and the margin-softmax skeleton of PML's
// `LargeMarginSoftmaxLoss.compute_loss`, shared by ArcFace, CosFace, SphereFace, L-Softmax and
// Sub-center ArcFace.
import { arange, F, rand, randn, scope, type Tensor } from '../tensor/index.js';
import type { BaseDistance } from './distances/base.js';
import { CosineSimilarity } from './distances/cosine-similarity.js';
import { type IndicesTuple, rowIndices, tupleWeights } from './indices.js';
import { MetricLoss, type MetricLossOptions } from './metric-loss.js';
import type { BaseReducer, LossDict } from './reducers/base.js';
import { MeanReducer } from './reducers/mean-reducer.js';
import { checkInteger, checkPositive } from './validate.js';

/** Options of every loss with class weights or proxies. */
export interface ProxyLossOptions extends MetricLossOptions {
  /** The number of classes C; labels must be class ids in [0, C). Required. */
  numClasses: number;
  /** The embedding size D. Required. */
  embeddingSize: number;
  /** The dtype of the learned weights (default 'float32'); they are cast to the embeddings' dtype in `forward`. */
  dtype?: 'float32' | 'float64';
}

/** How PML initialises a weight: `normal_` (N(0, 1)), `kaiming_normal_(mode='fan_out')`, `kaiming_uniform_(a=sqrt(5))`. */
export type WeightInit = 'normal' | 'kaimingNormalFanOut' | 'kaimingUniform';

/** A new (rows, cols) weight initialised as PML does (fan_in = cols, fan_out = rows, as torch for 2-d). */
export function initWeight(shape: readonly [number, number], init: WeightInit, dtype: 'float32' | 'float64'): Tensor {
  return scope(() => {
    if (init === 'normal') return randn(shape, { dtype });
    if (init === 'kaimingNormalFanOut') return randn(shape, { dtype }).mul(Math.sqrt(2 / shape[0])); // gain sqrt(2) / sqrt(fan_out)
    // kaiming_uniform_(a = sqrt 5): gain sqrt(2 / 6), bound gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
    return rand(shape, { dtype }).mul(2).sub(1).mul(1 / Math.sqrt(shape[1]));
  });
}

/**
 * A loss with learned class weights or proxies (PML's losses with `WeightRegularizerMixin`).
 * PML's weight regularizers (`weight_regularizer`, `weight_reg_weight`) and `weight_init_func`
 * are not supported: the weights get PML's default initialisation.
 */
export abstract class ProxyLoss extends MetricLoss {
  readonly numClasses: number;
  readonly embeddingSize: number;

  protected constructor(
    o: ProxyLossOptions,
    extra: readonly string[],
    defaults: { distance: () => BaseDistance; reducer: () => BaseReducer },
  ) {
    super(o, ['numClasses', 'embeddingSize', 'dtype', ...extra], defaults);
    const name = this.name;
    this.numClasses = checkInteger(name, 'numClasses', o.numClasses);
    this.embeddingSize = checkInteger(name, 'embeddingSize', o.embeddingSize);
    if (o.dtype !== undefined && o.dtype !== 'float32' && o.dtype !== 'float64') {
      throw new TypeError(`${name}: dtype must be 'float32' or 'float64', got ${String(o.dtype)}`);
    }
  }

  /** An index tuple only weighs the samples (PML `convert_to_weights`): it does not choose what is compared. */
  override get takesIndicesTuple(): boolean {
    return false;
  }

  /** Registers a learned weight of `shape` under `name`, initialised as PML does. */
  protected registerWeight(o: ProxyLossOptions, name: string, shape: readonly [number, number], init: WeightInit): Tensor {
    return this.registerParameter(name, initWeight(shape, init, o.dtype ?? 'float32'));
  }

  /** `p` in the embeddings' dtype (a differentiable cast); throws when the devices differ. */
  protected castTo(p: Tensor, embeddings: Tensor, what: string): Tensor {
    if (p.device !== embeddings.device) {
      throw new RangeError(`${this.name}: ${what} is on ${p.device} but the embeddings are on ${embeddings.device}; move the loss with loss.to('${embeddings.device}')`);
    }
    return p.dtype === embeddings.dtype ? p : p.to(embeddings.dtype);
  }

  /** Checks the embedding size and that every label is a class id in [0, numClasses); int64 labels. */
  protected classLabels(embeddings: Tensor, labels: Tensor): Tensor {
    const d = embeddings.shape[1]!;
    if (d !== this.embeddingSize) {
      throw new RangeError(`${this.name}: embeddings have ${d} features but embeddingSize is ${this.embeddingSize}`);
    }
    const values = scope(() => Array.from(labels.to({ dtype: 'float64', device: 'cpu' }).data() as Float64Array));
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= this.numClasses) {
        throw new RangeError(`${this.name}: label ${v} (at index ${i}) is not a class id in [0, ${this.numClasses}) (numClasses ${this.numClasses})`);
      }
    }
    return labels.dtype === 'int64' ? labels : labels.to('int64');
  }

}

/** Options of the margin-softmax losses (ArcFace, CosFace, SphereFace, L-Softmax, Sub-center ArcFace). */
export interface MarginSoftmaxOptions extends ProxyLossOptions {
  /** The margin m (its unit and default depend on the loss). */
  margin?: number;
  /** The logit scale s (default depends on the loss). */
  scale?: number;
}

/**
 * The skeleton of PML's `LargeMarginSoftmaxLoss`: W (embeddingSize, numClasses * centres),
 * initialised N(0, 1) (PML's default `normal_`); cosines cos(x_i, W_j) (N, C) by
 * `CosineSimilarity` (the only distance accepted, as PML asserts), max over a class's centres;
 * the target cosine replaced by `modifyTarget`, the logits scaled by `scaleLogits`, and
 * per-sample cross-entropy times the miner weights, reduced by `MeanReducer` ('element').
 */
export abstract class MarginSoftmaxLoss extends ProxyLoss {
  readonly scale: number;
  /** W (embeddingSize, numClasses * centres), a registered parameter; class c owns columns c * centres .. (c + 1) * centres - 1. */
  readonly W: Tensor;
  readonly #centres: number;

  protected constructor(o: MarginSoftmaxOptions, extra: readonly string[], spec: { scale: number; centres: number }) {
    super(o, ['margin', 'scale', ...extra], { distance: () => new CosineSimilarity(), reducer: () => new MeanReducer() });
    if (!(this.distance instanceof CosineSimilarity)) throw new TypeError(`${this.name}: distance must be a CosineSimilarity (as in PML)`);
    this.scale = checkPositive(this.name, 'scale', o.scale ?? spec.scale);
    this.#centres = spec.centres;
    this.W = this.registerWeight(o, 'W', [this.embeddingSize, this.numClasses * spec.centres], 'normal');
  }

  /** The margin-modified target cosines (N) from the target cosines (N). */
  protected abstract modifyTarget(cosine: Tensor): Tensor;

  /** The logits (N, C) from the (margin-modified) cosines (N, C). */
  protected abstract scaleLogits(logits: Tensor, embeddings: Tensor, w: Tensor): Tensor;

  /** cos(x_i, W_c) (N, C), the max over class c's centres. */
  protected cosine(embeddings: Tensor, w: Tensor): Tensor {
    const cos = this.distance.forward(embeddings, w.t()); // (N, C * K)
    const k = this.#centres;
    return k === 1 ? cos : cos.view([embeddings.shape[0]!, this.numClasses, k]).max(2).values; // (N, C)
  }

  /**
   * The (N, C) class logits without the margin (PML `get_logits`), e.g. for classifying or
   * for accuracy: the scaled cosines to each class.
   */
  logits(embeddings: Tensor): Tensor {
    return scope(() => {
      const w = this.castTo(this.W, embeddings, 'W');
      if (embeddings.ndim !== 2 || embeddings.shape[1] !== this.embeddingSize) {
        throw new RangeError(`${this.name}: embeddings must be (N, ${this.embeddingSize}), got [${embeddings.shape.join(', ')}]`);
      }
      return this.scaleLogits(this.cosine(embeddings, w), embeddings, w);
    });
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const y = this.classLabels(embeddings, labels);
    const w = this.castTo(this.W, embeddings, 'W');
    const cos = this.cosine(embeddings, w); // (N, C)
    const mask = y.unsqueeze(1).eq(arange(this.numClasses, undefined, undefined, { device: y.device }).unsqueeze(0)).to(cos.dtype); // (N, C) one-hot
    const target = cos.gather(1, y.unsqueeze(1)).squeeze(1); // (N)
    const diff = this.modifyTarget(target).sub(target).unsqueeze(1); // (N, 1)
    const logits = this.scaleLogits(cos.add(mask.mul(diff)), embeddings, w); // (N, C)
    const losses = F.crossEntropy(logits, y, { reduction: 'none' }).mul(tupleWeights(tuple, embeddings)); // (N)
    return { loss: { losses, reductionType: 'element', indices: rowIndices(embeddings) } };
  }
}
