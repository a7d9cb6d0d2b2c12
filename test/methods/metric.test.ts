// The metric method: any label-based loss by name, with a miner, its own parameters saved and
// trained in their own optimizer group; configs that choose a loss for a method with its paper's
// loss are errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ArcFaceLoss, createLoss, createMiner, LOSS_NAMES, lossHasProxies, MINER_NAMES, LogisticLoss, TripletMarginLoss } from '../../src/losses/index.js';
import { BatchHardMiner } from '../../src/losses/miners/index.js';
import { createMethod, createOptimizer, Metric, optimizerSettings } from '../../src/methods/index.js';
import { createEncoder } from '../../src/nn/index.js';
import { DEFAULT_CONFIG, validateConfig } from '../../src/run/index.js';
import { autocast, manualSeed, memory, noGrad, randn, scope, tensor, withoutAutocast } from '../../src/tensor/index.js';

const encoder = () => createEncoder('mlp', { inputDim: 6, hiddenDims: [8] });
const batch = () => [randn([8, 6]), randn([8, 6])];
const labels = () => tensor([0, 0, 1, 1, 2, 2, 3, 3], { dtype: 'int64' });

test('metric trains every loss in the registry: a finite loss that backpropagates, and nothing left behind', () => {
  manualSeed(0);
  for (const loss of LOSS_NAMES) {
    const m = createMethod('metric', { encoder, hiddenDim: 16, outputDim: 8, loss, numClasses: 4 });
    const before = memory().tensors;
    scope(() => {
      const l = m.forward(batch(), labels());
      l.backward();
      assert.ok(Number.isFinite(l.item()), `${loss}: loss ${l.item()}`);
      assert.ok(m.backbone.parameters().some((p) => p.grad !== null && p.grad.abs().sum().item() > 0), `${loss}: gradients reach the backbone`);
    });
    m.zeroGrad();
    assert.equal(memory().tensors, before, `${loss}: a step leaves no tensor behind`);
    m.dispose();
  }
});

test('metric takes every miner in the registry with a pair or triplet loss', () => {
  manualSeed(1);
  for (const miner of MINER_NAMES) for (const loss of ['triplet', 'contrastive'] as const) {
    const m = createMethod('metric', { encoder, hiddenDim: 16, outputDim: 8, loss, miner });
    scope(() => {
      const l = m.forward(batch(), labels());
      l.backward();
      assert.ok(Number.isFinite(l.item()), `${loss} with ${miner}: loss ${l.item()}`);
    });
    m.dispose();
  }
});

test('metric: the loss and the miner are chosen by name; the loss\'s parameters are the method\'s, saved and in their own optimizer group', () => {
  const m = new Metric({ encoder, hiddenDim: 16, outputDim: 8, loss: 'logistic', lossOptions: { learnable: true, temperature: 0.2 }, lossLrScale: 10 });
  assert.ok(m.criterion instanceof LogisticLoss && m.criterion.learnable && m.criterion.temperature === 0.2);
  const keys = Object.keys(m.stateDict());
  assert.ok(keys.includes('criterion.logScale') && keys.includes('criterion.bias'), `state dict keys: ${keys.filter((k) => k.startsWith('criterion')).join(', ')}`);
  const opt = createOptimizer(m.optimizerParts(), optimizerSettings(Metric.recipe, { batchSize: 256 }));
  const lossGroups = opt.paramGroups.filter((g) => g.params.includes((m.criterion as LogisticLoss).logScale!));
  assert.equal(lossGroups.length, 1);
  assert.equal(lossGroups[0]!.lr, 10 * opt.paramGroups[0]!.lr, 'the loss trains at 10x');
  assert.equal(opt.paramGroups.flatMap((g) => g.params).length, m.parameters().length, 'every parameter is trained, once');
  m.dispose();

  const mined = new Metric({ encoder, hiddenDim: 16, outputDim: 8, loss: 'triplet', miner: 'batch-hard', lossOptions: { margin: 0.2 } });
  assert.ok(mined.criterion instanceof TripletMarginLoss && mined.criterion.miner instanceof BatchHardMiner && mined.criterion.margin === 0.2);
  mined.dispose();
});

