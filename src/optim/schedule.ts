// Learning-rate schedules: linear warmup, then cosine decay.
import type { Optimizer } from './optimizer.js';

/** Options of the warmup + cosine schedule, in optimizer steps. */
export interface WarmupCosineOptions {
  /** Steps of linear warmup (0 for none). */
  warmupSteps: number;
  /** Total steps of training; the rate reaches its floor here. */
  totalSteps: number;
  /** The floor as a fraction of each group's base rate (default 0). */
  minFactor?: number;
}

/**
 * The factor on the base rate at step t (0-based): linear warmup (t + 1) / warmupSteps, then
 * cosine decay minFactor + (1 - minFactor) (1 + cos(π p)) / 2 with p the fraction of the
 * post-warmup steps done (clamped at 1). SimCLR: "we use linear warmup for the first 10 epochs,
 * and decay the learning rate with the cosine decay schedule without restarts (Loshchilov &
 * Hutter, 2016)" (Chen et al. 2020, Sec. B.1). Warmup counts from (t + 1) so the first step
 * trains, as lightly's CosineWarmupScheduler.
 */
export function warmupCosineFactor(t: number, o: WarmupCosineOptions): number {
  const { warmupSteps, totalSteps } = o;
  const minFactor = o.minFactor ?? 0;
  if (t < warmupSteps) return (t + 1) / warmupSteps;
  const span = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (t - warmupSteps) / span);
  return minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** The schedule's state dict: the step count and each group's base rate. */
export interface ScheduleStateDict {
  step: number;
  baseLrs: number[];
}

/**
 * Sets every parameter group's `lr` to baseLr * warmupCosineFactor(t), as PyTorch's LambdaLR:
 * the constructor applies step 0; call `step()` after each optimizer step.
 */
export class WarmupCosineSchedule {
  readonly options: Readonly<WarmupCosineOptions>;
  baseLrs: number[];
  #t = 0;

  constructor(readonly optimizer: Optimizer<{ lr: number }>, o: WarmupCosineOptions) {
    for (const k of ['warmupSteps', 'totalSteps'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 0) throw new RangeError(`WarmupCosineSchedule: ${k} must be a non-negative integer, got ${String(o[k])}`);
    }
    if (o.totalSteps < o.warmupSteps) throw new RangeError(`WarmupCosineSchedule: totalSteps (${o.totalSteps}) < warmupSteps (${o.warmupSteps})`);
    const m = o.minFactor ?? 0;
    if (!(m >= 0 && m <= 1)) throw new RangeError(`WarmupCosineSchedule: minFactor must be in [0, 1], got ${m}`);
    this.options = { ...o };
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.#apply();
  }

  /** The steps taken so far. */
  get lastStep(): number {
    return this.#t;
  }

  /** The rates now in force, one per group. */
  get lastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Advances one step and sets the new rates. */
  step(): void {
    this.#t += 1;
    this.#apply();
  }

  #apply(): void {
    const f = warmupCosineFactor(this.#t, this.options);
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = this.baseLrs[i]! * f;
    });
  }

  stateDict(): ScheduleStateDict {
    return { step: this.#t, baseLrs: [...this.baseLrs] };
  }

  loadStateDict(sd: ScheduleStateDict): void {
    if (typeof sd !== 'object' || sd === null || !Number.isInteger(sd.step) || sd.step < 0 || !Array.isArray(sd.baseLrs)) {
      throw new TypeError('WarmupCosineSchedule.loadStateDict: expected { step, baseLrs }');
    }
    if (sd.baseLrs.length !== this.optimizer.paramGroups.length) {
      throw new Error(`WarmupCosineSchedule.loadStateDict: ${sd.baseLrs.length} base rates for ${this.optimizer.paramGroups.length} parameter groups`);
    }
    this.#t = sd.step;
    this.baseLrs = [...sd.baseLrs];
    this.#apply();
  }
}
