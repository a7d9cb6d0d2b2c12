// The same ops on CUDA as on the CPU, when this libtorch has CUDA and a GPU is visible.
// Without one the tests are skipped with the reason printed, never silently absent.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  F, autocast, cudaAvailable, libtorchVersion, manualSeed, memory, noGrad, randn, scope, tensor, type Tensor,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

const reason = cudaAvailable() ? '' : `no CUDA device: libtorch ${libtorchVersion()} sees no GPU (CPU-only build or no driver)`;
if (reason) console.log(`# cuda tests skipped: ${reason}`);

/** Runs `f` on CPU copies and CUDA copies of `inputs` and compares the outputs. */
function same(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], atol = 1e-4): void {
  scope(() => {
    const cpu = f(...inputs);
    const gpu = f(...inputs.map((x) => x.to('cuda')));
    assert.equal(gpu.device, 'cuda:0');
    assertClose(gpu.cpu(), cpu, { atol, rtol: 1e-4 });
  });
}

const opts = { skip: reason || false };

describe('cuda', () => {
  test('elementwise, reductions, linear algebra and nn functions match the CPU', opts, () => {
    manualSeed(0);
    const a = randn([8, 16]);
    const b = randn([16, 4]);
    same((x) => x.exp().add(1).log().sum(1), [a]);
    same((x, y) => x.matmul(y).relu(), [a, b]);
    same((x) => x.softmax(1).max(1).values, [a]);
    same((x) => F.normalize(x).matmul(F.normalize(x).t()), [a]);
    const img = randn([2, 3, 8, 8]);
    const w = randn([4, 3, 3, 3]);
    same((x, k) => F.maxPool2d(F.conv2d(x, k, null, { padding: 1 }), 2), [img, w]);
    same((x) => F.batchNorm(x, { training: true }), [img]);
    same((x) => F.crossEntropy(x, tensor([1n, 0n, 3n, 2n, 1n, 0n, 3n, 2n]).to(x.device)), [randn([8, 4])]);
  });

  test('autograd on CUDA gives the CPU gradients', opts, () => {
    const x0 = randn([5, 3]);
    const grad = (device: 'cpu' | 'cuda'): Tensor => scope(() => {
      const x = x0.to(device).requiresGrad_();
      x.tanh().pow(2).sum().backward();
      return x.grad!.cpu();
    });
    assertClose(grad('cuda'), grad('cpu'), { atol: 1e-5 });
  });

  test('bf16 autocast runs matmul in bfloat16 on CUDA', opts, () => {
    const out = autocast('cuda', () => randn([4, 8]).to('cuda').matmul(randn([8, 2]).to('cuda')));
    assert.equal(out.dtype, 'bfloat16');
  });

  test('a scoped CUDA loop keeps the live tensor count flat', opts, () => {
    const w = randn([16, 16]).to('cuda').requiresGrad_();
    const before = memory().tensors;
    for (let i = 0; i < 200; i++) {
      scope(() => {
        w.matmul(randn([16, 4]).to('cuda')).square().mean().backward();
        noGrad(() => w.sub_(w.grad!, 0.01));
        w.grad = null;
      });
    }
    assert.equal(memory().tensors, before);
  });
});
