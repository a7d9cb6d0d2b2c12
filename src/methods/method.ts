// What every method is: a module whose forward maps a batch of views to a loss, built to its recipe.
import { type AnyModule, Module, type Encoder, type HeadDims } from '../nn/index.js';
import { cat, type Tensor } from '../tensor/index.js';
import { headWidths, METHOD_OPTION_NAMES, VIEW_BATCH_NORMS, type ViewBatchNorm, type HeadWidths, type MethodOptionName, type MethodRecipe, type OptimizerPart, optionNames } from './recipe.js';

/** What a method is built from: its encoder, and the options its recipe takes (paper defaults otherwise). */
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
  /** The loss by name (`losses.LOSS_NAMES`), for a method whose recipe lets it be chosen (metric). */
  loss?: string;
  /** The loss's own options (`{ margin: 0.2 }`). */
  lossOptions?: Readonly<Record<string, unknown>>;
  /** The learning rate of the loss's own parameters as a multiple of the model's (default: the loss's, `losses.lossLrScale`). */
  lossLrScale?: number;
  /** A miner by name (`losses.MINER_NAMES`), or null: every pair or triplet of the batch. */
  miner?: string | null;
  /** The miner's own options. */
  minerOptions?: Readonly<Record<string, unknown>>;
  /** How many classes the labels hold (losses with a proxy or weight per class). */
  numClasses?: number;
  /** How the views meet BatchNorm (`ViewBatchNorm`; default: the recipe's, else 'joint'). */
  viewBatchNorm?: ViewBatchNorm;
}

/** The options of a method whose recipe lets the loss be chosen (`recipe.loss`). */
const LOSS_OPTIONS = ['loss', 'lossOptions', 'lossLrScale', 'miner', 'minerOptions', 'numClasses'];
const KNOWN_OPTIONS = new Set(['encoder', 'hiddenDim', 'outputDim', 'totalSteps', 'viewBatchNorm', ...METHOD_OPTION_NAMES, ...LOSS_OPTIONS]);

/** Why `value` is not a valid `name` for `recipe`'s method, or null when it is (the CLI and configs share it). */
export function methodOptionProblem(recipe: MethodRecipe, name: string, value: unknown): string | null {
  if (!KNOWN_OPTIONS.has(name)) return `unknown option '${name}' (known: ${[...KNOWN_OPTIONS].join(', ')})`;
  if (value === undefined || name === 'encoder' || name === 'totalSteps') return null;
  if (name === 'viewBatchNorm') return (VIEW_BATCH_NORMS as readonly unknown[]).includes(value) ? null : `viewBatchNorm must be one of ${VIEW_BATCH_NORMS.join(', ')}, got ${String(value)}`;
  if (LOSS_OPTIONS.includes(name)) return recipe.loss === undefined && value !== null ? `${recipe.name} has its paper's loss and takes no ${name} (use --method metric to choose one)` : null;
  const taken = (METHOD_OPTION_NAMES as readonly string[]).includes(name) ? name in recipe.defaults : recipe.heads !== null;
  if (!taken) return `${recipe.name} takes no ${name} (its options: ${optionNames(recipe).join(', ') || 'none'})`;
  const ok = name === 'temperature' ? typeof value === 'number' && Number.isFinite(value) && value > 0
    : name === 'tau' ? typeof value === 'number' && value >= 0 && value <= 1
      : typeof value === 'number' && Number.isInteger(value) && value > 0;
  if (ok) return null;
  const want = name === 'temperature' ? 'a finite number > 0' : name === 'tau' ? 'a number in [0, 1]' : 'a positive integer';
  return `${name} must be ${want}, got ${String(value)}`;
}

/**
 * A contrastive method: a backbone, heads, a loss and maybe a memory bank or an EMA target,
 * composed as a `Module`, so one state dict holds all of it (`backbone.*` loads into the same
 * encoder in PyTorch). `forward(views, labels, lengths?)` returns the batch's loss in the caller's
 * scope; `lengths` (N) are the sequences' lengths of a batch of padded sequences (null for images
 * and full-length sequences), the same for every view.
 * Each subclass declares its paper's `recipe` (a static field) and passes it here: an option
 * the recipe does not list is an error naming it.
 */
