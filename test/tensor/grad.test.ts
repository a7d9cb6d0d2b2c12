// Gradients: (1) for every differentiable case of test/fixtures/torch-ops.json, our autograd
// gradients of L = sum_k sum(out_k * w_k) equal PyTorch's; (2) the same ops pass a float64
// central finite-difference check (`gradcheck`); (3) autograd behaves as PyTorch's does:
// accumulation, retainGraph, detach, noGrad, requiresGrad propagation, explicit output grads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cat, F, gradcheck, isGradEnabled, keep, manualSeed, memory, noGrad, ones, scope, setNumThreads, type Tensor, tensor,
  zeros,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';
import {
  caseInputs, type FixtureCase, fromFixture, loadFixture, num, OPS, outputsOf, values,
} from './torch-cases.js';

const fixture = loadFixture();
// Thousands of evaluations of tiny ops: one intra-op thread is several times faster for them
// than two on a shared 2-core machine (thread hand-offs dominate), and gives the same values.
setNumThreads(1);
const gradCases = fixture.cases.filter((c) => c.grads !== undefined);

/** Gradient tolerances in float32: the two sides run the same kernels, in possibly other orders. */
const GRAD_TOL = { atol: 1e-5, rtol: 1e-4 };

/**
 * Cases whose finite-difference check says nothing, with the reason. Everything else with
 * gradients is checked; a name here that is not in the fixture fails the suite.
 */
const FD_SKIP: Record<string, string> = {
  'to/float16': 'the output is float16: a 1e-6 step is below its resolution',
  'to/bfloat16': 'the output is bfloat16: a 1e-6 step is below its resolution',
};

/** The objective PyTorch differentiated: sum over outputs that require grad of sum(out * w). */
function objective(c: FixtureCase, outs: Tensor[]): Tensor {
  const terms = outs.flatMap((o, k) => {
    const w = c.weights![k];
    assert.equal(o.requiresGrad, w !== null, `${c.name}: output ${k} requiresGrad should be ${w !== null}`);
    if (w === null || w === undefined) return [];
    const wt = tensor(Float32Array.from(w, num), { shape: o.shape }).to(o.dtype);
    return [o.mul(wt).sum().to('float32')];
  });
  return terms.reduce((a, b) => a.add(b));
}

describe('autograd gradients equal PyTorch', () => {
  const before = memory().tensors;
  for (const c of gradCases) {
    test(c.name, () => scope(() => {
      const xs = caseInputs(c);
      const outs = outputsOf(OPS[c.op]!(xs, c.args));
      objective(c, outs).backward();
      const withGrad = xs.filter((_, i) => c.inputs[i]!.grad);
      assert.equal(withGrad.length, c.grads!.length, `${c.name}: number of gradients`);
      withGrad.forEach((x, i) => {
        const want = c.grads![i];
        const got = x.grad;
        if (want === null || want === undefined) {
          assert.equal(got, null, `${c.name}: input ${i} should get no gradient, as in PyTorch`);
          return;
        }
        assert.ok(got, `${c.name}: input ${i} got no gradient`);
        assert.equal(got.dtype, want.dtype, `${c.name}: grad ${i} dtype`);
        assert.deepEqual(got.shape, want.shape, `${c.name}: grad ${i} shape`);
        assertClose(values(got), want.data.map(num), { ...GRAD_TOL, message: `${c.name}: grad ${i}` });
      });
    }));
  }
  test('no tensor outlives its case', () => assert.equal(memory().tensors, before));
});

/** The case's op as a function of its grad inputs only (in float64), the others held fixed. */
function asFunction(c: FixtureCase, fixed: (Tensor | null)[]): (...xs: Tensor[]) => Tensor {
  return (...xs) => {
    let k = 0;
    const inputs = fixed.map((f) => f ?? xs[k++]!);
    // The differentiable outputs are those PyTorch weighted (gradcheck also runs fn under noGrad).
    const outs = outputsOf(OPS[c.op]!(inputs, c.args)).filter((_, j) => c.weights![j] !== null);
    return cat(outs.map((o) => o.to('float64').flatten()));
  };
}