test('metric and the registries: unknown names, bad options and proxies with a miner are errors naming them', () => {
  const make = (o: object) => () => new Metric({ encoder, hiddenDim: 16, outputDim: 8, ...o }).dispose();
  assert.throws(make({ loss: 'arcfase' }), /unknown loss 'arcfase'; known: .*arcface/);
  assert.throws(make({ miner: 'hardest' }), /unknown miner 'hardest'; known: .*batch-hard/);
  assert.throws(make({ loss: 'triplet', lossOptions: { margni: 1 } }), /TripletMarginLoss: unknown option 'margni'/);
  assert.throws(make({ loss: 'supcon', lossOptions: { temperature: -1 } }), /SupConLoss: temperature must be/);
  const proxy = LOSS_NAMES.find(lossHasProxies)!;
  assert.throws(() => createLoss(proxy, { embeddingSize: 8, numClasses: 3, miner: createMiner('batch-hard'), options: {} }), new RegExp(`loss '${proxy}' .* takes no miner`));
  assert.throws(() => createMethod('supcon', { encoder, loss: 'triplet' }), /supcon has its paper's loss and takes no loss/);
});

test('configs: loss, miner and sampler keys are validated, and only method metric chooses a loss', () => {
  const ok = validateConfig({ ...DEFAULT_CONFIG, method: 'metric', loss: 'triplet', miner: 'batch-hard', sampler: 'm-per-class', samplesPerClass: 32 });
  assert.equal(ok.loss, 'triplet');
  assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, method: 'simclr', loss: 'triplet' }), /'loss': simclr trains with its paper's loss; choose a loss with method metric/);
  assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, method: 'supcon', miner: 'batch-hard' }), /'miner': supcon trains with its paper's loss/);
  assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, method: 'metric', loss: 'nope' }), /'loss': /);
  assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, method: 'metric', sampler: 'balanced' }), /'sampler': /);
  // A config written before these keys existed still reads, with their defaults.
  const { loss, lossOptions, lossLrScale, miner, minerOptions, sampler, samplesPerClass, ...old } = DEFAULT_CONFIG;
  void [loss, lossOptions, lossLrScale, miner, minerOptions, sampler, samplesPerClass];
  const read = validateConfig(old);
  assert.equal(read.loss, 'auto');
  assert.equal(read.sampler, 'random');
});

test('the README lists every loss and miner --method metric takes', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Metric learning'));
  for (const name of [...LOSS_NAMES, ...MINER_NAMES]) assert.ok(section.includes(`\`${name}\``), `README's Metric learning names \`${name}\``);
});

test('label-based losses under bf16 autocast compare in float32: ArcFace keeps finite gradients where bf16 arc cosines would not', () => {
  const before = memory().tensors;
  scope(() => {
    const inner = autocast('cpu', () => {
      const mm = randn([4, 8]).mm(randn([8, 2])).dtype;
      const off = withoutAutocast(() => randn([4, 8]).mm(randn([8, 2])).dtype);
      return [mm, off, randn([4, 8]).mm(randn([8, 2])).dtype];
    });
    assert.deepEqual(inner, ['bfloat16', 'float32', 'bfloat16'], 'withoutAutocast turns it off and back on');
    const loss = new ArcFaceLoss({ numClasses: 3, embeddingSize: 8 });
    manualSeed(0);
    const c = randn([8, 1]); // one direction: every cosine between x and W rounds to 1 in bfloat16
    noGrad(() => loss.W.copy_(c.expand([8, 3]).add(randn([8, 3]).mul(0.001))));
    const x = c.t().expand([6, 8]).add(randn([6, 8]).mul(0.001)).contiguous().requiresGrad_();
    const l = autocast('cpu', () => loss.forward(x.to('bfloat16'), [0, 1, 2, 0, 1, 2]));
    l.backward();
    assert.equal(l.dtype, 'float32');
    assert.ok(Number.isFinite(l.item()) && Number.isFinite(x.grad!.abs().sum().item()) && Number.isFinite(loss.W.grad!.abs().sum().item()), 'finite loss and gradients');
    loss.dispose();
  });
  assert.equal(memory().tensors, before);
});
