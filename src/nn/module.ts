// The base class of every layer, encoder and head: PyTorch's `torch.nn.Module`.
import {
  type Device, type Dtype, FLOATING_DTYPES, isDevice, isDtype, isFloating, type MemoryFormat, Tensor, keep, noGrad, scope,
} from '../tensor/index.js';

/** A state dict: dotted names (`layer1.0.bn1.running_mean`) to tensors, in registration order. */
export type StateDict = Record<string, Tensor>;

/** What `Module.to` converts to: a device, a floating dtype, a memory format, or several at once. */
export type ModuleTarget = Device | Dtype | { device?: Device; dtype?: Dtype; memoryFormat?: MemoryFormat };

/** What `loadStateDict` reports when not strict (PyTorch's `_IncompatibleKeys`). */
export interface IncompatibleKeys {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * A neural-network module, as PyTorch's `torch.nn.Module`: it owns named parameters and buffers
 * and holds named child modules, so that `namedParameters()` and `stateDict()` use PyTorch's
 * dotted names and a state dict saved here loads into the same architecture in PyTorch.
 *
 * Memory: parameters and buffers are taken out of scopes when registered (see docs/architecture.md), so a
 * module may be built anywhere; they live until `dispose()`. `forward` creates its outputs in
 * the caller's scope.
 *
 * Subclasses register in their constructor, and keep a readonly field of the same name for
 * `forward`: `this.weight = this.registerParameter('weight', w)`. The tensor objects stay the
 * same for the module's life (`to()` converts them in place), so fields, optimizers and EMAs
 * that hold them stay valid.
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (batch statistics, dropout) or evaluation mode; see `train()` and `eval()`. */
  training = true;
  readonly #parameters = new Map<string, Tensor | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #nonPersistent = new Set<string>();
  readonly #children = new Map<string, AnyModule | null>();

  /** The computation; called as `module.forward(x)`. */
  abstract forward(...input: In): Out;

  /** The class name, used in error messages (`ResNet`, `Linear`, ...). */
  get name(): string {
    return this.constructor.name;
  }

  // ---- registration ------------------------------------------------------------------------

  /**
   * Registers `t` (or null: an absent optional parameter such as a bias) as a parameter named
   * `name`. The tensor is kept out of scopes and set to require gradients. Returns it.
   */
  registerParameter<T extends Tensor | null>(name: string, t: T): T {
    this.#checkName('registerParameter', name);
    if (t !== null && !(t instanceof Tensor)) throw new TypeError(`${this.name}.registerParameter('${name}'): expected a Tensor or null`);
    if (t !== null) {
      keep(t);
      if (!t.requiresGrad) t.requiresGrad_(true);
    }
    this.#parameters.set(name, t);
    return t;
  }

  /**
   * Registers a buffer: state that is not trained but saved (BatchNorm's running statistics).
   * `persistent: false` keeps it out of the state dict. Returns it.
   */
  registerBuffer<T extends Tensor | null>(name: string, t: T, persistent = true): T {
    this.#checkName('registerBuffer', name);
    if (t !== null && !(t instanceof Tensor)) throw new TypeError(`${this.name}.registerBuffer('${name}'): expected a Tensor or null`);
    if (t !== null) keep(t);
    this.#buffers.set(name, t);
    if (!persistent) this.#nonPersistent.add(name);
    return t;
  }

  /** Registers a child module under `name` (its parameters become `name.*`). Returns it. */
  registerModule<M extends AnyModule | null>(name: string, m: M): M {
    this.#checkName('registerModule', name);
    if (m !== null && !(m instanceof Module)) throw new TypeError(`${this.name}.registerModule('${name}'): expected a Module or null`);
    this.#children.set(name, m);
    return m;
  }

