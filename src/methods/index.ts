// Methods: encoder + heads + loss (+ memory bank or EMA target), each with its paper's recipe.
export { Method, checkViews, methodOptionProblem, type MethodOptions } from './method.js';
export {
  createOptimizer, type OptimizerPart, headWidths, learningRate, optimizerSettings, optionNames,
  NARROW_BACKBONE_FEATURES, METHOD_OPTION_NAMES, OPTIMIZER_DEFAULTS, OPTIMIZER_NAMES, VIEW_BATCH_NORMS, type ViewBatchNorm,
  type HeadWidths, type LrRule, type MethodOptionName, type MethodRecipe, type OptimizerName, type OptimizerRecipe, type OptimizerSettings,
} from './recipe.js';
export { MomentumMethod } from './momentum.js';
export { MemoryBank } from './memory-bank.js';
export { SimCLR, SimCLRArchitecture } from './simclr.js';
export { LabelledViews, SupCon } from './supcon.js';
export { Metric } from './metric.js';
export { NNCLR } from './nnclr.js';
export { BYOL } from './byol.js';
export { MoCo } from './moco.js';
export { SimSiam } from './simsiam.js';
export { BarlowTwins, VICReg } from './barlow-twins.js';
export { CPC, type CPCEncoder } from './cpc.js';
export { createMethod, recipeOf, METHOD_NAMES, type MethodName } from './registry.js';
