// Encoders: ResNets laid out and initialised as torchvision's; small ConvNets; MLP; registry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manualSeed, memory, randn, scope } from '../../src/index.js';
import {
  BatchNorm2d, ConvNet28, ConvNetSmall, MLP, type ResNet, createEncoder, encoderNames, registerEncoder, resnet18, resnet34, resnet50,
} from '../../src/nn/index.js';
import { runTorch } from '../helpers.js';

type Summary = Record<string, { shape: number[]; sum: number; sq: number; head: number[] }>;

function summary(m: ResNet): Summary {
  return scope(() => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => {
    const d = t.to('float64');
    return [k, { shape: [...t.shape], sum: d.sum().item(), sq: d.square().sum().item(), head: Array.from(t.flatten().slice(0, 0, 3).data(), Number) }];
  })));
}

test('ResNet-18/34/50 state dicts have torchvision\'s keys and shapes; ResNet-18 draws torchvision\'s weights', () => {
  const theirs = runTorch<Record<string, Summary>>(`
import json, torch, torchvision
def summary(m):
    return {k: {'shape': list(t.shape), 'sum': t.double().sum().item(), 'sq': t.double().square().sum().item(),
                'head': t.flatten()[:3].tolist()} for k, t in m.state_dict().items()}
out = {}
torch.manual_seed(0)
out['resnet18'] = summary(torchvision.models.resnet18())
out['resnet34'] = summary(torchvision.models.resnet34())
out['resnet50'] = summary(torchvision.models.resnet50())
c = torchvision.models.resnet18(); c.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False); c.maxpool = torch.nn.Identity(); c.fc = torch.nn.Identity()
out['cifar'] = summary(c)
print(json.dumps(out))
`);
  manualSeed(0);
  const models = {
    resnet18: resnet18({ numClasses: 1000 }),
    resnet34: resnet34({ numClasses: 1000 }),
    resnet50: resnet50({ numClasses: 1000 }),
    cifar: resnet18({ cifarStem: true }),
  };
  for (const [name, m] of Object.entries(models)) {
    const ours = summary(m);
    const t = theirs[name]!;
    assert.deepEqual(Object.keys(ours), Object.keys(t), `${name}: the same keys in the same order`);
    for (const k of Object.keys(t)) assert.deepEqual(ours[k]!.shape, t[k]!.shape, `${name} ${k}`);
  }
  // Same seed, same construction order, same draws: the same weights, value for value.
  const ours = summary(models.resnet18);
  for (const [k, t] of Object.entries(theirs.resnet18!)) {
    assert.deepEqual(ours[k]!.head, t.head, `resnet18 ${k} first values`);
    assert.ok(Math.abs(ours[k]!.sum - t.sum) <= 1e-9 * Math.max(1, Math.abs(t.sum)) && Math.abs(ours[k]!.sq - t.sq) <= 1e-9 * Math.max(1, t.sq), `resnet18 ${k} sums`);
  }
  // Initialisation as torchvision: BatchNorm weight 1, bias 0; convolutions N(0, 2 / fan_out).
  const conv = ours['layer3.0.conv1.weight']!; // (256, 128, 3, 3): fan_out = 256 * 9
  const n = 256 * 128 * 9;
  assert.ok(Math.abs(conv.sq / n / (2 / (256 * 9)) - 1) < 0.02, 'kaiming_normal fan_out variance');
  assert.equal(ours['layer1.0.bn1.weight']!.sum, 64);
  for (const m of Object.values(models)) m.dispose();
});

test('ResNet options: feature sizes, CIFAR stem, input channels, classifier, zero-init residual', () => {
  const before = memory().tensors;
  manualSeed(1);
  const r18 = resnet18();
  const cifar = resnet18({ cifarStem: true, inChannels: 1 });
  const r50 = resnet50({ zeroInitResidual: true });
  const cls = resnet18({ numClasses: 10, cifarStem: true });
  assert.equal(r18.featureDim, 512);
  assert.equal(r50.featureDim, 2048);
  assert.equal(r18.fc, null);
  assert.deepEqual(cifar.conv1.weight.shape, [64, 1, 3, 3]);
  assert.ok(!cifar.namedModules().some(([, m]) => m.name === 'MaxPool2d'), 'no max-pool in the CIFAR stem');
  assert.ok(r50.modules().filter((m) => m instanceof BatchNorm2d).length === 53);
  scope(() => {
    assert.equal(r50.stateDict()['layer1.0.bn3.weight']!.abs().sum().item(), 0, 'zero-init residual');
    assert.deepEqual(r18.forward(randn([2, 3, 64, 64])).shape, [2, 512]);
    assert.deepEqual(cifar.forward(randn([2, 1, 32, 32])).shape, [2, 512]);
    assert.deepEqual(r50.forward(randn([2, 3, 32, 32])).shape, [2, 2048]);
    assert.deepEqual(cls.forward(randn([2, 3, 32, 32])).shape, [2, 10]);
    assert.throws(() => r18.forward(randn([2, 1, 32, 32])), /ResNet: expected input \(N, 3, H, W\), got shape \[2, 1, 32, 32\]/);
  });
  for (const m of [r18, cifar, r50, cls]) m.dispose();
  assert.equal(memory().tensors, before);
});