describe('finite differences (float64 gradcheck)', () => {
  test('every skipped case exists and has gradients', () => {
    for (const name of Object.keys(FD_SKIP)) assert.ok(gradCases.some((c) => c.name === name), `FD_SKIP names unknown case ${name}`);
  });
  for (const c of gradCases) {
    if (FD_SKIP[c.name]) continue;
    test(c.name, () => scope(() => {
      const all = c.inputs.map((i) => {
        const t = fromFixture(i);
        return i.dtype === 'float32' || i.dtype === 'float16' || i.dtype === 'bfloat16' ? t.to('float64') : t;
      });
      const fixed = all.map((t, i) => (c.inputs[i]!.grad ? null : t));
      const free = all.filter((_, i) => c.inputs[i]!.grad);
      const r = gradcheck(asFunction(c, fixed), free);
      assert.ok(r.ok, `${c.name}: analytic and numeric gradients differ (max abs ${r.maxAbsError}, max rel ${r.maxRelError})`);
    }));
  }

  test('dropout with a fixed mask (reseeded before each evaluation)', () => scope(() => {
    const x = tensor(Float64Array.from({ length: 12 }, (_, i) => Math.sin(i)), { shape: [3, 4] });
    const r = gradcheck((t) => {
      manualSeed(5);
      return F.dropout(t, 0.5);
    }, [x]);
    assert.ok(r.ok, `max abs ${r.maxAbsError}`);
  }));

  test('gradcheck can fail: a wrong gradient is caught', () => scope(() => {
    // relu at exactly 0 has a kink: numeric (0 + 1)/2 = 0.5 vs PyTorch's subgradient 0.
    const r = gradcheck((t) => t.relu(), [zeros([1], { dtype: 'float64' })]);
    assert.equal(r.ok, false);
    assert.ok(Math.abs(r.maxAbsError - 0.5 * Math.sin(1)) < 1e-6, `error ${r.maxAbsError}`);
  }));
});