export abstract class Method extends Module<[views: Tensor[], labels: Tensor | null, lengths?: Tensor | null], Tensor> {
  /** How this method is trained (its class's `recipe`). */
  readonly recipe: MethodRecipe;
  readonly backbone: Encoder;
  /** The head widths built: the recipe's for this backbone (`headWidths`), or the options'. */
  readonly widths: HeadWidths;
  readonly #options: Readonly<MethodOptions>;
  #gather: ((t: Tensor, differentiable: boolean) => Tensor) | null = null;

  constructor(recipe: MethodRecipe, o: MethodOptions) {
    super();
    const who = new.target.name;
    if (typeof o !== 'object' || o === null) throw new TypeError(`${who}: options must be an object`);
    if (typeof o.encoder !== 'function') throw new TypeError(`${who}: options.encoder must be a function returning an Encoder`);
    for (const [k, v] of Object.entries(o)) {
      const problem = methodOptionProblem(recipe, k, v);
      if (problem) throw new TypeError(`${who}: ${problem}`);
    }
    this.recipe = recipe;
    this.#options = { ...o };
    this.backbone = this.registerModule('backbone', o.encoder());
    this.widths = headWidths(recipe, this.backbone.featureDim, o);
  }

  /** The `--method` name. */
  get methodName(): string {
    return this.recipe.name;
  }

  /** Whether `forward` needs labels (supervised methods). */
  get needsLabels(): boolean {
    return this.recipe.needsLabels;
  }

  /** An option's value: as given, else the recipe's default. */
  protected option(name: MethodOptionName): number {
    const v = this.#options[name] ?? this.recipe.defaults[name];
    if (v === undefined) throw new Error(`${this.name}: its recipe has no ${name}`);
    return v;
  }

  /** The run's total optimizer steps, for schedules inside the method (an EMA's τ). */
  protected get totalSteps(): number | undefined {
    return this.#options.totalSteps;
  }

  /** A new backbone like `backbone` (for target networks). */
  protected newEncoder(): Encoder {
    return this.#options.encoder();
  }

  /**
   * `backbone` and then each of `heads` on all `views`, as (V x B, D) in view order, each view
   * with the batch's `lengths`. 'joint' (`ViewBatchNorm`): the views concatenated along the
   * batch in one pass, so BatchNorm sees them all; 'per-view': one pass per view.
   */
  protected throughViews(views: Tensor[], lengths: Tensor | null | undefined, backbone: Encoder, ...heads: { forward(x: Tensor): Tensor }[]): Tensor {
    const network = (x: Tensor, l: Tensor | null): Tensor => heads.reduce((t, head) => head.forward(t), backbone.forward(x, l));
    if ((this.#options.viewBatchNorm ?? this.recipe.viewBatchNorm ?? 'joint') === 'per-view') return cat(views.map((v) => network(v, lengths ?? null)));
    return network(cat(views), lengths ? cat(views.map(() => lengths)) : null);
  }

  /** A projection head of class `Head` at this method's widths: backbone features -> hidden -> output. */
  protected projector<H>(Head: new (o: HeadDims) => H): H {
    return new Head({ inputDim: this.backbone.featureDim, hiddenDim: this.widths.hidden, outputDim: this.widths.output });
  }

  /** A prediction head of class `Head` on the projection: output -> hidden (or `hidden`) -> output. */
  protected predictor<H>(Head: new (o: HeadDims) => H, hidden = this.widths.hidden): H {
    return new Head({ inputDim: this.widths.output, hiddenDim: hidden, outputDim: this.widths.output });
  }

  /**
   * Data parallelism: `gather(t, differentiable)` concatenates every rank's `t` (n, ...) in rank
   * order; differentiable, its backward returns each rank the gradient of its rows
   * (`Distributed.gather`). Set by the trainer of a distributed run; null (one process) gathers
   * nothing.
   */
  distribute(gather: ((t: Tensor, differentiable: boolean) => Tensor) | null): void {
    this.#gather = gather;
  }

  /** Every rank's rows of `t`, as the recipe's `gathers` says; `t` itself in one process. */
  protected gather(t: Tensor, differentiable = true): Tensor {
    return this.#gather ? this.#gather(t, differentiable) : t;
  }

  /**
   * What the optimizer trains: the whole method, or parts at their own learning rates (a loss's
   * proxies). The trainer passes it to `createOptimizer`.
   */
  optimizerParts(): AnyModule | readonly OptimizerPart[] {
    return this;
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
