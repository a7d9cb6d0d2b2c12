// Full-batch L-BFGS for the linear probe: a flat parameter vector with autograd gradients.
import { noGrad, scope, type Tensor } from '../tensor/index.js';

export interface LbfgsOptions {
  /** Most iterations (default 100). */
  maxIter?: number;
  /** Pairs (s, y) kept (default 10). */
  historySize?: number;
  /** Stop once max |gradient| <= this (default 1e-5). */
  tolGrad?: number;
  /** Stop once the loss or the step changes by less than this (default 1e-9). */
  tolChange?: number;
}

export interface LbfgsResult {
  /** The objective at the last accepted point. */
  loss: number;
  iterations: number;
  /** Objective evaluations, line-search trials included. */
  evaluations: number;
}

function dot(a: Tensor, b: Tensor): number {
  return scope(() => a.mul(b).sum().item());
}

/**
 * Minimises `objective()` (a scalar tensor computed from `theta`, a 1-d leaf with requiresGrad)
 * over `theta`, in place, by L-BFGS (Nocedal & Wright 2006, "Numerical Optimization", alg. 7.4 and
 * 7.5: the two-loop recursion with H0 = (s.y / y.y) I) with a backtracking Armijo line search
 * (c1 = 1e-4, quadratic interpolation safeguarded to [t/10, t/2]; unit steps first, and
 * min(1, 1 / |g|_1) on the first iteration, as torch.optim.LBFGS). Pairs with
 * s.y <= 1e-10 are skipped, which keeps H positive definite. Deterministic: no randomness.
 * Gradients come from autograd (`objective().backward()`); updates run under `noGrad`.
 */
export function minimizeLbfgs(theta: Tensor, objective: () => Tensor, o: LbfgsOptions = {}): LbfgsResult {
  const maxIter = o.maxIter ?? 100;
  const m = o.historySize ?? 10;
  const tolGrad = o.tolGrad ?? 1e-5;
  const tolChange = o.tolChange ?? 1e-9;
  let evaluations = 0;

  /** f(theta) and its gradient (a new tensor owned by the enclosing scope). */
  const evaluate = (): { f: number; g: Tensor } => {
    evaluations++;
    const r = scope(() => {
      theta.grad = null;
      const loss = objective();
      loss.backward();
      const g = theta.grad as Tensor | null;
      if (!g) throw new Error('minimizeLbfgs: the objective does not depend on theta');
      return { f: loss.item(), g: g.clone() };
    });
    theta.grad = null;
    if (!Number.isFinite(r.f)) throw new Error(`minimizeLbfgs: the objective is not finite (${r.f})`);
    return r;
  };

  return scope(() => {
    let { f, g } = evaluate();
    const s: Tensor[] = [];
    const y: Tensor[] = [];
    const rho: number[] = [];
    let iterations = 0;
    if (scope(() => g.abs().max().item()) <= tolGrad) return { loss: f, iterations, evaluations };
    while (iterations < maxIter) {
      iterations++;
      const step = noGrad(() => scope(() => {
        // Two-loop recursion: d = -H g.
        let q = g.clone();
        const alpha: number[] = [];
        for (let i = s.length - 1; i >= 0; i--) {
          alpha[i] = rho[i]! * dot(s[i]!, q);
          q = q.sub(y[i]!.mul(alpha[i]!));
        }
        if (s.length > 0) {
          const last = s.length - 1;
          q = q.mul(dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!));
        }
        for (let i = 0; i < s.length; i++) {
          const beta = rho[i]! * dot(y[i]!, q);
          q = q.add(s[i]!.mul(alpha[i]! - beta));
        }
        return q.neg(); // d
      }));
      const gtd = dot(g, step);
      if (!(gtd < -tolChange)) {
        step.dispose();
        break; // not a descent direction: converged to rounding
      }
      let t = iterations === 1 ? Math.min(1, 1 / scope(() => g.abs().sum().item())) : 1;
      const start = noGrad(() => theta.detach().clone());
      let next: { f: number; g: Tensor } | null = null;
      for (let trial = 0; trial < 30; trial++) {
        noGrad(() => scope(() => theta.copy_(start.add(step, t))));
        const e = evaluate();
        if (e.f <= f + 1e-4 * t * gtd) {
          next = e;
          break;
        }
        e.g.dispose();
        // Backtrack to the minimiser of the quadratic through f(0), f'(0) = gtd and f(t), kept in
        // [t/10, t/2] (Nocedal & Wright, section 3.5): exact along d when f is quadratic there.
        const curvature = e.f - f - gtd * t;
        const tQuadratic = curvature > 0 ? (-gtd * t * t) / (2 * curvature) : 0.5 * t;
        t = Math.min(0.5 * t, Math.max(0.1 * t, tQuadratic));
      }
      if (!next) {
        noGrad(() => theta.copy_(start));
        start.dispose();
        step.dispose();
        break; // no decrease along d
      }
      const sk = noGrad(() => step.mul(t)); // theta_{k+1} - theta_k
      const yk = noGrad(() => next!.g.sub(g)); // g_{k+1} - g_k
      const sy = dot(sk, yk);
      if (sy > 1e-10) {
        s.push(sk);
        y.push(yk);
        rho.push(1 / sy);
        if (s.length > m) {
          s.shift()!.dispose();
          y.shift()!.dispose();
          rho.shift();
        }
      } else {
        sk.dispose();
        yk.dispose();
      }
      const change = Math.abs(next.f - f);
      const stepSize = scope(() => step.abs().max().item()) * t;
      start.dispose();
      step.dispose();
      g.dispose();
      f = next.f;
      g = next.g;
      if (scope(() => g.abs().max().item()) <= tolGrad || change < tolChange || stepSize < tolChange) break;
    }
    return { loss: f, iterations, evaluations };
  });
}