describe('autograd semantics as PyTorch', () => {
  const x0 = [1, -2, 3];

  test('gradients accumulate over backward calls until zeroed', () => scope(() => {
    const x = tensor(x0, { dtype: 'float32', requiresGrad: true });
    x.mul(x).sum().backward(); // d/dx sum(x^2) = 2x
    assert.deepEqual(x.grad!.toArray(), [2, -4, 6]);
    x.mul(3).sum().backward(); // + 3
    assert.deepEqual(x.grad!.toArray(), [5, -1, 9]);
    x.grad = null;
    assert.equal(x.grad, null);
    x.mul(3).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [3, 3, 3]);
  }));

  test('a grad set by hand is accumulated into', () => scope(() => {
    const x = tensor(x0, { dtype: 'float32', requiresGrad: true });
    x.grad = tensor([10, 20, 30], { dtype: 'float32' });
    x.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [11, 21, 31]);
  }));

  test('zeroing grad in place (optimizer.zero_grad(set_to_none=False))', () => scope(() => {
    const x = tensor(x0, { dtype: 'float32', requiresGrad: true });
    x.mul(2).sum().backward();
    x.grad!.zero_();
    assert.deepEqual(x.grad!.toArray(), [0, 0, 0]);
    x.mul(2).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, 2, 2]);
  }));

  test('an input used twice gets the sum of both paths', () => scope(() => {
    const x = tensor(x0, { dtype: 'float64', requiresGrad: true });
    x.mul(x).add(x).sum().backward(); // 2x + 1
    assert.deepEqual(x.grad!.toArray(), [3, -3, 7]);
  }));

  test('retainGraph allows a second backward; without it the second one throws', () => scope(() => {
    const x = tensor(x0, { dtype: 'float64', requiresGrad: true });
    const y = x.exp().sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    assertClose(values(x.grad!), x0.map((v) => 2 * Math.exp(v)), { rtol: 1e-12 });
    const z = x.exp().sum();
    z.backward();
    assert.throws(() => z.backward(), (e: unknown) => e instanceof Error && /second time|freed/i.test(e.message));
  }));

  test('backward of a non-scalar needs an explicit grad, which weights the outputs', () => scope(() => {
    const x = tensor(x0, { dtype: 'float32', requiresGrad: true });
    const y = x.mul(x); // (3)
    assert.throws(() => y.backward(), (e: unknown) => e instanceof Error && /scalar/i.test(e.message));
    y.backward(tensor([1, 0.5, -2], { dtype: 'float32' })); // 2x * g
    assert.deepEqual(x.grad!.toArray(), [2, -2, -12]);
  }));

  test('requiresGrad propagates to results of ops on any input that requires it', () => scope(() => {
    const a = tensor(x0, { dtype: 'float32' });
    const b = tensor(x0, { dtype: 'float32', requiresGrad: true });
    assert.equal(a.requiresGrad, false);
    assert.equal(b.requiresGrad, true);
    assert.equal(a.add(a).requiresGrad, false);
    assert.equal(a.add(b).requiresGrad, true);
    assert.equal(b.sum().requiresGrad, true);
    assert.equal(b.argmax().requiresGrad, false); // integer results never require grad
    assert.equal(b.gt(0).requiresGrad, false);
    a.requiresGrad = true;
    assert.equal(a.requiresGrad, true);
  }));

  test('only floating tensors can require grad', () => scope(() => {
    assert.throws(() => tensor([1n, 2n]).requiresGrad_(true), Error);
    assert.equal(tensor([1n, 2n]).requiresGrad, false);
    assert.throws(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), Error);
  }));

  test('detach cuts the graph and shares storage', () => scope(() => {
    const x = tensor(x0, { dtype: 'float32', requiresGrad: true });
    const d = x.detach();
    assert.equal(d.requiresGrad, false);
    d.mul(x).sum().backward(); // d is a constant: grad = d = x
    assert.deepEqual(x.grad!.toArray(), x0);
    d.fill_(7); // same storage as x
    assert.deepEqual(x.toArray(), [7, 7, 7]);
  }));

  test('noGrad records nothing, restores the mode, also after a throw', () => scope(() => {
    const x = tensor(x0, { dtype: 'float32', requiresGrad: true });
    assert.equal(isGradEnabled(), true);
    const y = noGrad(() => {
      assert.equal(isGradEnabled(), false);
      return x.mul(2);
    });
    assert.equal(y.requiresGrad, false);
    assert.equal(isGradEnabled(), true);
    assert.throws(() => noGrad(() => { throw new Error('boom'); }), /boom/);
    assert.equal(isGradEnabled(), true);
    assert.equal(noGrad(() => noGrad(() => isGradEnabled())), false);
  }));

  test('in place on a leaf that requires grad: an error, but allowed under noGrad (optimizer steps)', () => scope(() => {
    const x = tensor(x0, { dtype: 'float32', requiresGrad: true });
    assert.throws(() => x.add_(1), Error);
    noGrad(() => x.add_(1));
    assert.deepEqual(x.toArray(), [2, -1, 4]);
    assert.equal(x.requiresGrad, true);
    assert.equal(x.grad, null);
  }));

  test('in place on a non-leaf is differentiated through, as PyTorch', () => scope(() => {
    const x = tensor(x0, { dtype: 'float32', requiresGrad: true });
    const y = x.mul(1);
    y.mul_(x); // y = x^2, in place
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, -4, 6]);
    // y.mul_(y) overwrites a value its own backward needs: PyTorch refuses at backward time.
    const z = x.mul(1);
    z.mul_(z);
    assert.throws(() => z.sum().backward(), (e: unknown) => e instanceof Error && /modified by an inplace operation/.test(e.message));
  }));

  test('a non-leaf keeps no grad; an unused leaf gets none', () => scope(() => {
    const x = tensor(x0, { dtype: 'float32', requiresGrad: true });
    const unused = tensor(x0, { dtype: 'float32', requiresGrad: true });
    const y = x.mul(2);
    y.sum().backward();
    assert.equal(y.grad, null);
    assert.equal(unused.grad, null);
  }));

  test('createGraph gives a grad that is itself differentiable (double backward)', () => scope(() => {
    const x = tensor([2], { dtype: 'float64', requiresGrad: true });
    x.pow(3).sum().backward(null, { createGraph: true });
    const g = x.grad!; // 3x^2 = 12, with a graph
    assert.equal(g.item(), 12);
    assert.equal(g.requiresGrad, true);
    const x2 = tensor([2], { dtype: 'float64', requiresGrad: true });
    x2.pow(3).sum().backward(null, { createGraph: true });
    const g1 = x2.grad!.clone();
    x2.grad = null;
    g1.sum().backward(); // d/dx 3x^2 = 6x = 12
    assert.equal(x2.grad!.item(), 12);
  }));

  test('a training-style loop keeps the live tensor count constant', () => {
    const w = keep(ones([3], { requiresGrad: true }));
    const before = memory().tensors;
    for (let i = 0; i < 20; i++) {
      scope(() => {
        w.grad = null;
        w.mul(tensor(x0, { dtype: 'float32' })).pow(2).sum().backward();
        noGrad(() => w.sub_(w.grad!, 0.01));
      });
    }
    assert.equal(memory().tensors, before);
    w.dispose();
  });
});
