// Normalisation layers: BatchNorm1d/2d, LayerNorm, GroupNorm, as torch.nn's.
import { cat, F, type Tensor, full, noGrad, ones, tensor, zeros } from '../tensor/index.js';
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
  /** SyncBatchNorm's gather of every rank's statistics (see `synchronize`); null: this batch's alone. */
  #gather: ((stats: Tensor) => Tensor) | null = null;

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

  /**
   * SyncBatchNorm's training forward. Each rank's count n_r, mean m_r and sum of squared deviations
   * M2_r per channel are gathered and combined exactly (Chan et al. 1979, "Updating formulae and a
   * pairwise algorithm for computing sample variances"): N = Σ n_r, mean = Σ n_r m_r / N,
   * M2 = Σ M2_r + n_r (m_r - mean)², var = M2 / N; the running variance takes M2 / (N - 1), as torch's.
   */
  #syncForward(x: Tensor, factor: number): Tensor {
    const c = this.numFeatures;
    const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)]; // all but channels
    const shape = [1, c, ...Array.from({ length: x.ndim - 2 }, () => 1)];
    const xf = x.to('float32');
    const n = x.numel() / c;
    const mean = xf.mean(dims); // (C)
    const m2 = xf.sub(mean.view(shape)).square().sum(dims); // (C)
    const all = this.#gather!(cat([tensor([n], { device: x.device }), mean, m2]).unsqueeze(0)); // (W, 1 + 2C)
    const counts = all.narrow(1, 0, 1); // (W, 1)
    const total = counts.sum();
    const means = all.narrow(1, 1, c); // (W, C)
    const globalMean = means.mul(counts).sum(0).div(total); // (C)
    const globalM2 = all.narrow(1, 1 + c, c).sum(0).add(means.sub(globalMean).square().mul(counts).sum(0)); // (C)
    const variance = globalM2.div(total); // (C), biased
    if (this.trackRunningStats && this.runningMean && this.runningVar) {
      noGrad(() => {
        const unbiased = globalM2.div(total.sub(1));
        this.runningMean!.mul_(1 - factor).add_(globalMean.mul(factor));
        this.runningVar!.mul_(1 - factor).add_(unbiased.mul(factor));
      });
    }
    let y = xf.sub(globalMean.view(shape)).mul(variance.add(this.eps).rsqrt().view(shape));
    if (this.weight && this.bias) y = y.mul(this.weight.view(shape)).add(this.bias.view(shape));
    return y;
  }

  /** Running statistics back to mean 0, variance 1, no batches seen. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  /**
   * SyncBatchNorm (`torch.nn.SyncBatchNorm`, after Zhang et al. 2018, "Context Encoding for
   * Semantic Segmentation", and Peng et al. 2018, "MegDet"): in training, the statistics of the
   * global batch of a data-parallel run. `gather` maps this rank's (1, 2C + 1) row of statistics to
   * every rank's (world, 2C + 1), in rank order, with a backward that returns each rank its
   * gradient (`Distributed.gather`); null turns it back into BatchNorm.
   */
  synchronize(gather: ((stats: Tensor) => Tensor) | null): void {
    this.#gather = gather;
  }

  /** Whether training normalises with the global batch's statistics. */
  get synchronized(): boolean {
    return this.#gather !== null;
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
    if (this.training && this.#gather) return this.#syncForward(x, factor);
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

