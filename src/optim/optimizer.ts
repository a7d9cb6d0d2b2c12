// The optimizer base: parameter groups, per-parameter state, and the state dict.
import { Tensor, keep, noGrad, scope } from '../tensor/index.js';

/** A parameter group: its parameters and its hyper-parameters (`lr`, ...), as PyTorch's. */
export type ParamGroup<O> = O & { params: Tensor[] };

/** What a constructor takes: a list of parameters, or groups that override the defaults. */
export type ParamsInput<O> = readonly Tensor[] | readonly (Partial<O> & { params: readonly Tensor[] })[];

/** Per-parameter state: tensors (momentum buffers, moments) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number>;

/**
 * An optimizer's state dict, as PyTorch's: `state` keyed by the parameter's index across all
 * groups, `paramGroups` with each group's hyper-parameters and its parameters' indices.
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

/**
 * The base of SGD, Adam, AdamW and LARS (`torch.optim.Optimizer`). Subclasses implement
 * `update(group, param, grad, state)`; `step()` runs it for every parameter that has a
 * gradient, under `noGrad` and inside a scope, with in-place ops. State tensors live outside
 * scopes until `dispose()`.
 */
export abstract class Optimizer<O extends { lr: number }> {
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly #state = new Map<Tensor, ParamState>();
  /**
   * Whether to update with the multi-tensor `_foreach_*` ops where the optimizer has them: null
   * (the default) for groups on CUDA only, as PyTorch; true or false to force either way.
   */
  foreach: boolean | null = null;

