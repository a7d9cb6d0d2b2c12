// The typed ops that replaced raw `run('...')` calls in the library: values as PyTorch gives
// them, argument checks that name the op and the argument, `out=` and in-place identity.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  arange, cdist, empty, F, foreach, full, manualSeed, maximum, memory, noGrad, ones, scope, tensor, where, zeros,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

const idx = (...v: number[]) => tensor(BigInt64Array.from(v, BigInt));

describe('indexing ops', () => {
  test('index, indexPut and nonzero: advanced indexing as t[rows, cols]', () => scope(() => {
    const m = arange(12).reshape([3, 4]); // [[0..3], [4..7], [8..11]]
    assert.deepEqual(m.index([idx(0, 2), idx(1, 3)]).toArray(), [1, 11]);
    assert.deepEqual(m.index([idx(2), null]).toArray(), [[8, 9, 10, 11]]);
    const put = zeros([2, 2]).indexPut([idx(0, 1), idx(1, 1)], full([], 5));
    assert.deepEqual(put.toArray(), [[0, 5], [0, 5]]);
    const acc = zeros([3]).indexPut([idx(0, 0, 2)], tensor([1, 2, 3]), true);
    assert.deepEqual(acc.toArray(), [3, 0, 3]);
    const nz = tensor([[0, 1], [2, 0]]).nonzero();
    assert.deepEqual([nz.dtype, nz.toArray()], ['int64', [[0, 1], [1, 0]]]);
    assert.throws(() => m.index([1 as never]), { name: 'TypeError', message: /index: indices\[0\] must be a Tensor or null, got 1/ });
    assert.throws(() => m.indexPut([idx(0)], 3 as never), { name: 'TypeError', message: /indexPut: values must be a Tensor, got 3/ });
  }));

  test('index is differentiable', () => scope(() => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x.index([idx(0, 1, 1), idx(1, 0, 0)]).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [[0, 1], [2, 0]]);
  }));

  test('indexAdd, indexCopy, indexCopy_ and scatterAdd', () => scope(() => {
    const base = zeros([3, 2]);
    const src = tensor([[1, 1], [2, 2], [3, 3]]);
    assert.deepEqual(base.indexAdd(0, idx(0, 2, 0), src).toArray(), [[4, 4], [0, 0], [2, 2]]);
    assert.deepEqual(base.indexAdd(0, idx(1), tensor([[1, 2]]), 2).toArray(), [[0, 0], [2, 4], [0, 0]]);
    assert.deepEqual(base.indexCopy(0, idx(2, 0), tensor([[7, 7], [8, 8]])).toArray(), [[8, 8], [0, 0], [7, 7]]);
    const same = base.indexCopy_(0, idx(1), tensor([[5, 6]]));
    assert.equal(same, base, 'in place returns the tensor itself');
    assert.deepEqual(base.toArray(), [[0, 0], [5, 6], [0, 0]]);
    const scores = zeros([2, 3]).scatterAdd(1, tensor([[0, 2, 0], [1, 1, 1]], { dtype: 'int64' }), tensor([[1, 2, 3], [4, 5, 6]]));
    assert.deepEqual(scores.toArray(), [[4, 0, 2], [0, 15, 0]]);
    assert.throws(() => base.indexAdd(0.5, idx(0), src), { name: 'TypeError', message: /indexAdd: dim must be an integer, got 0.5/ });
  }));

  test('fillDiagonal_ writes the diagonal in place (also -inf), wrap continues it', () => scope(() => {
    const m = zeros([3, 3]);
    assert.equal(m.fillDiagonal_(-Infinity), m);
    assert.deepEqual(m.toArray(), [[-Infinity, 0, 0], [0, -Infinity, 0], [0, 0, -Infinity]]);
    assert.deepEqual(zeros([5, 2]).fillDiagonal_(1, true).toArray(), [[1, 0], [0, 1], [0, 0], [1, 0], [0, 1]]);
    assert.throws(() => zeros([2, 2]).fillDiagonal_(NaN), { name: 'TypeError', message: /fillDiagonal_: value must be a number, got NaN/ });
  }));
});