test('ConvNetSmall is the yardstick CNN: 3x3 convs of 32, 64, 128 with BN and ReLU, two max-pools, 128-d', () => {
  const net = new ConvNetSmall({ inChannels: 1 });
  assert.equal(net.featureDim, 128);
  // The same network written directly in PyTorch has the same parameter and buffer shapes.
  const theirs = runTorch<Record<string, number[]>>(`
import json, torch.nn as nn
def block(i, o): return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]
m = nn.Sequential(*block(1, 32), nn.MaxPool2d(2), *block(32, 64), nn.MaxPool2d(2), *block(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten())
print(json.dumps([list(t.shape) for t in m.state_dict().values()]))
`);
  scope(() => {
    assert.deepEqual(Object.values(net.stateDict()).map((t) => [...t.shape]), theirs);
    assert.deepEqual(net.forward(randn([3, 1, 28, 28])).shape, [3, 128]);
    assert.deepEqual(net.forward(randn([2, 1, 9, 9])).shape, [2, 128]);
    assert.ok(net.forward(randn([4, 1, 28, 28])).min().item() >= 0, 'features after ReLU and average pooling');
    assert.throws(() => net.forward(randn([2, 1, 3, 3])), /H >= 4/);
  });
  net.dispose();
});

test('ConvNet28 and MLP report their feature sizes and check their inputs', () => {
  const c = new ConvNet28({ featureDim: 64 });
  const m = new MLP({ inputDim: 784, hiddenDims: [256, 32] });
  const plain = new MLP({ inputDim: 10, hiddenDims: [8], batchNorm: false });
  assert.equal(c.featureDim, 64);
  assert.equal(m.featureDim, 32);
  assert.deepEqual(Object.keys(scope(() => plain.stateDict())), ['layers.0.weight', 'layers.0.bias']);
  scope(() => {
    assert.deepEqual(c.forward(randn([2, 1, 28, 28])).shape, [2, 64]);
    assert.deepEqual(m.forward(randn([5, 1, 28, 28])).shape, [5, 32], 'images are flattened');
    assert.deepEqual(plain.forward(randn([3, 10])).shape, [3, 8]);
    assert.throws(() => c.forward(randn([2, 1, 32, 32])), /ConvNet28: expected input \(N, 1, 28, 28\)/);
    assert.throws(() => m.forward(randn([2, 100])), /MLP: expected inputs of 784 values each/);
  });
  assert.throws(() => new MLP({ hiddenDims: [] }), /non-empty array/);
  for (const x of [c, m, plain]) x.dispose();
});

test('the registry builds every encoder by name and rejects unknown names', () => {
  assert.deepEqual(encoderNames().slice(0, 2), ['resnet18', 'resnet18-cifar']);
  for (const name of ['resnet18-cifar', 'convnet-small', 'convnet28', 'mlp']) {
    const e = createEncoder(name, { inChannels: 1, inputDim: 784 });
    const x = name === 'mlp' || name === 'convnet28' ? [2, 1, 28, 28] : [2, 1, 32, 32];
    scope(() => assert.deepEqual(e.forward(randn(x)).shape, [2, e.featureDim], name));
    e.dispose();
  }
  assert.throws(() => createEncoder('vit-huge'), /unknown encoder 'vit-huge'; known: resnet18, resnet18-cifar, .*convnet-small/);
  registerEncoder('tiny-mlp', () => new MLP({ inputDim: 4, hiddenDims: [2] }));
  const tiny = createEncoder('tiny-mlp');
  assert.equal(tiny.featureDim, 2);
  tiny.dispose();
  assert.throws(() => registerEncoder('tiny-mlp', () => new MLP()), /already registered/);
});
