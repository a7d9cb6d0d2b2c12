// What every method is: a module whose forward maps a batch of views to a loss.
import { Module, type Encoder } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';

/** The method names `--method` accepts. */
export const METHOD_NAMES = ['simclr', 'nnclr', 'byol', 'supcon', 'moco', 'simsiam', 'barlowtwins', 'vicreg'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** Options every method takes; each uses those that apply to it (paper defaults otherwise). */
export interface MethodOptions {
  /** Builds a backbone; methods with a target network call it twice. */
  encoder: () => Encoder;
  /** Hidden width of the projection (and prediction) heads. */
  hiddenDim?: number;
  /** Output width of the projection head. */
  outputDim?: number;
  /** Softmax temperature of contrastive losses. */
  temperature?: number;
  /** Entries of a memory bank (NNCLR support set, MoCo queue). */
  queueSize?: number;
  /** Base EMA decay of a target network (BYOL, MoCo), raised to 1 by a cosine schedule. */
  tau?: number;
  /** Optimizer steps of the whole run (the EMA schedule needs them). */
  totalSteps?: number;
}

/**
 * A contrastive method: a backbone, heads, a loss and maybe a memory bank or an EMA target,
 * composed as a `Module`, so one state dict holds all of it (`backbone.*` loads into the same
 * encoder in PyTorch). `forward(views, labels)` returns the batch's loss in the caller's scope.
 */
export abstract class Method extends Module<[views: Tensor[], labels: Tensor | null], Tensor> {
  abstract readonly methodName: MethodName;
  /** Whether `forward` needs labels (supervised methods). */
  readonly needsLabels: boolean = false;
  readonly backbone: Encoder;

  constructor(o: MethodOptions) {
    super();
    if (typeof o?.encoder !== 'function') throw new TypeError(`${new.target.name}: options.encoder must be a function returning an Encoder`);
    this.backbone = this.registerModule('backbone', o.encoder());
  }

  /** The parameters the optimizer trains (a frozen target network's are not). */
  trainableParameters(): Tensor[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** Runs after each optimizer step: EMA updates and the like. */
  afterStep(): void {}

  /** JSON state beyond the state dict, for checkpoints (an EMA's step count). */
  extraState(): Record<string, unknown> {
    return {};
  }

  loadExtraState(_state: Record<string, unknown>): void {}
}

/** Head widths: the paper's for wide backbones, narrower ones for small encoders (CPU budgets). */
export function headDims(featureDim: number, o: MethodOptions, paper: { hidden: number; output: number }): { hidden: number; output: number } {
  const small = featureDim < 512;
  return {
    hidden: o.hiddenDim ?? (small ? Math.max(2 * featureDim, 256) : paper.hidden),
    output: o.outputDim ?? (small ? Math.min(paper.output, 128) : paper.output),
  };
}

/** Checks the views a method gets: `count` tensors of equal shape. */
export function checkViews(method: string, views: Tensor[], count = 2): void {
  if (!Array.isArray(views) || views.length !== count) {
    throw new TypeError(`${method}: expected ${count} views, got ${Array.isArray(views) ? views.length : typeof views}`);
  }
  const s = views[0]!.shape.join(',');
  for (const v of views) {
    if (v.shape.join(',') !== s) throw new RangeError(`${method}: views differ in shape: [${views.map((x) => x.shape.join(', ')).join('] vs [')}]`);
  }
}