describe('reductions and scans', () => {
  test('any and all over a dim, with keepdim', () => scope(() => {
    const b = tensor([[true, false], [false, false]]);
    assert.deepEqual(b.any(1).toArray(), [true, false]);
    assert.deepEqual(b.any(1, true).shape, [2, 1]);
    assert.deepEqual(b.all(0).toArray(), [false, false]);
    assert.equal(b.any().item(), 1);
    assert.equal(b.all().item(), 0);
    assert.deepEqual(tensor([[1, 0], [2, 3]]).all(1).toArray(), [false, true]);
    assert.throws(() => b.any(1, 1 as never), { name: 'TypeError', message: /any: keepdim must be a boolean, got 1/ });
  }));

  test('amax and amin keep no indices, over one dim, several or all', () => scope(() => {
    const x = tensor([[1, 5], [7, -2]]);
    assert.deepEqual(x.amax(1, true).toArray(), [[5], [7]]);
    assert.deepEqual(x.amin(0).toArray(), [1, -2]);
    assert.deepEqual(x.amax([0, 1]).toArray(), 7);
    assert.equal(x.amin().item(), -2);
  }));

  test('cumsum; integers sum as int64, as PyTorch', () => scope(() => {
    assert.deepEqual(tensor([[1, 2, 3], [4, 5, 6]]).cumsum(1).toArray(), [[1, 3, 6], [4, 9, 15]]);
    const b = tensor([true, true, false]).cumsum(0);
    assert.deepEqual([b.dtype, b.toArray()], ['int64', [1, 2, 2]]);
    assert.equal(tensor([1, 2]).cumsum(0, 'float64').dtype, 'float64');
  }));

  test('bincount counts, with weights and minlength', () => scope(() => {
    const v = idx(0, 2, 2, 3);
    assert.deepEqual(v.bincount().toArray(), [1, 0, 2, 1]);
    assert.deepEqual(v.bincount(null, 6).toArray(), [1, 0, 2, 1, 0, 0]);
    assert.deepEqual(v.bincount(tensor([0.5, 1, 2, 4], { dtype: 'float64' })).toArray(), [0.5, 0, 3, 4]);
  }));

  test('sort: stable keeps equal values in index order', () => scope(() => {
    const x = tensor([[3, 1, 3, 1, 2]]);
    const s = x.sort(1, true, true);
    assert.deepEqual(s.values.toArray(), [[3, 3, 2, 1, 1]]);
    assert.deepEqual(s.indices.toArray(), [[0, 2, 4, 1, 3]]);
    assert.deepEqual(x.sort(1, false, true).indices.toArray(), [[1, 3, 4, 0, 2]]);
    assert.deepEqual(tensor([2, 1]).sort().indices.toArray(), [1, 0]);
    assert.throws(() => x.sort(1, true, 'yes' as never), { name: 'TypeError', message: /sort: stable must be a boolean, got 'yes'/ });
  }));
});

describe('elementwise ops', () => {
  test('fmod has the sign of the dividend, remainder that of the divisor', () => scope(() => {
    const x = tensor([-7, 7, -1.5]);
    assert.deepEqual(x.fmod(3).toArray(), [-1, 1, -1.5]);
    assert.deepEqual(x.remainder(3).toArray(), [2, 1, 1.5]);
    assert.deepEqual(x.remainder(tensor([3, -3, 3])).toArray(), [2, -2, 1.5]);
    const y = tensor([-1, 7]);
    assert.equal(y.remainder_(6), y);
    assert.deepEqual(y.toArray(), [5, 1]);
  }));

  test('nanToNum and nanToNum_: NaN to 0, infinities to the dtype limits or the values given', () => scope(() => {
    const x = tensor([NaN, Infinity, -Infinity, 1]);
    assert.deepEqual(x.nanToNum().toArray(), [0, 3.4028234663852886e38, -3.4028234663852886e38, 1]);
    assert.deepEqual(x.nanToNum(-1, 9, -9).toArray(), [-1, 9, -9, 1]);
    assert.equal(x.nanToNum_(0, 2, -2), x);
    assert.deepEqual(x.toArray(), [0, 2, -2, 1]);
  }));

  test('neg_, abs_ and relu_ work in place and return the tensor itself', () => scope(() => {
    const x = tensor([-2, 3]);
    assert.equal(x.neg_(), x);
    assert.deepEqual(x.toArray(), [2, -3]);
    assert.equal(x.abs_(), x);
    assert.deepEqual(x.toArray(), [2, 3]);
    const y = tensor([-1, 4]);
    assert.equal(y.relu_(), y);
    assert.deepEqual(y.toArray(), [0, 4]);
  }));

  test('where with out writes into out; maximum with out too', () => scope(() => {
    const out = tensor([1, 2, 3]);
    const r = where(tensor([true, false, true]), tensor([9, 9, 9]), out, { out });
    assert.equal(r, out);
    assert.deepEqual(out.toArray(), [9, 2, 9]);
    assert.throws(() => where(tensor([true]), 1, out, { out }), { name: 'TypeError', message: /where: a must be a Tensor, got 1/ });
    const m = tensor([1, 5]);
    assert.equal(maximum(m, tensor([3, 2]), { out: m }), m);
    assert.deepEqual(m.toArray(), [3, 5]);
    assert.deepEqual(maximum(tensor([1, 5]), tensor([3, 2])).toArray(), [3, 5]);
  }));

  test('view(dtype) reinterprets the bytes: bfloat16 1.0 is int16 16256', () => scope(() => {
    const b = tensor([1, -2], { dtype: 'bfloat16' });
    const bits = b.view('int16');
    assert.deepEqual([bits.dtype, bits.toArray()], ['int16', [16256, -16384]]);
    assert.deepEqual(bits.view('bfloat16').toArray(), [1, -2]);
    assert.throws(() => b.view('int12' as never), { name: 'TypeError', message: /view: unknown dtype 'int12'/ });
  }));

  test('uniform_ and normal_ draw from the seeded generator, in range', () => scope(() => {
    manualSeed(3);
    const u = empty([1000]).uniform_(-2, 2);
    const a = u.data() as Float32Array;
    assert.ok(a.every((v) => v >= -2 && v < 2));
    manualSeed(3);
    assert.deepEqual(empty([1000]).uniform_(-2, 2).data(), a);
    const n = empty([20000]).normal_(1, 0.5);
    assert.ok(Math.abs(n.mean().item() - 1) < 0.02 && Math.abs(n.std().item() - 0.5) < 0.02);
    assert.throws(() => empty([2]).uniform_(1, 0), { name: 'RangeError', message: /uniform_: from \(1\) must be <= to \(0\)/ });
    assert.throws(() => empty([2]).normal_(0, -1), { name: 'RangeError', message: /normal_: std must be >= 0, got -1/ });
  }));
});

