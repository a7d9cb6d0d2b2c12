// Neural-network functions, as `torch.nn.functional` (imported here as `F`).
import { checkBool, checkInt, checkNumber } from './check.js';
import { scope } from './scope.js';
import { checkTensor, run, type Tensor } from './tensor.js';

export { gru, lstm, packPaddedSequence, padPackedSequence, type PackedSequence, type RecurrentOptions } from './rnn.js';

type IntOrPair = number | readonly [number, number];
/** One number for every spatial dim, or one per dim. */
type IntOrList = number | readonly number[];

/** 'none' | 'mean' | 'sum', as PyTorch's `reduction`. */
export type Reduction = 'none' | 'mean' | 'sum';

function reductionCode(op: string, r: Reduction): number {
  const code = { none: 0, mean: 1, sum: 2 }[r];
  if (code === undefined) throw new TypeError(`${op}: reduction must be 'none', 'mean' or 'sum', got '${String(r)}'`);
  return code;
}

/** y = x W^T + b */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return run('linear', input, weight, bias ?? null);
}

export interface ConvOptions {
  stride?: IntOrList;
  padding?: IntOrList;
  dilation?: IntOrList;
  groups?: number;
}

/** 1-d convolution over (N, C, L). */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  return run('conv1d', input, weight, bias ?? null, o.stride, o.padding, o.dilation, o.groups);
}

/** 2-d convolution over (N, C, H, W). */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOptions = {}): Tensor {
  return run('conv2d', input, weight, bias ?? null, o.stride, o.padding, o.dilation, o.groups);
}

export interface BatchNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015). In training it normalises with the batch
 * statistics and updates the running ones in place (unbiased variance), exactly as PyTorch.
 */
export function batchNorm(input: Tensor, o: BatchNormOptions = {}): Tensor {
  return run(
    'batch_norm', input, o.weight ?? null, o.bias ?? null, o.runningMean ?? null, o.runningVar ?? null,
    o.training ?? false, o.momentum ?? 0.1, o.eps ?? 1e-5, true,
  );
}

/** Layer normalisation (Ba et al. 2016) over the trailing `normalizedShape` dims. */
export function layerNorm(input: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return run('layer_norm', input, normalizedShape, weight ?? null, bias ?? null, eps, true);
}

/** Group normalisation (Wu & He 2018). */
export function groupNorm(input: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return run('group_norm', input, numGroups, weight ?? null, bias ?? null, eps, true);
}

export interface PoolOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  ceilMode?: boolean;
}

export function maxPool2d(input: Tensor, kernelSize: IntOrPair, o: PoolOptions & { dilation?: IntOrPair } = {}): Tensor {
  return run('max_pool2d', input, kernelSize, o.stride ?? [], o.padding, o.dilation, o.ceilMode);
}

export function avgPool2d(input: Tensor, kernelSize: IntOrPair, o: PoolOptions & { countIncludePad?: boolean } = {}): Tensor {
  return run('avg_pool2d', input, kernelSize, o.stride ?? [], o.padding, o.ceilMode, o.countIncludePad);
}

export function adaptiveAvgPool2d(input: Tensor, outputSize: IntOrPair): Tensor {
  return run('adaptive_avg_pool2d', input, outputSize);
}

export function relu(x: Tensor): Tensor {
  return run('relu', x);
}
/** GELU (Hendrycks & Gimpel 2016); `approximate` 'tanh' for the tanh form. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return run('gelu', x, approximate);
}
/** SiLU / swish: x * sigmoid(x). */
export function silu(x: Tensor): Tensor {
  return run('silu', x);
}
export function sigmoid(x: Tensor): Tensor {
  return run('sigmoid', x);
}
export function tanh(x: Tensor): Tensor {
  return run('tanh', x);
}
export function softmax(x: Tensor, dim: number): Tensor {
  return run('softmax.int', x, dim);
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return run('log_softmax.int', x, dim);
}
/** log(1 + exp(beta x)) / beta, linear above `threshold`. */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return run('softplus', x, beta, threshold);
}
export function logSigmoid(x: Tensor): Tensor {
  return run('log_sigmoid', x);
}

/** Zeroes elements with probability `p` and scales the rest by 1/(1-p) when `training`. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  return run('dropout', x, p, training);
}

export interface CrossEntropyOptions {
  weight?: Tensor | null;
  reduction?: Reduction;
  ignoreIndex?: number;
  labelSmoothing?: number;
}

/** Cross-entropy of logits (N, C) against class indices (N) or probabilities (N, C). */
export function crossEntropy(logits: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  return run(
    'cross_entropy_loss', logits, target, o.weight ?? null, reductionCode('crossEntropy', o.reduction ?? 'mean'),
    o.ignoreIndex ?? -100, o.labelSmoothing ?? 0,
  );
}

/** Mean (or summed, or per-element) squared error between `input` and `target` (`F.mse_loss`). */
export function mseLoss(input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  return run('mse_loss', input, target, reductionCode('mseLoss', o.reduction ?? 'mean'));
}

