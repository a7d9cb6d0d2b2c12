// Deterministic memory (docs/architecture.md): every tensor belongs to the innermost open scope, and a
// scope frees what it created except what it returns or what was kept.
import { native } from './native.js';

/**
 * An open scope's tensors, in creation order. A tensor that leaves the scope early (disposed or
 * kept) stays in `items` with its `owner` cleared until the scope ends or compacts `items`: the
 * scope owns exactly the items whose `owner` is the scope.
 */
export interface ScopeFrame {
  items: Owned[];
  /** Items that left early (compacted away when they are many). */
  dead: number;
}

/** What a scope can own: a tensor, seen through the members scopes use. */
export interface Owned {
  owner: ScopeFrame | null;
  dispose(): void;
  /**
   * Marks it disposed without freeing the native tensor and returns the handle for the caller
   * to free (a scope frees its tensors in one native call), or -1 if it was disposed already.
   */
  release(): number;
  /** Called when no scope owns it any more (created outside scopes, kept, or returned from the outermost scope). */
  orphaned(): void;
}

const stack: ScopeFrame[] = [];

/** Called by every new tensor: the innermost open scope owns it (none outside scopes). */
export function track(t: Owned): void {
  const s = stack[stack.length - 1];
  if (s) {
    s.items.push(t);
    t.owner = s;
  } else {
    t.orphaned();
  }
}

/** Called by `dispose()`: the tensor leaves its scope. */
export function untrack(t: Owned): void {
  const s = t.owner;
  if (s === null) return;
  t.owner = null;
  // A long scope whose tensors are disposed one by one must not keep their wrappers alive.
  if (++s.dead > 1024 && s.dead * 2 > s.items.length) {
    s.items = s.items.filter((x) => x.owner === s);
    s.dead = 0;
  }
}

// Handles released by ending scopes, freed natively in batches.
const released = new Float64Array(1024);
let nReleased = 0;

function release(t: Owned): void {
  const h = t.release();
  if (h < 0) return;
  released[nReleased++] = h;
  if (nReleased === released.length) flushReleased();
}

function flushReleased(): void {
  const n = nReleased;
  nReleased = 0;
  if (n > 0) native.freeMany(released, n);
}

/** Frees every tensor `own` still owns (an ending scope's, or one whose fn threw). */
function releaseAll(own: ScopeFrame): void {
  try {
    for (const t of own.items) if (t.owner === own) release(t);
  } finally {
    flushReleased();
  }
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors it returns
 * (found deeply in returned arrays and plain objects) and those passed to `keep()`.
 * Returned tensors move to the enclosing scope. `fn` must be synchronous.
 * The same contract as TensorFlow.js's `tf.tidy`.
 */
export function scope<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError('scope(fn): fn must be a function');
  const own: ScopeFrame = { items: [], dead: 0 };
  stack.push(own);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    releaseAll(own);
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    releaseAll(own);
    throw new TypeError('scope(fn): fn must be synchronous (it returned a Promise)');
  }
  if (result !== null && typeof result === 'object') {
    const returned = new Set<Owned>();
    collect(result, own, returned, new Set());
    // Returned tensors move to the enclosing scope first, in creation order.
    if (returned.size > 0) {
      for (const t of own.items) {
        if (t.owner === own && returned.has(t)) {
          t.owner = null;
          track(t);
        }
      }
    }
  }
  releaseAll(own);
  return result;
}

/** `scope` under TensorFlow.js's name. */
export const tidy = scope;

function collect(v: unknown, own: ScopeFrame, out: Set<Owned>, seen: Set<unknown>): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if ((v as Partial<Owned>).owner === own) {
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
