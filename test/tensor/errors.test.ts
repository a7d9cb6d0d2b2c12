// Every class of bad input gives a JS error that names the problem; none aborts the process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  F, cat, manualSeed, ones, randn, run, scope, setNumThreads, tensor, zeros, type Dtype,
} from '../../src/index.js';

describe('wrong JS arguments raise TypeError', () => {
  test('a string where a tensor belongs', () => {
    const a = ones([2, 2]);
    assert.throws(() => a.matmul('x' as never), { name: 'TypeError', message: /aten::matmul: argument 'other' must be a Tensor/ });
    assert.throws(() => a.add('x' as never), { name: 'TypeError', message: /aten::add\.Tensor: argument 'other' must be a Tensor/ });
    assert.throws(() => cat([a, 'x' as never]), { name: 'TypeError', message: /aten::cat: argument 'tensors\[1\]' must be a Tensor/ });
    assert.throws(() => F.conv2d({} as never, a), { name: 'TypeError', message: /aten::conv2d: argument 'input' must be a Tensor/ });
  });

  test('a bad dtype name', () => {
    assert.throws(() => zeros([2], { dtype: 'float99' as Dtype }), { name: 'TypeError', message: /zeros: unknown dtype 'float99'/ });
    assert.throws(() => tensor([1], { dtype: 'int3' as Dtype }), { name: 'TypeError', message: /unknown dtype 'int3'/ });
    assert.throws(() => ones([2]).to('float99' as Dtype), { name: 'TypeError', message: /'float99' is neither a dtype nor a device/ });
    assert.throws(() => run('zeros', [2], 'complex7'), { name: 'TypeError', message: /aten::zeros: argument 'dtype' must be a dtype name: unknown dtype 'complex7'/ });
  });

  test('NaN, fractions and negatives in a shape', () => {
    assert.throws(() => zeros([2, NaN]), { name: 'TypeError', message: /zeros: shape must hold non-negative integers, got \[2, NaN\]/ });
    assert.throws(() => randn([-1]), { name: 'TypeError', message: /randn: shape/ });
    assert.throws(() => ones([4]).reshape([NaN]), { name: 'TypeError', message: /aten::reshape: argument 'shape' must be an integer \(got NaN\)/ });
    assert.throws(() => ones([4]).view([2, 1.5]), { name: 'TypeError', message: /aten::view: argument 'size' must be an integer \(got 1.5\)/ });
    assert.throws(() => ones([4]).sum(0.5), { name: 'TypeError', message: /sum: dims must be an integer/ });
  });

  test('malformed data and options', () => {
    assert.throws(() => tensor([[1, 2], [3]]), { name: 'TypeError', message: /rectangular/ });
    assert.throws(() => tensor([1, 'a' as never]), { name: 'TypeError', message: /elements must be numbers, bigints or booleans, got string/ });
    assert.throws(() => tensor([1, true]), { name: 'TypeError', message: /mixes booleans and numbers/ });
    assert.throws(() => tensor(new Float32Array(6), { shape: [4, 2] }), { name: 'TypeError', message: /needs 8 elements, data has 6/ });
    assert.throws(() => tensor(new Uint16Array(2) as never), { name: 'TypeError', message: /unsupported TypedArray Uint16Array/ });
    assert.throws(() => zeros([2], { requiresGrad: 'yes' as never }), { name: 'TypeError', message: /requiresGrad must be a boolean/ });
    assert.throws(() => zeros([2], { device: 'tpu' as never }), { name: 'TypeError', message: /unknown device 'tpu'/ });
    assert.throws(() => run('add.Tensor', ones([1]), ones([1]), 1, 2), { name: 'TypeError', message: /aten::add\.Tensor: takes 3 arguments, got 4/ });
    assert.throws(() => run('matmul', ones([1])), { name: 'TypeError', message: /argument 'other' is required/ });
    assert.throws(() => run('no_such_op'), { message: /unknown op aten::no_such_op/ });
    assert.throws(() => setNumThreads(0), { name: 'TypeError' });
    assert.throws(() => manualSeed(-1), { name: 'TypeError' });
    assert.throws(() => F.dropout(ones([2]), 1.5), { name: 'RangeError' });
    assert.throws(() => ones([2]).size(3), { name: 'RangeError' });
  });

  test('scope takes a synchronous function', () => {
    assert.throws(() => scope('x' as never), { name: 'TypeError' });
    assert.throws(() => scope((async () => ones([1])) as never), { name: 'TypeError', message: /synchronous/ });
  });
});