describe('F and top-level functions', () => {
  test('F.cosineSimilarity, F.pairwiseDistance and cdist', () => scope(() => {
    const a = tensor([[3, 4], [1, 0]]);
    const b = tensor([[3, 4], [0, 2]]);
    assertClose(F.cosineSimilarity(a, b), [1, 0]);
    assertClose(F.pairwiseDistance(a, b), [Math.hypot(1e-6, 1e-6), Math.hypot(1 + 1e-6, -2 + 1e-6)], { atol: 1e-6 });
    assert.deepEqual(F.pairwiseDistance(a, b, 2, 1e-6, true).shape, [2, 1]);
    assertClose(cdist(a, b), [[0, Math.hypot(3, 2)], [Math.hypot(2, 4), Math.hypot(1, 2)]]);
    assertClose(cdist(a, b, 1), [[0, 5], [6, 3]]);
    assert.throws(() => cdist(a, b, -1), { name: 'RangeError', message: /cdist: p must be >= 0, got -1/ });
  }));

  test('F.mseLoss: mean, sum or none', () => scope(() => {
    const x = tensor([1, 2, 3]);
    const y = tensor([1, 0, 0]);
    assert.equal(F.mseLoss(x, y).item(), Math.fround(13 / 3));
    assert.equal(F.mseLoss(x, y, { reduction: 'sum' }).item(), 13);
    assert.deepEqual(F.mseLoss(x, y, { reduction: 'none' }).toArray(), [0, 4, 9]);
    assert.throws(() => F.mseLoss(x, y, { reduction: 'avg' as never }), { name: 'TypeError', message: /mseLoss: reduction must be/ });
  }));

  test('F.embedding picks rows; the padding row gets no gradient; a negative paddingIdx counts from the end', () => scope(() => {
    const w = tensor([[1, 1], [2, 2], [3, 3]], { requiresGrad: true });
    const rows = F.embedding(idx(2, 0, 2), w, { paddingIdx: -1 });
    assert.deepEqual(rows.toArray(), [[3, 3], [1, 1], [3, 3]]);
    rows.sum().backward();
    assert.deepEqual(w.grad!.toArray(), [[1, 1], [0, 0], [0, 0]]);
    assert.throws(() => F.embedding(tensor([0]), w), { name: 'TypeError', message: /embedding: input must hold int64 or int32 indices, got float32/ });
    assert.throws(() => F.embedding(idx(0), w, { paddingIdx: 3 }), { name: 'RangeError', message: /embedding: paddingIdx must be within \[-3, 3\), got 3/ });
  }));

  test('foreach: list ops equal the per-tensor ops', () => scope(() => {
    const xs = [tensor([1, 2]), tensor([3])];
    const ys = [tensor([10, 20]), tensor([30])];
    assert.deepEqual(foreach.neg(xs).map((t) => t.toArray()), [[-1, -2], [-3]]);
    assert.deepEqual(foreach.add(xs, ys, 0.5).map((t) => t.toArray()), [[6, 12], [18]]);
    assert.equal(foreach.mul_(xs, 2), xs);
    assert.deepEqual(xs.map((t) => t.toArray()), [[2, 4], [6]]);
    foreach.add_(xs, ys, -1);
    assert.deepEqual(xs.map((t) => t.toArray()), [[-8, -16], [-24]]);
    assert.throws(() => foreach.add(xs, [ys[0]!]), { name: 'RangeError', message: /foreach\.add: others has 1 tensors, tensors has 2/ });
    assert.throws(() => foreach.mul_([xs[0]!, 3 as never], 2), { name: 'TypeError', message: /foreach\.mul_: tensors\[1\] must be a Tensor, got 3/ });
  }));

  test('in-place and out= ops create no tensor', () => {
    const x = ones([2, 2]);
    const mask = ones([2, 2]).gt(0);
    const [i, row] = [idx(0), ones([1, 2])];
    const before = memory().tensors;
    noGrad(() => {
      x.neg_().abs_().relu_().remainder_(3).nanToNum_().fillDiagonal_(0).indexCopy_(0, i, row);
      where(mask, x, x, { out: x });
      maximum(x, x, { out: x });
    });
    assert.equal(memory().tensors, before);
    assert.deepEqual(x.toArray(), [[1, 1], [1, 0]]);
    for (const t of [x, mask, i, row]) t.dispose();
  });
});
