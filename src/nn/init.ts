// Weight initialisation, as `torch.nn.init`, drawing from the engine's seeded generator so that
// the same seed gives the same weights as PyTorch (the same libtorch generator and draws).
import { type Tensor, noGrad } from '../tensor/index.js';

/** Non-linearities `calculateGain` knows (PyTorch's names). */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** The recommended gain for a non-linearity (`torch.nn.init.calculate_gain`). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'sigmoid': return 1;
    case 'tanh': return 5.0 / 3;
    case 'relu': return Math.sqrt(2.0);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
    case 'selu': return 3.0 / 4;
    default: throw new TypeError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/** [fanIn, fanOut] of a weight of shape (out, in, *kernel) (`_calculate_fan_in_and_fan_out`). */
export function fanInAndFanOut(shape: readonly number[]): [number, number] {
  if (shape.length < 2) {
    throw new Error(`fanInAndFanOut: fan in and fan out need a tensor of at least 2 dims, got shape [${shape.join(', ')}]`);
  }
  const receptiveField = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1]! * receptiveField, shape[0]! * receptiveField];
}

/** Fills `t` from U(low, high) in place (`torch.nn.init.uniform_`), also a parameter that requires grad. */
export function uniform_(t: Tensor, low = 0, high = 1): Tensor {
  return noGrad(() => t.uniform_(low, high));
}

/** Fills `t` from N(mean, std^2) in place (`torch.nn.init.normal_`), also a parameter that requires grad. */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => t.normal_(mean, std));
}

/** Fills `t` with `value` in place. */
export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  /** 'fanIn' keeps the forward variance, 'fanOut' the backward one. */
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const [fanIn, fanOut] = fanInAndFanOut(t.shape);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  return gain / Math.sqrt(fan);
}

/**
 * He et al. 2015, "Delving deep into rectifiers": U(-b, b) with b = gain * sqrt(3 / fan)
 * (`torch.nn.init.kaiming_uniform_`). PyTorch's Linear and Conv use it with a = sqrt(5),
 * which gives b = 1 / sqrt(fanIn).
 */
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3.0) * kaimingStd(t, o);
  return uniform_(t, -bound, bound);
}

/** He et al. 2015: N(0, std^2) with std = gain / sqrt(fan) (`torch.nn.init.kaiming_normal_`). */
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, o));
}

/** Glorot & Bengio 2010: U(-b, b) with b = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = fanInAndFanOut(t.shape);
  const bound = Math.sqrt(3.0) * gain * Math.sqrt(2.0 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}

/**
 * PyTorch's default for Linear and Conv layers (`reset_parameters`): the weight from
 * kaiming_uniform(a = sqrt(5)), the bias from U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
 */
export function defaultLinearInit_(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const [fanIn] = fanInAndFanOut(weight.shape);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