describe('libtorch errors become Errors naming the op and the input shapes', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['matmul shapes', () => ones([2, 3]).matmul(ones([4, 5])),
      /^aten::matmul\(self: \[2, 3\] float32, other: \[4, 5\] float32\): mat1 and mat2 shapes cannot be multiplied/],
    ['conv2d channels', () => F.conv2d(ones([1, 3, 8, 8]), ones([4, 2, 3, 3])),
      /^aten::conv2d\(input: \[1, 3, 8, 8\] float32, weight: \[4, 2, 3, 3\] float32.*\): .*expected input\[1, 3, 8, 8\] to have 2 channels/],
    ['cat sizes', () => cat([ones([2, 3]), ones([2, 4])]), /^aten::cat\(tensors: \[\[2, 3\] float32, \[2, 4\] float32\].*\): Sizes of tensors must match/],
    ['dim out of range', () => ones([2, 3]).sum(5), /^aten::sum\.dim_IntList\(self: \[2, 3\] float32.*\): Dimension out of range/],
    ['index out of range', () => ones([3]).indexSelect(0, tensor([7n])), /^aten::index_select\(self: \[3\] float32, dim: 0, index: \[1\] int64\): .*out of range/i],
    ['gather out of bounds', () => ones([2, 2]).gather(1, tensor([[0n, 5n], [1n, 0n]])), /^aten::gather\(.*\): index 5 is out of bounds/],
    ['broadcast', () => ones([2, 3]).add(ones([4])), /^aten::add\.Tensor\(self: \[2, 3\] float32, other: \[4\] float32\): The size of tensor a \(3\) must match/],
    ['cross-entropy target', () => F.crossEntropy(ones([2, 3]), tensor([0n, 9n])), /^aten::cross_entropy_loss\(.*\): Target 9 is out of bounds/],
    ['item of many', () => ones([3]).item(), /^item \[3\] float32: a Tensor with 3 elements cannot be converted to Scalar/],
    ['view of a non-contiguous tensor', () => ones([2, 3]).t().view([6]), /^aten::view\(.*\): view size is not compatible/],
    ['masked fill mask', () => ones([2, 3]).maskedFill(ones([4]).gt(0), 0), /^aten::masked_fill\.Scalar\(.*\): The size of tensor a/],
    ['sqrt of an int64 needs float: ok, but mean of int64 fails', () => tensor([1n, 2n]).mean(), /^aten::mean\(self: \[2\] int64\): mean\(\): could not infer output dtype/],
    ['to a missing device', () => ones([1]).to('cuda:7'), /aten::to\.device\(self: \[1\] float32, device: cuda:7.*\)/],
  ];
  for (const [name, fn, re] of cases) {
    test(name, () => {
      assert.throws(fn, (e: unknown) => {
        assert.ok(e instanceof Error && !(e instanceof TypeError), `expected an Error, got ${String(e)}`);
        assert.match(e.message, re);
        return true;
      });
    });
  }

  test('backward misuse', () => {
    const x = ones([3], { requiresGrad: true });
    assert.throws(() => x.mul(2).backward(), { message: /^backward \[3\] float32: grad can be implicitly created only for scalar outputs/ });
    const y = x.mul(x).sum();
    y.backward();
    assert.throws(() => y.backward(), { message: /^backward \[\] float32: Trying to backward through the graph a second time/ });
    assert.throws(() => ones([2]).sum().backward(), { message: /does not require grad/ });
    assert.throws(() => x.mul(2).backward(ones([4])), { message: /^backward \[3\] float32 grad \[4\] float32: invalid gradient at index 0 - got \[4\] but expected shape compatible with \[3\]/ });
  });
});

describe('disposed tensors', () => {
  test('every use of a disposed tensor throws a clear error', () => {
    const t = ones([2]);
    t.dispose();
    t.dispose(); // idempotent
    assert.equal(t.isDisposed, true);
    assert.throws(() => t.shape, /shape: the tensor has been disposed/);
    assert.throws(() => t.data(), /data: the tensor has been disposed/);
    assert.throws(() => t.item(), /item: the tensor has been disposed/);
    assert.throws(() => t.add(1), /aten::add\.Scalar: argument 'self': the tensor has been disposed/);
    assert.throws(() => ones([2]).add(t), /aten::add\.Tensor: argument 'other': the tensor has been disposed/);
    assert.throws(() => t.backward(), /backward: the tensor has been disposed/);
    assert.equal(String(t), 'Tensor(disposed)');
  });
});

test('the process survives a storm of bad calls (run in a child process)', () => {
  // Every bad call above again, in a fresh process that must exit 0 after all of them.
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = `
    const m = await import(${JSON.stringify(`${here}../../src/index.js`)});
    const bad = [
      () => m.ones([2, 3]).matmul(m.ones([4, 5])), () => m.F.conv2d(m.ones([1, 3, 8, 8]), m.ones([4, 2, 3, 3])),
      () => m.ones([3]).indexSelect(0, m.tensor([-9n])), () => m.ones([2, 2]).gather(1, m.tensor([[0n, 99n], [1n, 0n]])),
      () => m.ones([2]).scatter(0, m.tensor([5n]), 1), () => m.F.embedding(m.tensor([8n]), m.ones([3, 2])),
      () => m.F.gridSample(m.ones([1, 1, 2, 2]), m.ones([2, 2, 2, 2])), () => m.F.maxPool2d(m.ones([1, 1, 2, 2]), 5),
      () => m.ones([2]).view([-1, -1]), () => m.zeros([1e15]), () => m.tensor(new Float32Array(3), { shape: [2, 2] }),
      () => m.F.oneHot(m.tensor([3n]), 2), () => m.randn([2, 2]).topk(5), () => m.ones([2]).narrow(0, 1, 5),
      () => m.ones([2]).repeat([-2]), () => m.F.interpolate(m.ones([1, 1, 2, 2]), [0, 0]),
    ];
    let thrown = 0;
    for (const f of bad) { try { f(); } catch (e) { if (e instanceof Error) thrown++; } }
    console.log(thrown + '/' + bad.length);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, `child exited with ${r.status} (signal ${r.signal}): ${r.stderr}`);
  assert.equal(r.stdout.trim(), '16/16');
});

test('OMP_NUM_THREADS sets the intra-op threads as in PyTorch; a bad value is a clear error', () => {
  const index = fileURLToPath(new URL('../../src/index.js', import.meta.url));
  const threads = (v: string) => spawnSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(index)}).then((m) => console.log(m.getNumThreads()))`], {
    env: { ...process.env, OMP_NUM_THREADS: v }, encoding: 'utf8',
  });
  assert.equal(threads('1').stdout.trim(), '1');
  const bad = threads('two');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /OMP_NUM_THREADS must be a positive integer, got 'two'/);
});
