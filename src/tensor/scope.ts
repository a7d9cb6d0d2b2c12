// Deterministic memory (docs/architecture.md): every tensor belongs to the innermost open scope, and a
// scope frees what it created except what it returns or what was kept.
import { native } from './native.js';

/** What a scope can own: a tensor, seen through the members scopes use. */
export interface Owned {
  owner: Set<Owned> | null;
  dispose(): void;
  /** Called when no scope owns it any more (created outside scopes, kept, or returned from the outermost scope). */
  orphaned(): void;
}

const stack: Set<Owned>[] = [];

/** Called by every new tensor: the innermost open scope owns it (none outside scopes). */
export function track(t: Owned): void {
  const s = stack[stack.length - 1];
  if (s) {
    s.add(t);
    t.owner = s;
  } else {
    t.orphaned();
  }
}

/** Called by `dispose()`: the tensor leaves its scope. */
export function untrack(t: Owned): void {
  t.owner?.delete(t);
  t.owner = null;
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors it returns
 * (found deeply in returned arrays and plain objects) and those passed to `keep()`.
 * Returned tensors move to the enclosing scope. `fn` must be synchronous.
 * The same contract as TensorFlow.js's `tf.tidy`.
 */
export function scope<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError('scope(fn): fn must be a function');
  const own = new Set<Owned>();
  stack.push(own);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of own) t.dispose();
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    for (const t of own) t.dispose();
    throw new TypeError('scope(fn): fn must be synchronous (it returned a Promise)');
  }
  const returned = new Set<Owned>();
  collect(result, own, returned, new Set());
  for (const t of own) {
    if (returned.has(t)) {
      t.owner = null;
      track(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

/** `scope` under TensorFlow.js's name. */
export const tidy = scope;

function collect(v: unknown, own: Set<Owned>, out: Set<Owned>, seen: Set<unknown>): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (own.has(v as Owned)) {
    out.add(v as Owned);
  } else if (Array.isArray(v)) {
    for (const x of v) collect(x, own, out, seen);
  } else if (v instanceof Map) {
    for (const x of v.values()) collect(x, own, out, seen);
  } else {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      for (const x of Object.values(v)) collect(x, own, out, seen);
    }
  }
}

/** Takes `t` out of its scope: it lives until `dispose()` is called on it. Returns `t`. */
export function keep<T extends Owned>(t: T): T {
  if (t.owner) {
    untrack(t);
    t.orphaned();
  }
  return t;
}

/** Live tensor handles and their bytes (a view counts at its own size). */
export function memory(): { tensors: number; bytes: number } {
  return native.memory();
}