  #checkName(op: string, name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new TypeError(`${this.name}.${op}: name must be a non-empty string without '.', got '${String(name)}'`);
    }
    if (this.#parameters.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new Error(`${this.name}.${op}: '${name}' is already registered`);
    }
  }

  // ---- traversal ---------------------------------------------------------------------------

  /** Child modules with their names, in registration order. */
  namedChildren(): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    for (const [n, m] of this.#children) if (m) out.push([n, m]);
    return out;
  }

  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module and all below it, depth first, with dotted names ('' for this one); a module
   * reachable twice is listed once, under its first name (as PyTorch's `named_modules`).
   */
  namedModules(prefix = '', seen = new Set<AnyModule>()): [string, AnyModule][] {
    if (seen.has(this as AnyModule)) return [];
    seen.add(this as AnyModule);
    const out: [string, AnyModule][] = [[prefix, this as AnyModule]];
    for (const [n, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${n}` : n, seen));
    return out;
  }

  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted names, in PyTorch's order (own first, then each child's). */
  namedParameters(prefix = '', recurse = true): [string, Tensor][] {
    return this.#named((m) => m.#parameters, prefix, recurse, false);
  }

  parameters(recurse = true): Tensor[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.#named((m) => m.#buffers, prefix, recurse, false);
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  #named(
    pick: (m: Module<unknown[], unknown>) => Map<string, Tensor | null>,
    prefix: string, recurse: boolean, persistentOnly: boolean,
  ): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, AnyModule][] = recurse ? this.namedModules(prefix) : [[prefix, this as AnyModule]];
    for (const [mp, m] of mods) {
      for (const [n, t] of pick(m)) {
        if (!t || seen.has(t)) continue;
        if (persistentOnly && m.#nonPersistent.has(n)) continue;
        seen.add(t);
        out.push([mp ? `${mp}.${n}` : n, t]);
      }
    }
    return out;
  }

  // ---- modes and gradients -----------------------------------------------------------------

  /** Sets training mode here and below (BatchNorm uses batch statistics, Dropout drops). */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`${this.name}.train: mode must be a boolean`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Clears the gradients of all parameters (PyTorch's `set_to_none=True`, its default since 2.0). */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (setToNone) {
        p.grad = null;
      } else {
        scope(() => {
          const g = p.grad;
          if (g) noGrad(() => g.zero_());
        });
      }
    }
  }

  /** Sets `requiresGrad` on every parameter (false freezes the module). */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  // ---- state dict --------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by dotted name, as `torch.nn.Module.state_dict()`.
   * The tensors are detached views of the module's own storage, created in the current scope
   * (call it inside `scope` and clone what must outlive the module).
   */
  stateDict(prefix = ''): StateDict {
    const out: StateDict = {};
    for (const [mp, m] of this.namedModules(prefix)) {
      for (const [n, t] of m.#parameters) if (t) out[mp ? `${mp}.${n}` : n] = t.detach();
      for (const [n, t] of m.#buffers) {
        if (t && !m.#nonPersistent.has(n)) out[mp ? `${mp}.${n}` : n] = t.detach();
      }
    }
    return out;
  }

  /**
   * Copies `stateDict` into this module's parameters and buffers (in place: references held by
   * optimizers stay valid). With `strict`, missing and unexpected keys are errors; shape
   * mismatches always are. Nothing is copied unless every check passes. Values are converted to
   * each tensor's dtype and device.
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, strict = true): IncompatibleKeys {
    if (typeof stateDict !== 'object' || stateDict === null) {
      throw new TypeError(`${this.name}.loadStateDict: expected an object or Map of tensors`);
    }
    const given = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const own = new Map<string, Tensor>();
    for (const [mp, m] of this.namedModules()) {
      for (const [n, t] of m.#parameters) if (t) own.set(mp ? `${mp}.${n}` : n, t);
      for (const [n, t] of m.#buffers) if (t && !m.#nonPersistent.has(n)) own.set(mp ? `${mp}.${n}` : n, t);
    }
    const missingKeys = [...own.keys()].filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !own.has(k));
    const errors: string[] = [];
    for (const [k, v] of given) {
      const t = own.get(k);
      if (!t) continue;
      if (!(v instanceof Tensor)) {
        errors.push(`'${k}' is not a Tensor`);
      } else if (v.isDisposed) {
        errors.push(`'${k}' has been disposed`);
      } else if (!sameShape(v.shape, t.shape)) {
        errors.push(`size mismatch for ${k}: copying a tensor of shape [${v.shape.join(', ')}] from the state dict, the shape in this module is [${t.shape.join(', ')}]`);
      }
    }
    if (strict && unexpectedKeys.length) errors.unshift(`Unexpected key(s): ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}`);
    if (strict && missingKeys.length) errors.unshift(`Missing key(s): ${missingKeys.map((k) => `'${k}'`).join(', ')}`);
    if (errors.length) throw new Error(`Error(s) in loading state dict for ${this.name}:\n  ${errors.join('\n  ')}`);
    noGrad(() => scope(() => {
      for (const [k, v] of given) own.get(k)?.copy_(v);
    }));
    return { missingKeys, unexpectedKeys };
  }

  // ---- devices, dtypes and memory ----------------------------------------------------------

  /**
   * Moves parameters and buffers to a device, casts floating ones to a dtype, and/or converts
   * 4-d ones to a memory format (`{ memoryFormat: 'channelsLast' }`), as `torch.nn.Module.to`.
   * Each tensor keeps its identity (`Tensor.setData_`, PyTorch's `param.data = ...`), so an
   * optimizer or EMA built before `to()` keeps updating the module; gradients are converted
   * alongside, frozen parameters stay frozen, and a tensor shared by two modules is converted
   * once. (Optimizer state made by earlier steps is not converted, as in PyTorch.)
   */
  to(target: ModuleTarget): this {
    const o = typeof target === 'string' ? (isDtype(target) ? { dtype: target } : { device: target }) : target;
    if (typeof o !== 'object' || o === null) throw new TypeError(`${this.name}.to: expected a device, a dtype or options, got ${String(target)}`);
    if (o.dtype !== undefined && !isFloating(o.dtype)) {
      throw new TypeError(`${this.name}.to: dtype must be a floating dtype (${FLOATING_DTYPES.join(', ')}), got '${String(o.dtype)}'`);
    }
    if (o.device !== undefined && !isDevice(o.device)) {
      throw new TypeError(`${this.name}.to: unknown device '${String(o.device)}' (expected 'cpu', 'cuda' or 'cuda:N')`);
    }
    if (o.memoryFormat !== undefined && !['contiguous', 'channelsLast', 'preserve'].includes(o.memoryFormat)) {
      throw new TypeError(`${this.name}.to: memoryFormat must be 'contiguous', 'channelsLast' or 'preserve', got '${String(o.memoryFormat)}'`);
    }
    const convert = (t: Tensor): Tensor => t.to({
      dtype: o.dtype !== undefined && isFloating(t.dtype) ? o.dtype : t.dtype,
      device: o.device ?? t.device,
      memoryFormat: o.memoryFormat !== undefined && t.ndim === 4 ? o.memoryFormat : undefined,
    });
    const done = new Set<Tensor>(); // a tensor shared by two modules is converted once
    noGrad(() => {
      for (const m of this.modules()) {
        for (const t of [...m.#parameters.values(), ...m.#buffers.values()]) {
          if (!t || done.has(t)) continue;
          done.add(t);
          scope(() => {
            const grad = t.grad;
            t.setData_(convert(t));
            if (grad) t.grad = convert(grad);
          });
        }
      }
    });
    return this;
  }

  /** Frees every parameter and buffer here and below now; the module is unusable afterwards. */
  dispose(): void {
    for (const m of this.modules()) {
      for (const map of [m.#parameters, m.#buffers]) for (const t of map.values()) t?.dispose();
    }
  }

  /** The number of parameter elements (trainable ones only with `trainableOnly`). */
  numParameters(trainableOnly = false): number {
    return this.parameters().filter((p) => !trainableOnly || p.requiresGrad).reduce((a, p) => a + p.numel(), 0);
  }
}

/** Any module, whatever its forward signature (for containers and traversal). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any[], unknown>;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
