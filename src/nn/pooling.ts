// Pooling layers, as torch.nn's.
import { F, type Tensor } from '../tensor/index.js';
import { Module } from './module.js';

type IntOrPair = number | readonly [number, number];

/** Max over windows of (N, C, H, W) (`torch.nn.MaxPool2d`; the stride defaults to the kernel size). */
export class MaxPool2d extends Module {
  readonly kernelSize: IntOrPair;
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;
  readonly dilation: IntOrPair;
  readonly ceilMode: boolean;

  constructor(kernelSize: IntOrPair, o: { stride?: IntOrPair; padding?: IntOrPair; dilation?: IntOrPair; ceilMode?: boolean } = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.ceilMode = o.ceilMode ?? false;
  }

  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }
}

/** Averages (N, C, H, W) to `outputSize` cells (`torch.nn.AdaptiveAvgPool2d`); 1 is global pooling. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: IntOrPair) {
    super();
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 && x.ndim !== 3) throw new Error(`AdaptiveAvgPool2d: expected a 3-d or 4-d input, got shape [${x.shape.join(', ')}]`);
    return F.adaptiveAvgPool2d(x, this.outputSize); // (N, C, oh, ow)
  }
}
