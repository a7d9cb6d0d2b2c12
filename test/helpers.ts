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

let torchChecked = false;

/**
 * Throws unless TORCH_PYTHON imports torch. The suites that compare with PyTorch call it (through
 * `runTorch`): where PyTorch is missing they fail with this message instead of skipping, so a
 * machine without the reference can never pass them by accident (the set-up installs
 * python3-torch; CI has it).
 */
export function requireTorch(): void {
  if (torchChecked) return;
  try {
    execFileSync(TORCH_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    throw new Error(`this test compares with PyTorch, but ${TORCH_PYTHON} cannot import torch: install python3-torch (bash scripts/setup.sh) or set TORCH_PYTHON`);
  }
  torchChecked = true;
}

/** Runs a Python script with the reference PyTorch (TORCH_PYTHON) and parses the JSON it prints; see `requireTorch`. */
export function runTorch<T = unknown>(script: string, input?: unknown): T {
  requireTorch();
  const out = execFileSync(TORCH_PYTHON, ['-c', script], {
    input: input === undefined ? '' : JSON.stringify(input),
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out.toString()) as T;
}
