// Modules, optimizers and checkpoints on CUDA (skipped where libtorch sees no GPU): a ResNet
// step on the GPU matches the CPU, channels-last and bf16 autocast run, weights round-trip.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { F, type Tensor, autocast, cudaAvailable, keep, libtorchVersion, manualSeed, memory, randn, scope } from '../../src/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/index.js';
import { SimCLRProjectionHead, resnet18 } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';

const skip = cudaAvailable() ? false : `no CUDA device (libtorch ${libtorchVersion()})`;

test('a ResNet-18 training step on CUDA matches the same step on the CPU', { skip }, () => {
  manualSeed(0);
  const cpu = resnet18({ cifarStem: true });
  const gpu = resnet18({ cifarStem: true });
  scope(() => gpu.loadStateDict(cpu.stateDict()));
  gpu.to('cuda');
  assert.ok(gpu.parameters().every((p) => p.device === 'cuda:0' && p.requiresGrad));
  const x = keep(randn([8, 3, 32, 32]));
  const losses = [cpu, gpu].map((m) => {
    const opt = new SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
    const out = scope(() => {
      const dev = m === gpu ? 'cuda' : 'cpu';
      const loss = m.forward(x.to(dev)).square().mean();
      loss.backward();
      opt.step();
      return [loss.item(), m.forward(x.to(dev)).square().mean().item()];
    });
    opt.dispose();
    return out;
  });
  assert.ok(Math.abs(losses[0]![0]! - losses[1]![0]!) < 1e-3 * Math.abs(losses[0]![0]!), `loss ${losses[0]} vs ${losses[1]}`);
  assert.ok(Math.abs(losses[0]![1]! - losses[1]![1]!) < 1e-2 * Math.abs(losses[0]![1]!), `after the step ${losses[0]} vs ${losses[1]}`);
  // Weights saved from the GPU load on the CPU.
  const dir = mkdtempSync(join(tmpdir(), 'cuda-test-'));
  scope(() => {
    saveSafetensors(join(dir, 'w.safetensors'), gpu.stateDict());
    const back = resnet18({ cifarStem: true });
    back.loadStateDict(loadSafetensors(join(dir, 'w.safetensors')).tensors);
    const a = back.stateDict()['layer4.1.conv2.weight']!;
    const b = gpu.stateDict()['layer4.1.conv2.weight']!.cpu();
    assert.equal(a.sub(b).abs().max().item(), 0);
    back.dispose();
  });
  rmSync(dir, { recursive: true, force: true });
  for (const m of [cpu, gpu]) m.dispose();
  x.dispose();
});

test('channels-last and bf16 autocast on CUDA: formats and dtypes as PyTorch, memory flat', { skip }, () => {
  manualSeed(1);
  const enc = resnet18({ cifarStem: true }).to({ device: 'cuda', memoryFormat: 'channelsLast' });
  const head = new SimCLRProjectionHead({ inputDim: 512, hiddenDim: 512, outputDim: 128 }).to('cuda');
  const opt = new SGD([...enc.parameters(), ...head.parameters()], { lr: 0.05, momentum: 0.9 });
  const x = keep(randn([16, 3, 32, 32], { device: 'cuda' }).contiguous('channelsLast'));
  const step = (): [number, string] => scope(() => {
    opt.zeroGrad();
    let featureDtype = '';
    const loss = autocast('cuda', () => {
      const h: Tensor = enc.forward(x);
      featureDtype = h.dtype;
      const z = F.normalize(head.forward(h), 2, 1);
      return z.matmul(z.t()).to('float32').logSoftmax(1).diagonal().neg().mean();
    });
    loss.backward();
    opt.step();
    return [loss.item(), featureDtype];
  });
  const [first, dtype] = step();
  assert.equal(dtype, 'bfloat16', 'convolutions run in bf16 under autocast');
  assert.ok(enc.conv1.weight.isContiguous('channelsLast'));
  assert.equal(scope(() => enc.conv1.weight.grad!.dtype), 'float32', 'master weights and grads stay float32');
  const before = memory();
  for (let i = 0; i < 10; i++) step();
  assert.deepEqual(memory(), before);
  assert.ok(Number.isFinite(first));
  opt.dispose();
  enc.dispose();
  head.dispose();
  x.dispose();
});

test('an SGD built before to(\'cuda\') updates the same parameter objects on the GPU (foreach path)', { skip }, () => {
  manualSeed(2);
  const head = new SimCLRProjectionHead({ inputDim: 16, hiddenDim: 16, outputDim: 8 });
  const params = head.parameters();
  const opt = new SGD(params, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
  head.to('cuda');
  assert.ok(head.parameters().every((p, i) => Object.is(p, params[i]) && p.device === 'cuda:0'));
  const before = scope(() => params.map((p) => p.cpu().clone()));
  for (let i = 0; i < 2; i++) {
    scope(() => head.forward(randn([4, 16], { device: 'cuda' })).square().sum().backward());
    opt.step(); // groups on CUDA go through the _foreach_ ops
    opt.zeroGrad();
  }
  const moved = scope(() => params.map((p, i) => p.cpu().sub(before[i]!).abs().sum().item()));
  assert.ok(moved.every((d) => d > 0), `every parameter moved: ${moved.join(', ')}`);
  before.forEach((t) => t.dispose());
  opt.dispose();
  head.dispose();
});
