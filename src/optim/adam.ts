// Adam and AdamW, as torch.optim.Adam and torch.optim.AdamW.
import { type Tensor, keep, maximum, zerosLike } from '../tensor/index.js';
import { Optimizer, type ParamGroup, type ParamState, type ParamsInput } from './optimizer.js';

/** Adam's and AdamW's hyper-parameters (PyTorch's names in camelCase). */
export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/** The moment updates and the bias-corrected step shared by Adam and AdamW (PyTorch 1.13's order of ops). */
function adamStep(group: ParamGroup<AdamOptions>, p: Tensor, g: Tensor, state: ParamState): void {
  const [beta1, beta2] = group.betas;
  if (state.step === undefined) {
    state.step = 0;
    state.expAvg = keep(zerosLike(p));
    state.expAvgSq = keep(zerosLike(p));
    if (group.amsgrad) state.maxExpAvgSq = keep(zerosLike(p));
  }
  const step = (state.step as number) + 1;
  state.step = step;
  const m = state.expAvg as Tensor;
  const v = state.expAvgSq as Tensor;
  m.mul_(beta1).add_(g, 1 - beta1); // m = b1 m + (1 - b1) g
  v.mul_(beta2).addcmul_(g, g, 1 - beta2); // v = b2 v + (1 - b2) g^2
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
  let second = v;
  if (group.amsgrad) {
    const vmax = state.maxExpAvgSq as Tensor;
    maximum(vmax, v, { out: vmax }); // vmax = max(vmax, v)
    second = vmax;
  }
  const denom = second.sqrt().div_(biasCorrection2Sqrt).add_(group.eps);
  p.addcdiv_(m, denom, -group.lr / biasCorrection1);
}

function checkAdam(name: string, o: AdamOptions): void {
  if (!(o.eps >= 0)) throw new RangeError(`${name}: invalid eps ${o.eps}`);
  if (!Array.isArray(o.betas) || o.betas.length !== 2 || !o.betas.every((b) => b >= 0 && b < 1)) {
    throw new RangeError(`${name}: betas must be two numbers in [0, 1), got ${String(o.betas)}`);
  }
  if (!(o.weightDecay >= 0)) throw new RangeError(`${name}: invalid weightDecay ${o.weightDecay}`);
}

/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization"), exactly
 * `torch.optim.Adam`: L2 weight decay added to the gradient, then
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * Defaults lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0, amsgrad false.
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsInput<AdamOptions>, o: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...o });
  }

  protected override checkOptions(o: AdamOptions): void {
    super.checkOptions(o);
    checkAdam('Adam', o);
  }

  protected update(group: ParamGroup<AdamOptions>, p: Tensor, grad: Tensor, state: ParamState): void {
    let g = group.maximize ? grad.neg() : grad;
    if (group.weightDecay !== 0) g = g.add(p, group.weightDecay);
    adamStep(group, p, g, state);
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"), exactly
 * `torch.optim.AdamW`: the weight decay is decoupled from the gradient,
 * p = p (1 - lr weightDecay), then Adam's step. Defaults lr 1e-3, betas [0.9, 0.999],
 * eps 1e-8, weightDecay 1e-2, amsgrad false.
 */
export class AdamW extends Optimizer<AdamOptions> {
  constructor(params: ParamsInput<AdamOptions>, o: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...o });
  }

  protected override checkOptions(o: AdamOptions): void {
    super.checkOptions(o);
    checkAdam('AdamW', o);
  }

  protected update(group: ParamGroup<AdamOptions>, p: Tensor, grad: Tensor, state: ParamState): void {
    const g = group.maximize ? grad.neg() : grad;
    p.mul_(1 - group.lr * group.weightDecay);
    adamStep(group, p, g, state);
  }
}
