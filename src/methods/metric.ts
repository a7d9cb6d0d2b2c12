// Metric learning from labels with any label-based loss: pytorch-metric-learning's trainer, as a method.
import { createLoss, createMiner, lossLrScale, type MetricLoss } from '../losses/index.js';
import type { MethodOptions } from './method.js';
import type { MethodRecipe, OptimizerPart } from './recipe.js';
import { LabelledViews, SupCon } from './supcon.js';

/**
 * Supervised metric learning with a loss chosen by name (`--loss`, `losses.LOSS_NAMES`) and an
 * optional miner (`--miner`), as pytorch-metric-learning trains a trunk and an embedder
 * (Musgrave et al. 2020, "A Metric Learning Reality Check"): SupCon's architecture and recipe
 * (backbone, projection head, both views of each image labelled with its class), with the loss on
 * the projections of the global batch. A loss with proxies or class weights (ArcFace, ProxyAnchor,
 * ...) is a registered child, `criterion`: its parameters are saved in the checkpoint and trained
 * in their own optimizer group at the loss's learning-rate multiple (`losses.lossLrScale`).
 * Each loss takes its paper's defaults (ArcFace: margin 28.6 degrees, scale 64), which
 * `lossOptions` overrides.
 */
export class Metric extends LabelledViews {
  static readonly recipe = {
    ...SupCon.recipe,
    name: 'metric',
    paper: 'Musgrave et al. 2020, A Metric Learning Reality Check',
    defaults: {},
    loss: 'supcon',
  } as const satisfies MethodRecipe;

  readonly criterion: MetricLoss;
  readonly lossName: string;
  /** The learning-rate multiple of the loss's own parameters. */
  readonly lossLrScale: number;

  constructor(o: MethodOptions) {
    super(Metric.recipe, o);
    this.lossName = o.loss ?? Metric.recipe.loss;
    this.lossLrScale = o.lossLrScale ?? lossLrScale(this.lossName);
    const miner = o.miner ? createMiner(o.miner, o.minerOptions) : null;
    this.criterion = this.registerModule('criterion', createLoss(this.lossName, {
      embeddingSize: this.widths.output, numClasses: o.numClasses ?? 0, miner, options: o.lossOptions ?? {},
    }));
  }

  /** The backbone and head at the optimizer's rate, the loss's own parameters (if any) at the loss's multiple. */
  override optimizerParts(): readonly OptimizerPart[] {
    return [
      { module: this.backbone, lrScale: 1 },
      { module: this.projectionHead, lrScale: 1 },
      { module: this.criterion, lrScale: this.lossLrScale },
    ];
  }
}
