// Op values against PyTorch: every case of test/fixtures/torch-ops.json (written by
// scripts/torch-reference.py) runs through our API and must give PyTorch's dtype, shape and
// values. Plus the properties no fixed value pins down: dropout's statistics, in-place identity.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  arange, F, full, libtorchVersion, manualSeed, memory, ones, scope, type Tensor, tensor, zeros,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { assertMatches, caseInputs, type FixtureCase, loadFixture, OPS, outputsOf, values } from './torch-cases.js';

const fixture = loadFixture();

function runCase(c: FixtureCase): void {
  const impl = OPS[c.op];
  assert.ok(impl, `no TypeScript implementation of op '${c.op}'`);
  scope(() => {
    const outs = outputsOf(impl(caseInputs(c), c.args));
    assert.equal(outs.length, c.outputs.length, `${c.name}: number of outputs`);
    outs.forEach((o, k) => assertMatches(o, c.outputs[k]!, `${c.name} output ${k}`));
  });
}

describe('fixture', () => {
  test('every fixture op has an implementation and every implementation a fixture case', () => {
    const fixtureOps = new Set(fixture.cases.map((c) => c.op));
    const noImpl = [...fixtureOps].filter((op) => !Object.hasOwn(OPS, op));
    const noCase = Object.keys(OPS).filter((op) => !fixtureOps.has(op));
    assert.deepEqual(
      { noImpl, noCase }, { noImpl: [], noCase: [] },
      `fixture ops without a TypeScript implementation: [${noImpl.join(', ')}]; `
      + `TypeScript ops without a fixture case: [${noCase.join(', ')}]`,
    );
  });

  test('case names are unique and the file records the PyTorch that wrote it', () => {
    const names = fixture.cases.map((c) => c.name);
    assert.equal(new Set(names).size, names.length);
    assert.match(fixture.torch, /^\d+\.\d+/);
    assert.ok(fixture.cases.length > 250, `only ${fixture.cases.length} cases`);
    // The same libtorch release computes both sides; a different one is worth knowing about.
    const [maj, min] = fixture.torch.split('.');
    if (!libtorchVersion().startsWith(`${maj}.${min}`)) {
      console.log(`note: fixture from torch ${fixture.torch}, addon on libtorch ${libtorchVersion()}`);
    }
  });
});

describe('op values against PyTorch', () => {
  const before = memory().tensors;
  for (const c of fixture.cases) test(c.name, () => runCase(c));
  test('no tensor outlives its case', () => assert.equal(memory().tensors, before));
});

describe('dropout', () => {
  test('p = 1 gives zeros and p = 0 the input, in training', () => scope(() => {
    const x = arange(1, 13, 1, { dtype: 'float32' }).reshape([3, 4]);
    assert.deepEqual(values(F.dropout(x, 1)), new Array(12).fill(0));
    assert.deepEqual(values(F.dropout(x, 0)), values(x));
  }));

  test('not training, it is the identity for any p', () => scope(() => {
    const x = arange(1, 13, 1, { dtype: 'float32' });
    assert.deepEqual(values(F.dropout(x, 0.7, false)), values(x));
  }));

  test('keeps each element with probability 1-p, scaled by 1/(1-p), so the mean is kept', () => scope(() => {
    manualSeed(123);
    const n = 200_000;
    const p = 0.3;
    const y = F.dropout(ones([n]), p);
    const v = values(y);
    const zerosCount = v.filter((e) => e === 0).length;
    const kept = v.filter((e) => e !== 0);
    // Binomial(n, p): standard deviation of the fraction is sqrt(p (1-p) / n) ~ 0.001; allow 5 of them.
    const sd = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(zerosCount / n - p) < 5 * sd, `dropped fraction ${zerosCount / n}, want ${p}`);
    const scale = Math.fround(1 / (1 - p));
    assert.ok(kept.every((e) => Math.abs(e - scale) < 1e-6), 'kept elements are scaled by 1/(1-p)');
    assert.ok(Math.abs(y.mean().item() - 1) < 5 * sd / (1 - p), `mean ${y.mean().item()}`);
  }));

  test('rejects p outside [0, 1]', () => scope(() => {
    assert.throws(() => F.dropout(ones([2]), 1.5), RangeError);
    assert.throws(() => F.dropout(ones([2]), -0.1), RangeError);
  }));
});

