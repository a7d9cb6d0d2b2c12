// A method's recipe: what its paper says about training it, declared in the method's own file
// (`static readonly recipe`) and read by the trainer, the command line and the examples.
import { type AnyModule } from '../nn/index.js';
import { Adam, AdamW, LARS, SGD, splitBiasAndNorm, type Optimizer } from '../optim/index.js';

/** The optimizers a recipe or a config may name. */
export const OPTIMIZER_NAMES = ['lars', 'sgd', 'adam', 'adamw'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** A base learning rate and how it scales with the batch size B. */
export interface LrRule {
  readonly base: number;
  /**
   * 'linear': base x B / 256 (Goyal et al. 2017, "Accurate, Large Minibatch SGD"); 'sqrt':
   * base x sqrt(B) (SimCLR, Chen et al. 2020, appendix B.1: better for small batches and short
   * runs); 'none': base, whatever the batch (Adam's usual practice).
   */
  readonly scaling: 'linear' | 'sqrt' | 'none';
}

/** An optimizer with its learning-rate rule and weight decay. */
export interface OptimizerRecipe {
  readonly name: OptimizerName;
  readonly lr: LrRule;
  readonly weightDecay: number;
}

/** Options a method may take beyond its encoder and head widths; each recipe lists its own. */
export type MethodOptionName = 'temperature' | 'queueSize' | 'tau';
export const METHOD_OPTION_NAMES: readonly MethodOptionName[] = ['temperature', 'queueSize', 'tau'];

/** Hidden and output widths of a method's heads. */
export interface HeadWidths {
  readonly hidden: number;
  readonly output: number;
}

/**
 * How the views of a batch meet BatchNorm. 'joint': all views go through the network as one
 * batch, so BatchNorm normalises them together (SimCLR's and MoCo v3's reference
 * implementations). 'per-view': one forward pass per view, so each view has its own batch
 * statistics, as Barlow Twins (Zbontar et al. 2021) and VICReg (Bardes et al. 2022) normalise,
 * and as lightly's examples run every method (`z0 = model(x0); z1 = model(x1)`).
 */
export const VIEW_BATCH_NORMS = ['joint', 'per-view'] as const;
export type ViewBatchNorm = (typeof VIEW_BATCH_NORMS)[number];

/** What a method's paper prescribes, in one object per method. */
export interface MethodRecipe {
  /** The `--method` name. */
  readonly name: string;
  /** Its paper, as "Authors year, title". */
  readonly paper: string;
  /** Whether it learns from labels (supervised methods). */
  readonly needsLabels: boolean;
  /** The kinds of input it learns from (`data.inputKind`: images, sequences, vectors). */
  readonly inputs: readonly ('image' | 'sequence' | 'vector')[];
  /** The paper's optimizer (used unless a config names another). */
  readonly optimizer: OptimizerRecipe;
  /** The options it takes, with the paper's values: any other option is an error. */
  readonly defaults: Readonly<Partial<Record<MethodOptionName, number>>>;
  /** Its heads' widths in the paper (for ResNet-50's 2048 features; see `headWidths`), or null for a method without heads (CPC). */
  readonly heads: HeadWidths | null;
  /** The two-view augmentation preset per input kind (`augment.preset` names; images use the small-image forms below 32 pixels). */
  readonly augment: { readonly image: string; readonly sequence: string };
  /**
   * What a data-parallel run gathers from every rank (`Method.gather`), so the loss sees the global
   * batch as one process would: 'embeddings' (the loss runs on all ranks' embeddings, gathered with
   * a backward: negatives, positives, statistics and memory banks of the global batch), 'keys' (the
   * loss is per-rank; the keys that enter the queue are all ranks'), or 'nothing' (a per-sample
   * loss: the mean of the ranks' losses is the global batch's).
   */
  readonly gathers: 'embeddings' | 'keys' | 'nothing';
  /** For a method whose loss is chosen by name (`--loss`: metric), the loss it uses by default. */
  readonly loss?: string;
  /** The encoder the method needs per input kind, where it needs one ('auto' picks it; CPC's). */
  readonly encoder?: { readonly image?: string; readonly sequence?: string; readonly vector?: string };
  /** How its paper's views meet BatchNorm (absent: 'joint'); `viewBatchNorm` overrides it. */
  readonly viewBatchNorm?: ViewBatchNorm;
}

/**
 * What an optimizer starts from when a config picks one the recipe does not: LARS 0.3 per 256
 * images with weight decay 1e-6 (SimCLR's linear rule, appendix B.1), SGD 0.06 per 256 with
 * 5e-4 (MoCo v2 and SimSiam use 0.03 and 0.05 for 200-800-epoch runs), Adam and AdamW 1e-3
 * whatever the batch.
 */
export const OPTIMIZER_DEFAULTS: Readonly<Record<OptimizerName, OptimizerRecipe>> = {
  lars: { name: 'lars', lr: { base: 0.3, scaling: 'linear' }, weightDecay: 1e-6 },
  sgd: { name: 'sgd', lr: { base: 0.06, scaling: 'linear' }, weightDecay: 5e-4 },
  adam: { name: 'adam', lr: { base: 1e-3, scaling: 'none' }, weightDecay: 0 },
  adamw: { name: 'adamw', lr: { base: 1e-3, scaling: 'none' }, weightDecay: 1e-4 },
};

/** The learning rate of `rule` at batch size `batchSize`. */
export function learningRate(rule: LrRule, batchSize: number): number {
  switch (rule.scaling) {
    case 'linear': return rule.base * (batchSize / 256);
    case 'sqrt': return rule.base * Math.sqrt(batchSize);
    case 'none': return rule.base;
  }
}

/** An optimizer fully resolved: its name, learning rate and weight decay. */
export interface OptimizerSettings {
  name: OptimizerName;
  lr: number;
  weightDecay: number;
}

/**
 * The optimizer of `recipe` at `batchSize`, with what a config overrides ('auto' or undefined
 * keeps the recipe's): another optimizer takes `OPTIMIZER_DEFAULTS` for its rate and decay.
 */
export function optimizerSettings(
  recipe: MethodRecipe,
  o: { batchSize: number; optimizer?: OptimizerName | 'auto'; lr?: number | 'auto'; weightDecay?: number | 'auto' },
): OptimizerSettings {
  const name = o.optimizer === undefined || o.optimizer === 'auto' ? recipe.optimizer.name : o.optimizer;
  const r = name === recipe.optimizer.name ? recipe.optimizer : OPTIMIZER_DEFAULTS[name];
  if (!r) throw new TypeError(`optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}, got '${String(name)}'`);
  return {
    name,
    lr: o.lr === undefined || o.lr === 'auto' ? learningRate(r.lr, o.batchSize) : o.lr,
    weightDecay: o.weightDecay === undefined || o.weightDecay === 'auto' ? r.weightDecay : o.weightDecay,
  };
}

/** A part of a model that trains at its own rate: `lrScale` x the optimizer's learning rate (0 leaves it out). */
export interface OptimizerPart {
  module: AnyModule;
  lrScale: number;
}

/**
 * The optimizer over `model`'s trainable parameters (a frozen target network's are left out),
 * or over `parts`, each at its own learning rate (fine-tuning's backbone and head). Biases and
 * normalisation-layer parameters take no weight decay, and no LARS adaptation ("we exclude the
 * biases and batch normalization parameters from both LARS adaptation and weight decay", Grill
 * et al. 2020, BYOL, appendix C); momentum 0.9 for LARS and SGD.
 */
export function createOptimizer(model: AnyModule | readonly OptimizerPart[], s: OptimizerSettings): Optimizer<{ lr: number }> {
  const parts = Array.isArray(model) ? model as readonly OptimizerPart[] : [{ module: model as AnyModule, lrScale: 1 }];
  const scaled = parts.filter((p) => p.lrScale > 0);
  /** Each part's decayed and undecayed groups at its rate (Adam: one group per part, decay coupled to all). */
  const groups = (d: object, nd: object) => scaled.flatMap(({ module, lrScale }) => {
    const lr = s.lr * lrScale;
    if (s.name === 'adam') return [{ params: module.parameters().filter((p) => p.requiresGrad), lr }];
    const { decay, noDecay } = splitBiasAndNorm(module); // trainable parameters only
    return [{ params: decay, lr, ...d }, { params: noDecay, lr, ...nd }];
  }).filter((g) => g.params.length > 0);
  switch (s.name) {
    case 'lars':
      return new LARS(groups({ weightDecay: s.weightDecay }, { weightDecay: 0, adaptation: false }), { lr: s.lr, momentum: 0.9, weightDecay: s.weightDecay });
    case 'sgd':
      return new SGD(groups({ weightDecay: s.weightDecay }, { weightDecay: 0 }), { lr: s.lr, momentum: 0.9, weightDecay: s.weightDecay });
    case 'adam':
      return new Adam(groups({}, {}), { lr: s.lr, weightDecay: s.weightDecay });
    case 'adamw':
      return new AdamW(groups({ weightDecay: s.weightDecay }, { weightDecay: 0 }), { lr: s.lr, weightDecay: s.weightDecay });
  }
}

/**
 * Backbones with fewer features than this are the small CPU encoders (convnet-small's 128;
 * ResNet-18 has 512): their heads are narrowed (see `headWidths`).
 */
export const NARROW_BACKBONE_FEATURES = 512;

/**
 * The head widths of `recipe` on a backbone of `featureDim` features: the paper's, or for a
 * narrow backbone (< NARROW_BACKBONE_FEATURES) hidden 2 x featureDim (at least 256) and output
 * at most 128, which suit a CPU budget better than the paper's 2048-8192-wide heads. `hiddenDim`
 * and `outputDim` override either.
 */
export function headWidths(recipe: MethodRecipe, featureDim: number, o: { hiddenDim?: number; outputDim?: number } = {}): HeadWidths {
  if (!recipe.heads) return { hidden: 0, output: 0 };
  const narrow = featureDim < NARROW_BACKBONE_FEATURES;
  return {
    hidden: o.hiddenDim ?? (narrow ? Math.max(2 * featureDim, 256) : recipe.heads.hidden),
    output: o.outputDim ?? (narrow ? Math.min(recipe.heads.output, 128) : recipe.heads.output),
  };
}

/** The options `recipe`'s method takes, for messages: its own, then the head widths when it has heads. */
export function optionNames(recipe: MethodRecipe): string[] {
  return [...Object.keys(recipe.defaults), ...(recipe.heads ? ['hiddenDim', 'outputDim'] : [])];
}
