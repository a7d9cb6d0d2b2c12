// Scalars in ops follow the tensor's dtype as PyTorch promotes them: a JS number is a Python
// scalar (an integral one an int, any other a float), so int64 + 2 stays int64, int64 + 2.5 is
// float32 and a bfloat16 tensor times 3 stays bfloat16. The table below is what PyTorch 1.13
// gives; the last test checks it against the PyTorch at TORCH_PYTHON.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Dtype, scope, type Tensor, tensor, where } from '../../src/index.js';
import { requireTorch, runTorch } from '../helpers.js';

type Op = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'remainder' | 'fmod' | 'eq' | 'clamp' | 'maskedFill' | 'where';

/** [input dtype, op, scalar, result dtype, result values] on the input [1, 2, 3]. */
const CASES: [Dtype, Op, number, Dtype, number[]][] = [
  ['int64', 'add', 2, 'int64', [3, 4, 5]],
  ['int64', 'add', 2.5, 'float32', [3.5, 4.5, 5.5]],
  ['int64', 'mul', 3, 'int64', [3, 6, 9]],
  ['int64', 'div', 2, 'float32', [0.5, 1, 1.5]],
  ['int64', 'pow', 2, 'int64', [1, 4, 9]],
  ['int64', 'pow', 0.5, 'float32', [1, Math.fround(Math.SQRT2), Math.fround(Math.sqrt(3))]],
  ['int64', 'remainder', 3, 'int64', [1, 2, 0]],
  ['int64', 'fmod', 2.5, 'float32', [1, 2, 0.5]],
  ['int64', 'eq', 2, 'bool', [0, 1, 0]],
  ['int64', 'clamp', 1.5, 'float32', [1.5, 2, 3]],
  ['int64', 'maskedFill', 2.5, 'int64', [2, 2, 2]],
  ['int64', 'where', 2.5, 'float32', [1, 2.5, 3]],
  ['int32', 'add', 2, 'int32', [3, 4, 5]],
  ['int32', 'mul', 2.5, 'float32', [2.5, 5, 7.5]],
  ['int16', 'add', 1, 'int16', [2, 3, 4]],
  ['int8', 'sub', 1, 'int8', [0, 1, 2]],
  ['uint8', 'mul', 2, 'uint8', [2, 4, 6]],
  ['uint8', 'add', 0.5, 'float32', [1.5, 2.5, 3.5]],
  ['bool', 'add', 1, 'int64', [2, 2, 2]],
  ['bool', 'add', 1.5, 'float32', [2.5, 2.5, 2.5]],
  ['bfloat16', 'mul', 3, 'bfloat16', [3, 6, 9]],
  ['bfloat16', 'mul', 2.5, 'bfloat16', [2.5, 5, 7.5]],
  ['float16', 'add', 1, 'float16', [2, 3, 4]],
  ['float16', 'add', 0.1, 'float16', [1.099609375, 2.099609375, 3.099609375]],
  ['float64', 'mul', 3, 'float64', [3, 6, 9]],
  ['float32', 'add', 2, 'float32', [3, 4, 5]],
];

function apply(t: Tensor, op: Op, s: number): Tensor {
  switch (op) {
    case 'clamp': return t.clamp(s);
    case 'maskedFill': return t.maskedFill(tensor([true, false, true]), s);
    case 'where': return where(tensor([true, false, true]), t, s);
    default: return t[op](s);
  }
}

const label = ([d, op, s]: (typeof CASES)[number]): string => `${d} ${op} ${s}`;

describe('a JS number in an op promotes as a Python scalar does in PyTorch', () => {
  for (const c of CASES) {
    const [dtype, op, s, want, values] = c;
    test(`${label(c)} -> ${want}`, () => scope(() => {
      const r = apply(tensor([1, 2, 3], { dtype }), op, s);
      assert.equal(r.dtype, want);
      assert.deepEqual(Array.from(r.data() as ArrayLike<number | bigint>, Number), values);
    }));
  }

  test('the table is what the reference PyTorch gives', () => {
    requireTorch();
    const script = `
import json, sys, torch
out = []
for d, op, s in json.load(sys.stdin):
    s = int(s) if float(s).is_integer() else s  # JS has one number type: integral values travel as ints
    t = torch.tensor([1, 2, 3]).to(getattr(torch, d))
    mask = torch.tensor([True, False, True])
    if op == 'clamp': r = t.clamp(min=s)
    elif op == 'maskedFill': r = t.masked_fill(mask, s)
    elif op == 'where': r = torch.where(mask, t, s)
    else: r = getattr(t, op)(s)
    out.append([str(r.dtype).replace('torch.', ''), [float(v) for v in r.flatten().tolist()]])
print(json.dumps(out))`;
    const torch = runTorch<[string, number[]][]>(script, CASES.map(([d, op, s]) => [d, op, s]));
    assert.deepEqual(torch, CASES.map(([, , , want, values]) => [want, values]), 'PyTorch disagrees with the pinned table');
  });

  test('a JS number cannot say 2.0: an integral value acts as a Python int (int64 * 2.0 stays int64)', () => scope(() => {
    assert.equal(tensor([1, 2], { dtype: 'int64' }).mul(2.0).dtype, 'int64');
  }));
});