  constructor(params: ParamsInput<O>, defaults: O) {
    this.defaults = { ...defaults };
    this.checkOptions(defaults);
    if (!Array.isArray(params) || params.length === 0) {
      throw new TypeError(`${this.constructor.name}: params must be a non-empty array of tensors or of parameter groups`);
    }
    const groups: readonly (Partial<O> & { params: readonly Tensor[] })[] = params[0] instanceof Tensor
      ? [{ params: params as readonly Tensor[] } as Partial<O> & { params: readonly Tensor[] }]
      : (params as readonly (Partial<O> & { params: readonly Tensor[] })[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group; options it leaves out come from the defaults. A parameter may be in one group only. */
  addParamGroup(group: Partial<O> & { params: readonly Tensor[] }): void {
    const name = this.constructor.name;
    if (typeof group !== 'object' || group === null || !Array.isArray(group.params)) {
      throw new TypeError(`${name}: a parameter group must be an object with a params array`);
    }
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    group.params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${name}: params[${i}] is not a Tensor`);
      if (p.isDisposed) throw new Error(`${name}: params[${i}] has been disposed`);
      if (seen.has(p)) throw new Error(`${name}: a parameter appears in more than one group (params[${i}])`);
      seen.add(p);
    });
    const g = { ...this.defaults, ...group, params: [...group.params] } as ParamGroup<O>;
    this.checkOptions(g);
    this.paramGroups.push(g);
  }

  /** Validates hyper-parameters (RangeError naming the bad one). */
  protected checkOptions(o: O): void {
    if (!(typeof o.lr === 'number' && o.lr >= 0)) throw new RangeError(`${this.constructor.name}: invalid learning rate ${String(o.lr)}`);
  }

  /** One update of one parameter; `grad` is its gradient, `state` its (mutable) state. */
  protected abstract update(group: ParamGroup<O>, param: Tensor, grad: Tensor, state: ParamState): void;

  /**
   * The update of a whole group at once with ATen's multi-tensor `_foreach_*` ops (a handful of
   * calls instead of a few per parameter), or null when the optimizer has none. `step()` uses
   * it for groups on CUDA, where PyTorch defaults to foreach too; on the CPU the per-parameter
   * loop is faster (each update's temporaries are reused warm in cache). Optional.
   */
  protected updateGroup?(group: ParamGroup<O>, params: Tensor[], grads: Tensor[], states: ParamState[]): void;

  /**
   * Updates every parameter that has a gradient. On the CPU each parameter's update runs in its
   * own scope, so its temporaries are freed before the next one (the allocator reuses the same
   * memory, as PyTorch's reference counting would); on CUDA a group goes through `updateGroup`.
   */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        const foreach = this.updateGroup !== undefined && group.params.length > 0
          && (this.foreach ?? group.params.every((p) => p.device !== 'cpu'));
        if (foreach) {
          scope(() => {
            const params: Tensor[] = [];
            const grads: Tensor[] = [];
            for (const p of group.params) {
              const g = p.grad;
              if (g) {
                params.push(p);
                grads.push(g);
              }
            }
            if (params.length === 0) return;
            const states = params.map((p) => this.#stateFor(p));
            this.updateGroup!(group, params, grads, states);
            for (const s of states) this.#keepState(s);
          });
          continue;
        }
        for (const p of group.params) {
          scope(() => {
            const g = p.grad;
            if (!g) return;
            const s = this.#stateFor(p);
            this.update(group, p, g, s);
            this.#keepState(s);
          });
        }
      }
    });
  }

  #stateFor(p: Tensor): ParamState {
    let s = this.#state.get(p);
    if (!s) this.#state.set(p, (s = {}));
    return s;
  }

  /** State tensors created inside a step's scope are taken out of it. */
  #keepState(s: ParamState): void {
    for (const v of Object.values(s)) if (v instanceof Tensor && v.owner) keep(v);
  }

  /** Clears the gradients of all parameters (set to none by default, as PyTorch 2). */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) p.grad = null;
        else scope(() => { const gr = p.grad; if (gr) noGrad(() => gr.zero_()); });
      }
    }
  }

  /** The state of `param` (read-only view for inspection and tests). */
  stateOf(param: Tensor): Readonly<ParamState> | undefined {
    return this.#state.get(param);
  }

  /**
   * Hyper-parameters and state, as `torch.optim.Optimizer.state_dict()`. The tensors are the
   * optimizer's own (not copies): save them, do not dispose them.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...rest } = g;
      return { ...rest, params: params.map((p) => { const i = index.size; index.set(p, i); return i; }) };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.#state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...s };
    }
    return { state, paramGroups };
  }

  /**
   * Restores hyper-parameters and state saved by `stateDict()` from an optimizer over the same
   * parameters (same group sizes); state tensors are copied to each parameter's device.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this.constructor.name;
    if (typeof sd !== 'object' || sd === null || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object') {
      throw new TypeError(`${name}.loadStateDict: expected { state, paramGroups }`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${name}.loadStateDict: the state dict has ${sd.paramGroups.length} parameter groups, this optimizer ${this.paramGroups.length}`);
    }
    const params: Tensor[] = [];
    sd.paramGroups.forEach((g, i) => {
      const own = this.paramGroups[i]!;
      if (!Array.isArray(g.params) || g.params.length !== own.params.length) {
        throw new Error(`${name}.loadStateDict: group ${i} has ${String(g.params?.length)} parameters in the state dict, ${own.params.length} here`);
      }
      params.push(...own.params);
    });
    const indexOf = new Map<number, Tensor>();
    sd.paramGroups.forEach((g, gi) => g.params.forEach((id, j) => indexOf.set(id, this.paramGroups[gi]!.params[j]!)));
    const next = new Map<Tensor, ParamState>();
    for (const [k, s] of Object.entries(sd.state)) {
      const p = indexOf.get(Number(k));
      if (!p) throw new Error(`${name}.loadStateDict: state for parameter ${k}, which no group holds`);
      const copy: ParamState = {};
      for (const [key, v] of Object.entries(s)) {
        if (v instanceof Tensor) {
          if (v.numel() > 1 && v.shape.join(',') !== p.shape.join(',')) {
            throw new Error(`${name}.loadStateDict: state '${key}' of parameter ${k} has shape [${v.shape.join(', ')}], the parameter [${p.shape.join(', ')}]`);
          }
          copy[key] = keep(scope(() => noGrad(() => v.to({ device: p.device, dtype: v.dtype }).clone())));
        } else if (typeof v === 'number') {
          copy[key] = v;
        } else {
          throw new TypeError(`${name}.loadStateDict: state '${key}' of parameter ${k} must be a Tensor or a number`);
        }
      }
      next.set(p, copy);
    }
    for (const [i, g] of sd.paramGroups.entries()) {
      const { params: _ids, ...options } = g;
      Object.assign(this.paramGroups[i]!, options);
      this.checkOptions(this.paramGroups[i]!);
    }
    this.#disposeState();
    for (const [p, s] of next) this.#state.set(p, s);
  }

  #disposeState(): void {
    for (const s of this.#state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.#state.clear();
  }

  /** Frees the state tensors (momentum buffers, moments). */
  dispose(): void {
    this.#disposeState();
  }
}
