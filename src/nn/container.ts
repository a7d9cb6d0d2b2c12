// Sequential: modules applied in order, named "0", "1", ... as `torch.nn.Sequential`.
import { type Tensor, scope } from '../tensor/index.js';
import { Module } from './module.js';

/** A Tensor-to-Tensor module. */
export type Layer = Module<[Tensor], Tensor>;

/**
 * Applies its modules in order (`torch.nn.Sequential`); their parameters are named `0.weight`,
 * `1.running_mean`, ... Intermediate activations are freed as soon as the next layer has run
 * (what autograd saved stays alive for backward), as PyTorch's reference counting would; so a
 * layer must not hold on to its input after its forward returns.
 */
export class Sequential extends Module {
  readonly #layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
      this.registerModule(String(i), m);
    });
    this.#layers = layers;
  }

  get length(): number {
    return this.#layers.length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Layer {
    const m = this.#layers.at(i);
    if (!m) throw new RangeError(`Sequential.at: index ${i} out of range for ${this.#layers.length} modules`);
    return m;
  }

  forward(x: Tensor): Tensor {
    return scope(() => {
      let y = x;
      for (const m of this.#layers) {
        const next = m.forward(y);
        if (y !== x && next !== y) y.dispose(); // autograd keeps what it saved
        y = next;
      }
      return y;
    });
  }
}
