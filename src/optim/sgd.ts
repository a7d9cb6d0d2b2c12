// Stochastic gradient descent with momentum, as torch.optim.SGD.
import { foreach, type Tensor, keep } from '../tensor/index.js';
import { Optimizer, type ParamGroup, type ParamState, type ParamsInput } from './optimizer.js';

/** SGD's hyper-parameters (PyTorch's names in camelCase). */
export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * Stochastic gradient descent with momentum (Polyak 1964; Nesterov's variant as Sutskever et
 * al. 2013), exactly `torch.optim.SGD`'s update:
 *   g = grad + weightDecay * p
 *   b = g (first step), else b = momentum * b + (1 - dampening) * g
 *   g = nesterov ? g + momentum * b : b
 *   p = p - lr * g
 * Defaults: momentum 0, dampening 0, weightDecay 0, nesterov false; `lr` is required.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, o: Partial<SGDOptions> & { lr: number }) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...o });
  }

  protected override checkOptions(o: SGDOptions): void {
    super.checkOptions(o);
    if (!(o.momentum >= 0)) throw new RangeError(`SGD: invalid momentum ${o.momentum}`);
    if (!(o.weightDecay >= 0)) throw new RangeError(`SGD: invalid weightDecay ${o.weightDecay}`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new RangeError('SGD: nesterov momentum needs momentum > 0 and dampening 0');
  }

  /** The same update for a whole group with `_foreach_*` ops (used on CUDA). */
  protected override updateGroup(group: ParamGroup<SGDOptions>, params: Tensor[], grads: Tensor[], states: ParamState[]): void {
    let d = group.maximize ? foreach.neg(grads) : grads;
    if (group.weightDecay !== 0) d = foreach.add(d, params, group.weightDecay);
    if (group.momentum !== 0) {
      const old = states.map((s, i) => [s.momentumBuffer as Tensor | undefined, i] as const).filter(([b]) => b !== undefined);
      if (old.length) {
        const bufs = old.map(([b]) => b!);
        foreach.mul_(bufs, group.momentum);
        foreach.add_(bufs, old.map(([, i]) => d[i]!), 1 - group.dampening);
      }
      states.forEach((s, i) => {
        s.momentumBuffer ??= keep(d[i]!.clone());
      });
      const bufs = states.map((s) => s.momentumBuffer as Tensor);
      d = group.nesterov ? foreach.add(d, bufs, group.momentum) : bufs;
    }
    foreach.add_(params, d, -group.lr);
  }

  protected update(group: ParamGroup<SGDOptions>, p: Tensor, grad: Tensor, state: ParamState): void {
    let g = group.maximize ? grad.neg() : grad;
    if (group.weightDecay !== 0) g = g.add(p, group.weightDecay);
    if (group.momentum !== 0) {
      let buf = state.momentumBuffer as Tensor | undefined;
      if (!buf) {
        buf = state.momentumBuffer = keep(g.clone());
      } else {
        buf.mul_(group.momentum).add_(g, 1 - group.dampening);
      }
      g = group.nesterov ? g.add(buf, group.momentum) : buf;
    }
    p.add_(g, -group.lr);
  }
}