/** Binary cross-entropy on logits, computed stably (log-sum-exp form). */
export function binaryCrossEntropyWithLogits(
  logits: Tensor, target: Tensor, o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  return run(
    'binary_cross_entropy_with_logits', logits, target, o.weight ?? null, o.posWeight ?? null,
    reductionCode('binaryCrossEntropyWithLogits', o.reduction ?? 'mean'),
  );
}

/**
 * The cosine similarity of x1 and x2 along `dim` (broadcasting), x1 . x2 / max(||x1|| ||x2||, eps),
 * as `F.cosine_similarity`.
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, dim = 1, eps = 1e-8): Tensor {
  return run('cosine_similarity', x1, x2, dim, checkNumber('cosineSimilarity', 'eps', eps));
}

/** Row-wise p-norm distances ||x1_i - x2_i + eps||_p, as `F.pairwise_distance`. */
export function pairwiseDistance(x1: Tensor, x2: Tensor, p = 2, eps = 1e-6, keepdim = false): Tensor {
  return run(
    'pairwise_distance', x1, x2, checkNumber('pairwiseDistance', 'p', p, true), checkNumber('pairwiseDistance', 'eps', eps),
    checkBool('pairwiseDistance', 'keepdim', keepdim),
  );
}

export interface EmbeddingOptions {
  /** The row whose gradient stays zero (a padding token); default none. */
  paddingIdx?: number | null;
  /** Scale gradients by the inverse frequency of the indices in the batch (default false). */
  scaleGradByFreq?: boolean;
  /** Sparse gradients for the weight (default false). */
  sparse?: boolean;
}

/** Rows of `weight` (num, dim) picked by integer `input` indices: (*, dim), as `F.embedding` (a negative `paddingIdx` counts from the end). */
export function embedding(input: Tensor, weight: Tensor, o: EmbeddingOptions = {}): Tensor {
  checkTensor('embedding', 'input', input);
  if (input.dtype !== 'int64' && input.dtype !== 'int32') throw new TypeError(`embedding: input must hold int64 or int32 indices, got ${input.dtype}`);
  const rows = checkTensor('embedding', 'weight', weight).shape[0]!;
  let pad = o.paddingIdx ?? null;
  if (pad !== null) {
    if (checkInt('embedding', 'paddingIdx', pad) < -rows || pad >= rows) throw new RangeError(`embedding: paddingIdx must be within [-${rows}, ${rows}), got ${pad}`);
    if (pad < 0) pad += rows;
  }
  return run(
    'embedding', weight, input, pad ?? -1, checkBool('embedding', 'scaleGradByFreq', o.scaleGradByFreq ?? false),
    checkBool('embedding', 'sparse', o.sparse ?? false),
  );
}

/** x / max(||x||_p, eps) along `dim`, as `F.normalize`. */
export function normalize(x: Tensor, p = 2, dim = 1, eps = 1e-12): Tensor {
  return scope(() => x.div(x.norm(p, dim, true).clampMin(eps).expandAs(x)));
}

/** Pads the trailing dims: `pad` is (left, right, top, bottom, ...), as `F.pad`. */
export function pad(x: Tensor, padding: readonly number[], mode: 'constant' | 'reflect' | 'replicate' | 'circular' = 'constant', value = 0): Tensor {
  return run('pad', x, padding, mode, mode === 'constant' ? value : null);
}

/** Resizes (N, C, H, W) to `size` with 'bilinear' or 'nearest' sampling, as `F.interpolate`. */
export function interpolate(x: Tensor, size: readonly [number, number], mode: 'bilinear' | 'nearest' = 'bilinear', alignCorners = false): Tensor {
  return mode === 'nearest'
    ? run('upsample_nearest2d.vec', x, size, null)
    : run('upsample_bilinear2d.vec', x, size, alignCorners, null);
}

/** Sampling grids (N, H, W, 2) for affine matrices `theta` (N, 2, 3), as `F.affine_grid`. */
export function affineGrid(theta: Tensor, size: readonly number[], alignCorners = false): Tensor {
  return run('affine_grid_generator', theta, size, alignCorners);
}

/** Samples `input` at `grid` locations, as `F.grid_sample`. */
export function gridSample(
  input: Tensor, grid: Tensor,
  o: { mode?: 'bilinear' | 'nearest' | 'bicubic'; paddingMode?: 'zeros' | 'border' | 'reflection'; alignCorners?: boolean } = {},
): Tensor {
  const mode = ['bilinear', 'nearest', 'bicubic'].indexOf(o.mode ?? 'bilinear');
  const padding = ['zeros', 'border', 'reflection'].indexOf(o.paddingMode ?? 'zeros');
  if (mode < 0) throw new TypeError(`gridSample: unknown mode '${String(o.mode)}'`);
  if (padding < 0) throw new TypeError(`gridSample: unknown paddingMode '${String(o.paddingMode)}'`);
  return run('grid_sampler', input, grid, mode, padding, o.alignCorners ?? false);
}

/** One-hot int64 encoding of class indices. */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  return run('one_hot', indices, numClasses);
}
