// Shared test helpers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { NestedArray, Tensor } from '../src/index.js';

/** Flattens nested arrays of numbers (or a tensor) to a plain number array. */
export function flat(x: NestedArray | Tensor | readonly number[]): number[] {
  if (typeof x === 'object' && x !== null && 'toArray' in x) return flat(x.toArray());
  if (Array.isArray(x)) return (x as NestedArray[]).flatMap((e) => flat(e));
  return [Number(x)];
}

/** Asserts |actual - expected| <= atol + rtol * |expected| elementwise, with shapes equal when tensors. */
export function assertClose(
  actual: Tensor | NestedArray | readonly number[],
  expected: Tensor | NestedArray | readonly number[],
  { atol = 1e-5, rtol = 1e-5, message = '' } = {},
): void {
  const a = flat(actual as NestedArray);
  const e = flat(expected as NestedArray);
  assert.equal(a.length, e.length, `${message} length ${a.length} != ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok = (Number.isNaN(e[i]!) && Number.isNaN(a[i]!)) || a[i] === e[i] || Math.abs(a[i]! - e[i]!) <= atol + rtol * Math.abs(e[i]!);
    if (!ok) assert.fail(`${message} element ${i}: ${a[i]} != ${e[i]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** The Python with the reference PyTorch: Debian's, unless TORCH_PYTHON names another. */
export const TORCH_PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';

/** TORCH_PYTHON if it imports torch, for reference values computed in the test itself; else null. */
export function torchPython(): string | null {
  try {
    execFileSync(TORCH_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return TORCH_PYTHON;
  } catch {
    return null;
  }
}

/** Runs a Python script with the reference PyTorch (TORCH_PYTHON) and parses the JSON it prints. */
export function runTorch<T = unknown>(script: string, input?: unknown): T {
  const out = execFileSync(TORCH_PYTHON, ['-c', script], {
    input: input === undefined ? '' : JSON.stringify(input),
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out.toString()) as T;
}
