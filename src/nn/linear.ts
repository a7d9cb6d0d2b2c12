// Linear, Identity and Flatten layers.
import { empty, F, type Tensor, scope } from '../tensor/index.js';
import { defaultLinearInit_ } from './init.js';
import { Module } from './module.js';
import { type FactoryOptions, positiveInt } from './parameter.js';

/**
 * y = x W^T + b, as `torch.nn.Linear`: weight (out, in), bias (out); initialised as PyTorch
 * (kaiming_uniform with a = sqrt(5), bias U(-1/sqrt(in), 1/sqrt(in))).
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, o: FactoryOptions & { bias?: boolean } = {}) {
    super();
    this.inFeatures = positiveInt('Linear', 'inFeatures', inFeatures);
    this.outFeatures = positiveInt('Linear', 'outFeatures', outFeatures);
    [this.weight, this.bias] = scope(() => {
      const w = empty([outFeatures, inFeatures], o); // (out, in)
      const b = o.bias === false ? null : empty([outFeatures], o);
      defaultLinearInit_(w, b);
      return [w, b];
    });
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
  }

  forward(x: Tensor): Tensor {
    const d = x.shape[x.ndim - 1];
    if (d !== this.inFeatures) {
      throw new Error(`Linear: expected input with last dim ${this.inFeatures}, got shape [${x.shape.join(', ')}]`);
    }
    return F.linear(x, this.weight, this.bias); // (..., out)
  }
}

/** Returns its input (`torch.nn.Identity`): a placeholder, e.g. for a removed layer. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens dims startDim..endDim into one (`torch.nn.Flatten`; by default all but the batch). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim); // (N, C*H*W) by default
  }
}
