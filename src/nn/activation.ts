// Activation layers, as torch.nn's.
import { F, type Tensor } from '../tensor/index.js';
import { Module } from './module.js';

/**
 * max(0, x) (`torch.nn.ReLU`). With `inplace` it overwrites its input, as torchvision's ResNet
 * does after BatchNorm and the residual sum (saving a copy); only use it where autograd does
 * not need the input.
 */
export class ReLU extends Module {
  constructor(readonly inplace = false) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.inplace ? x.relu_() : F.relu(x);
  }
}

/** GELU (Hendrycks & Gimpel 2016, "Gaussian Error Linear Units"), `torch.nn.GELU`. */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.gelu(x, this.approximate);
  }
}

/** x * sigmoid(x) (Elfwing et al. 2018; "swish"), `torch.nn.SiLU`. */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

/** softmax along `dim` (`torch.nn.Softmax`): a classifier's logits as class probabilities. */
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.softmax(this.dim);
  }
}
