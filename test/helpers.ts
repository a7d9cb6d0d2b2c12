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

/** A minimal safetensors reader (`read(path)` -> dict of tensors) and writer (`write(path, dict)`) in Python, for `runTorch` scripts (Debian has no `safetensors` package). */
export const PY_SAFETENSORS_IO = `
import json, struct, sys, torch
DT = {'F32': torch.float32, 'F64': torch.float64, 'I64': torch.int64}
def read(path):
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    h = json.loads(raw[8:8 + n]); h.pop('__metadata__', None)
    out = {}
    for k, v in h.items():
        b, e = v['data_offsets']
        out[k] = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + e]), dtype=DT[v['dtype']]).reshape(v['shape']).clone()
    return out
def write(path, ts):
    header, blobs, off = {}, [], 0
    for k, t in ts.items():
        b = t.detach().contiguous().numpy().tobytes()
        header[k] = {'dtype': [c for c, d in DT.items() if d == t.dtype][0], 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
        off += len(b); blobs.append(b)
    hj = json.dumps(header).encode()
    open(path, 'wb').write(struct.pack('<Q', len(hj)) + hj + b''.join(blobs))
`;
