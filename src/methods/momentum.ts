// Methods with a momentum target network: BYOL's target, MoCo's key encoder.
import { EMA, type EMAPair } from '../optim/index.js';
import { Method } from './method.js';

/**
 * A method whose target modules are exponential moving averages of its online ones (BYOL,
 * Grill et al. 2020, Sec. 3.1; MoCo, He et al. 2020, Sec. 3.2): τ from the recipe's `tau`, raised
 * to 1 over the run by BYOL's cosine schedule. The EMA moves after every optimizer step and its
 * step count travels in checkpoints (`extraState`).
 */
export abstract class MomentumMethod extends Method {
  #ema: EMA | null = null;

  /** Makes each pair's target follow its online module (call once, in the constructor). */
  protected follow(pairs: readonly EMAPair[]): void {
    if (this.#ema) throw new Error(`${this.name}: follow() was already called`);
    this.#ema = new EMA(pairs, { tau: this.option('tau'), totalSteps: this.totalSteps });
  }

  get #momentum(): EMA {
    if (!this.#ema) throw new Error(`${this.name}: its constructor never called follow()`);
    return this.#ema;
  }

  override afterStep(): void {
    this.#momentum.update();
  }

  override extraState(): Record<string, unknown> {
    return { emaStep: this.#momentum.step };
  }

  override loadExtraState(s: Record<string, unknown>): void {
    this.#momentum.loadStateDict({ step: Number(s.emaStep ?? 0) });
  }
}
