// LARS: layer-wise adaptive rate scaling, as SimCLR and BYOL use it.
import { type Tensor, keep, where, zerosLike } from '../tensor/index.js';
import { type AnyModule, isNormLayer } from '../nn/index.js';
import { Optimizer, type ParamGroup, type ParamState, type ParamsInput } from './optimizer.js';

/** LARS's hyper-parameters. */
export interface LARSOptions {
  lr: number;
  momentum: number;
  weightDecay: number;
  /** The trust coefficient η (SimCLR's `eeta`): the local rate is η ||w|| / ||g||. */
  trustCoefficient: number;
  nesterov: boolean;
  /** Whether this group gets the layer-wise adaptation (false for biases and norm layers). */
  adaptation: boolean;
}

/**
 * LARS (You, Gitman & Ginsburg 2017, "Large Batch Training of Convolutional Networks"), in the
 * form of SimCLR's `LARSOptimizer` (Chen et al. 2020, github.com/google-research/simclr,
 * lars_optimizer.py), which BYOL also uses. Per parameter w with gradient g:
 *   g = g + weightDecay * w
 *   r = η ||w|| / ||g|| if ||w|| > 0 and ||g|| > 0, else 1   (r = 1 without adaptation)
 *   v = momentum * v + lr * r * g
 *   w = w - (nesterov ? momentum * v + lr * r * g : v)
 * Note the learning rate sits inside the momentum buffer (unlike torch.optim.SGD).
 * "We exclude the biases and batch normalization parameters from both LARS adaptation and
 * weight decay" (Grill et al. 2020, BYOL, App. C): build such groups with `LARS.groups(model)`.
 * Defaults momentum 0.9, weightDecay 0, trustCoefficient 0.001, nesterov false, adaptation true.
 */
export class LARS extends Optimizer<LARSOptions> {
  constructor(params: ParamsInput<LARSOptions>, o: Partial<LARSOptions> & { lr: number }) {
    super(params, { momentum: 0.9, weightDecay: 0, trustCoefficient: 0.001, nesterov: false, adaptation: true, ...o });
  }

  /**
   * Two groups for `model`: weights (decay and adaptation) and biases plus normalisation-layer
   * parameters (neither), as SimCLR's `exclude_from_weight_decay=['batch_normalization', 'bias']`.
   */
  static groups(model: AnyModule, weightDecay: number): (Partial<LARSOptions> & { params: Tensor[] })[] {
    const { decay, noDecay } = splitBiasAndNorm(model);
    return [
      { params: decay, weightDecay },
      { params: noDecay, weightDecay: 0, adaptation: false },
    ].filter((g) => g.params.length > 0);
  }

  protected override checkOptions(o: LARSOptions): void {
    super.checkOptions(o);
    if (!(o.momentum >= 0)) throw new RangeError(`LARS: invalid momentum ${o.momentum}`);
    if (!(o.weightDecay >= 0)) throw new RangeError(`LARS: invalid weightDecay ${o.weightDecay}`);
    if (!(o.trustCoefficient > 0)) throw new RangeError(`LARS: trustCoefficient must be positive, got ${o.trustCoefficient}`);
  }

  protected update(group: ParamGroup<LARSOptions>, w: Tensor, grad: Tensor, state: ParamState): void {
    const g = group.weightDecay !== 0 ? grad.add(w, group.weightDecay) : grad;
    let scaledLr: Tensor | number = group.lr;
    if (group.adaptation) {
      const wNorm = w.norm(); // ()
      const gNorm = g.norm(); // ()
      const r = where(wNorm.gt(0), where(gNorm.gt(0), wNorm.div(gNorm).mul(group.trustCoefficient), 1), 1);
      scaledLr = r.mul(group.lr); // () on the parameter's device: no sync
    }
    const v = (state.momentumBuffer ??= keep(zerosLike(w))) as Tensor;
    const lrG = g.mul(scaledLr); // lr r g
    v.mul_(group.momentum).add_(lrG);
    if (group.nesterov) w.sub_(v.mul(group.momentum).add_(lrG));
    else w.sub_(v);
  }
}

/**
 * Splits a model's trainable parameters into those that take weight decay (weights of linear
 * and convolution layers) and those that do not: biases and the parameters of normalisation
 * layers (BatchNorm, LayerNorm, GroupNorm).
 */
export function splitBiasAndNorm(model: AnyModule): { decay: Tensor[]; noDecay: Tensor[] } {
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  for (const [, m] of model.namedModules()) {
    const norm = isNormLayer(m);
    for (const [n, p] of m.namedParameters('', false)) {
      if (!p.requiresGrad) continue;
      (norm || n === 'bias' ? noDecay : decay).push(p);
    }
  }
  return { decay, noDecay };
}