describe('in place', () => {
  const cases: [string, (t: Tensor, o: Tensor) => Tensor, number[]][] = [
    ['add_', (t, o) => t.add_(o, 2), [1 + 2 * 2, 1 + 2 * 3]],
    ['sub_', (t, o) => t.sub_(o), [1 - 2, 1 - 3]],
    ['mul_', (t, o) => t.mul_(o), [2, 3]],
    ['div_', (t, o) => t.div_(o), [1 / 2, 1 / 3]],
    ['addcmul_', (t, o) => t.addcmul_(o, o, 0.5), [1 + 0.5 * 4, 1 + 0.5 * 9]],
    ['addcdiv_', (t, o) => t.addcdiv_(o, o.add(1), 3), [1 + (3 * 2) / 3, 1 + (3 * 3) / 4]],
    ['lerp_', (t, o) => t.lerp_(o, 0.25), [1 + 0.25 * (2 - 1), 1 + 0.25 * (3 - 1)]],
    ['copy_', (t, o) => t.copy_(o), [2, 3]],
    ['zero_', (t) => t.zero_(), [0, 0]],
    ['fill_', (t) => t.fill_(-4), [-4, -4]],
    ['clamp_', (t) => t.clamp_(1.5, null), [1.5, 1.5]],
  ];
  for (const [name, fn, want] of cases) {
    test(`${name} returns its receiver and changes it`, () => scope(() => {
      const t = ones([2]);
      const o = tensor([2, 3], { dtype: 'float32' });
      assert.equal(fn(t, o), t);
      assertClose(values(t), want, { atol: 1e-6 });
    }));
  }

  test('writes through a view into its base, as PyTorch', () => scope(() => {
    const x = ones([2, 3]);
    x.select(0, 1).zero_();
    x.narrow(1, 0, 1).mul_(5);
    assert.deepEqual(x.toArray(), [[5, 1, 1], [0, 0, 0]]);
  }));
});

describe('layout', () => {
  test('transpose is a non-contiguous view; contiguous() copies it into row-major order', () => scope(() => {
    const x = arange(6, undefined, 1, { dtype: 'float32' }).reshape([2, 3]);
    const t = x.transpose(0, 1);
    assert.equal(t.isContiguous(), false);
    const c = t.contiguous();
    assert.equal(c.isContiguous(), true);
    assert.deepEqual(values(c), [0, 3, 1, 4, 2, 5]);
  }));

  test('channelsLast keeps the shape and values, changes the memory order', () => scope(() => {
    const x = arange(24, undefined, 1, { dtype: 'float32' }).reshape([1, 2, 3, 4]);
    const cl = x.contiguous('channelsLast');
    assert.deepEqual(cl.shape, [1, 2, 3, 4]);
    assert.equal(cl.isContiguous('channelsLast'), true);
    assert.equal(cl.isContiguous(), false);
    assert.deepEqual(cl.toArray(), x.toArray());
  }));

  test('shape metadata: ndim, dim(), numel(), size(d) with negative d; cpu() stays on the cpu', () => scope(() => {
    const x = zeros([2, 3, 4]);
    assert.deepEqual([x.ndim, x.dim(), x.numel(), x.size(0), x.size(-1)], [3, 3, 24, 2, 4]);
    assert.throws(() => x.size(3), RangeError);
    assert.deepEqual([zeros([]).ndim, zeros([]).numel(), zeros([0, 5]).numel()], [0, 1, 0]);
    assert.equal(x.cpu().device, 'cpu');
  }));

  test('zeros and full give what their names say (sanity of the comparisons above)', () => scope(() => {
    assert.deepEqual(values(zeros([3])), [0, 0, 0]);
    assert.deepEqual(values(full([2], 2.5)), [2.5, 2.5]);
  }));
});
