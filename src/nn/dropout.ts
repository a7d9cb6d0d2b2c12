// Dropout (Srivastava et al. 2014, "Dropout: A Simple Way to Prevent Neural Networks from Overfitting").
import { F, type Tensor } from '../tensor/index.js';
import { Module } from './module.js';

/** Zeroes each element with probability `p` in training and scales the rest by 1/(1-p) (`torch.nn.Dropout`). */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}
