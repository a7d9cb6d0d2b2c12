// Exponential moving average of weights (BYOL's target network, MoCo's key encoder).
import { type Tensor, noGrad, scope } from '../tensor/index.js';
import type { AnyModule } from '../nn/index.js';

/**
 * BYOL's target decay rate at step k of K: τ = 1 − (1 − τ_base) (cos(π k / K) + 1) / 2
 * (Grill et al. 2020, "Bootstrap Your Own Latent", Sec. 3.2: "we increase τ to one during
 * training"), from τ_base at k = 0 to 1 at k = K.
 */
export function byolTau(k: number, totalSteps: number, tauBase = 0.996): number {
  if (!(totalSteps > 0)) throw new RangeError(`byolTau: totalSteps must be positive, got ${totalSteps}`);
  const p = Math.min(Math.max(k / totalSteps, 0), 1);
  return 1 - (1 - tauBase) * (Math.cos(Math.PI * p) + 1) / 2;
}

/** An online module and the module that follows it as its moving average. */
export type EMAPair = readonly [online: AnyModule, target: AnyModule];

/**
 * Keeps each target module's parameters an exponential moving average of its online module's:
 * ξ ← τ ξ + (1 − τ) θ (BYOL, Sec. 3.1; MoCo's momentum update with m = τ), with τ from
 * `byolTau` when `totalSteps` is given, else fixed at `tau`. The targets' parameters are first
 * set equal to the online ones and frozen (requiresGrad false); buffers (BatchNorm statistics)
 * are the targets' own, updated by their forward passes, as in BYOL. Parameters are paired by
 * name once, here: `Module.to()` keeps each parameter's Tensor, so the pairs stay valid.
 */
export class EMA {
  readonly tauBase: number;
  readonly totalSteps: number | null;
  readonly #pairs: [online: Tensor, target: Tensor][];
  #step = 0;

  constructor(modules: readonly EMAPair[], o: { tau?: number; totalSteps?: number } = {}) {
    this.tauBase = o.tau ?? 0.996;
    if (!(this.tauBase >= 0 && this.tauBase <= 1)) throw new RangeError(`EMA: tau must be in [0, 1], got ${this.tauBase}`);
    if (o.totalSteps !== undefined && !(Number.isInteger(o.totalSteps) && o.totalSteps > 0)) {
      throw new RangeError(`EMA: totalSteps must be a positive integer, got ${o.totalSteps}`);
    }
    this.totalSteps = o.totalSteps ?? null;
    if (!Array.isArray(modules) || modules.length === 0) throw new TypeError('EMA: expected a non-empty array of [online, target] module pairs');
    this.#pairs = modules.flatMap(([online, target], i) => pairParameters(online, target, `pair ${i}`));
    noGrad(() => scope(() => {
      for (const [p, q] of this.#pairs) q.copy_(p);
    }));
    for (const [, target] of modules) target.requiresGrad_(false);
  }

  /** The τ the next `update()` uses. */
  get tau(): number {
    return this.totalSteps === null ? this.tauBase : byolTau(this.#step, this.totalSteps, this.tauBase);
  }

  /** The updates counted so far (for resuming). */
  get step(): number {
    return this.#step;
  }

  /** ξ ← τ ξ + (1 − τ) θ for every parameter pair (in place: ξ.lerp_(θ, 1 − τ)); then counts a step. */
  update(tau = this.tau): void {
    if (!(tau >= 0 && tau <= 1)) throw new RangeError(`EMA.update: tau must be in [0, 1], got ${tau}`);
    noGrad(() => {
      for (const [p, q] of this.#pairs) q.lerp_(p, 1 - tau);
    });
    this.#step += 1;
  }

  stateDict(): { step: number; tauBase: number; totalSteps: number | null } {
    return { step: this.#step, tauBase: this.tauBase, totalSteps: this.totalSteps };
  }

  loadStateDict(sd: { step: number }): void {
    if (typeof sd !== 'object' || sd === null || !Number.isInteger(sd.step) || sd.step < 0) {
      throw new TypeError('EMA.loadStateDict: expected { step } with a non-negative integer step');
    }
    this.#step = sd.step;
  }
}

/** The (online, target) parameters of two modules of the same architecture, matched by name. */
function pairParameters(online: AnyModule, target: AnyModule, what: string): [Tensor, Tensor][] {
  const a = online.namedParameters();
  const b = new Map(target.namedParameters());
  if (a.length !== b.size) throw new Error(`EMA: ${what}: online has ${a.length} parameters, target ${b.size}`);
  return a.map(([n, p]) => {
    const q = b.get(n);
    if (!q) throw new Error(`EMA: ${what}: the target has no parameter '${n}'`);
    if (q.shape.join(',') !== p.shape.join(',')) {
      throw new Error(`EMA: ${what}: '${n}' has shape [${p.shape.join(', ')}] online, [${q.shape.join(', ')}] in the target`);
    }
    return [p, q];
  });
}
