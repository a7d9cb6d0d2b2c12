// Normalisation layers: BatchNorm1d/2d, LayerNorm, GroupNorm, as torch.nn's.
import { F, type Tensor, full, noGrad, ones, zeros } from '../tensor/index.js';
import { Module } from './module.js';
import { type FactoryOptions, positiveInt } from './parameter.js';

/** Options of BatchNorm1d/2d, as torch.nn's. */
export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  /** Weight of the newest batch in the running statistics; null: a cumulative average. */
  momentum?: number | null;
  /** Learned per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true). */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015, "Batch Normalization: Accelerating Deep Network
 * Training by Reducing Internal Covariate Shift"), exactly as PyTorch's `_BatchNorm`: in
 * training it normalises with the batch statistics and updates
 * running = (1 - momentum) * running + momentum * batch (unbiased variance), counting
 * `num_batches_tracked`; with `momentum: null` the factor is 1 / num_batches_tracked
 * (a cumulative average). In evaluation it normalises with the running statistics.
 */
export abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;

  constructor(layer: string, numFeatures: number, o: BatchNormOptions) {
    super();
    this.numFeatures = positiveInt(layer, 'numFeatures', numFeatures);
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new RangeError(`${layer}: momentum must be in [0, 1] or null, got ${String(o.momentum)}`);
    }
    if (!(this.eps > 0)) throw new RangeError(`${layer}: eps must be positive, got ${String(o.eps)}`);
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    const f = { dtype: o.dtype, device: o.device };
    this.weight = this.registerParameter('weight', this.affine ? ones([numFeatures], f) : null);
    this.bias = this.registerParameter('bias', this.affine ? zeros([numFeatures], f) : null);
    const track = this.trackRunningStats;
    this.runningMean = this.registerBuffer('running_mean', track ? zeros([numFeatures], f) : null);
    this.runningVar = this.registerBuffer('running_var', track ? ones([numFeatures], f) : null);
    this.numBatchesTracked = this.registerBuffer(
      'num_batches_tracked', track ? full([], 0, { dtype: 'int64', device: o.device }) : null,
    );
  }

  /** Throws unless the input has the dims this layer takes. */
  protected abstract checkInput(x: Tensor): void;

  /** Running statistics back to mean 0, variance 1, no batches seen. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(`${this.name}: expected ${this.numFeatures} features in dim 1, got shape [${x.shape.join(', ')}]`);
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      noGrad(() => this.numBatchesTracked!.add_(1));
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.item();
    }
    const useBatchStats = this.training || !this.runningMean;
    if (useBatchStats) {
      const perChannel = x.numel() / this.numFeatures;
      if (perChannel <= 1) {
        throw new Error(`${this.name}: expected more than 1 value per channel when training, got input shape [${x.shape.join(', ')}]`);
      }
    }
    return F.batchNorm(x, {
      weight: this.weight, bias: this.bias,
      runningMean: !this.training || this.trackRunningStats ? this.runningMean : null,
      runningVar: !this.training || this.trackRunningStats ? this.runningVar : null,
      training: useBatchStats, momentum: factor, eps: this.eps,
    });
  }
}

/** Batch normalisation over (N, C) or (N, C, L) (`torch.nn.BatchNorm1d`); see BatchNorm. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, o);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`BatchNorm1d: expected 2D or 3D input, got ${x.ndim}D input (shape [${x.shape.join(', ')}])`);
  }
}

/** Batch normalisation over (N, C, H, W) (`torch.nn.BatchNorm2d`); see BatchNorm. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, o);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected 4D input, got ${x.ndim}D input (shape [${x.shape.join(', ')}])`);
  }
}

/**
 * Layer normalisation (Ba, Kiros & Hinton 2016, "Layer Normalization") over the trailing
 * `normalizedShape` dims (`torch.nn.LayerNorm`); weight 1, bias 0 at start.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], o: FactoryOptions & { eps?: number; elementwiseAffine?: boolean } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.normalizedShape.forEach((d) => positiveInt('LayerNorm', 'normalizedShape', d));
    this.eps = o.eps ?? 1e-5;
    const affine = o.elementwiseAffine ?? true;
    const f = { dtype: o.dtype, device: o.device };
    this.weight = this.registerParameter('weight', affine ? ones(this.normalizedShape, f) : null);
    this.bias = this.registerParameter('bias', affine ? zeros(this.normalizedShape, f) : null);
  }

  forward(x: Tensor): Tensor {
    const tail = x.shape.slice(x.ndim - this.normalizedShape.length);
    if (x.ndim < this.normalizedShape.length || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new Error(`LayerNorm: expected input ending in [${this.normalizedShape.join(', ')}], got shape [${x.shape.join(', ')}]`);
    }
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}

/**
 * Group normalisation (Wu & He 2018, "Group Normalization"): channels split into `numGroups`
 * groups, each normalised over its channels and positions (`torch.nn.GroupNorm`).
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(numGroups: number, numChannels: number, o: FactoryOptions & { eps?: number; affine?: boolean } = {}) {
    super();
    this.numGroups = positiveInt('GroupNorm', 'numGroups', numGroups);
    this.numChannels = positiveInt('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups) throw new TypeError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.eps = o.eps ?? 1e-5;
    const affine = o.affine ?? true;
    const f = { dtype: o.dtype, device: o.device };
    this.weight = this.registerParameter('weight', affine ? ones([numChannels], f) : null);
    this.bias = this.registerParameter('bias', affine ? zeros([numChannels], f) : null);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new Error(`GroupNorm: expected input (N, ${this.numChannels}, *), got shape [${x.shape.join(', ')}]`);
    }
    return F.groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
}

/** True for the normalisation layers (whose parameters LARS and weight decay may exclude). */
export function isNormLayer(m: unknown): boolean {
  return m instanceof BatchNorm || m instanceof LayerNorm || m instanceof GroupNorm;
}

