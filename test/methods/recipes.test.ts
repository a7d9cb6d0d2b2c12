// Recipes: every method declares one; the trainer's optimizer, learning rate and head widths come
// from it exactly as the rules written before recipes existed; an option a method does not take
// is an error naming it, from the class and from a config alike.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BYOL, createMethod, headWidths, METHOD_NAMES, METHOD_OPTION_NAMES, MoCo, NNCLR, OPTIMIZER_NAMES, optimizerSettings, recipeOf, SimCLR,
} from '../../src/methods/index.js';
import { PRESETS } from '../../src/augment/index.js';
import { createEncoder, type Encoder } from '../../src/nn/index.js';
import { ConfigError, DEFAULT_CONFIG, validateConfig } from '../../src/run/index.js';
import { NTXentLoss } from '../../src/losses/index.js';
import { cat, manualSeed, rand, scope, tensor, type Tensor } from '../../src/tensor/index.js';
import { flat } from '../helpers.js';

const encoder = (): Encoder => createEncoder('mlp', { inputDim: 4, hiddenDims: [8] });

/** The learning-rate and weight-decay rule the trainer had before recipes (a table keyed by method name), as an oracle. */
function legacy(method: string, optimizer: string, batch: number): { name: string; lr: number; weightDecay: number } {
  const auto: Record<string, string> = { simclr: 'lars', byol: 'lars', nnclr: 'lars', barlowtwins: 'lars', vicreg: 'lars', supcon: 'lars', moco: 'sgd', simsiam: 'sgd' };
  const name = optimizer === 'auto' ? auto[method]! : optimizer;
  const lrs: Record<string, number> = { lars: 0.3, sgd: 0.06, adam: 1e-3, adamw: 1e-3 };
  const wds: Record<string, number> = { lars: 1e-6, sgd: 5e-4, adam: 0, adamw: 1e-4 };
  const sqrt = name === 'lars' && ['simclr', 'nnclr', 'supcon'].includes(method);
  const lr = sqrt ? 0.075 * Math.sqrt(batch) : lrs[name]! * (name === 'adam' || name === 'adamw' ? 1 : batch / 256);
  return { name, lr, weightDecay: wds[name]! };
}

describe('recipes', () => {
  test('every method declares a complete recipe under its --method name', () => {
    for (const name of METHOD_NAMES) {
      const r = recipeOf(name);
      assert.equal(r.name, name);
      assert.match(r.paper, /^[A-Za-z][\w &.]+ 20\d\d, /, `${name}: paper`);
      assert.ok(OPTIMIZER_NAMES.includes(r.optimizer.name), `${name}: optimizer`);
      assert.ok(r.optimizer.lr.base > 0 && r.optimizer.weightDecay >= 0, `${name}: lr and weight decay`);
      if (r.heads) assert.ok(Number.isInteger(r.heads.hidden) && Number.isInteger(r.heads.output), `${name}: heads`);
      assert.ok(r.augment.image in PRESETS && r.augment.sequence in PRESETS, `${name}: presets`);
      for (const k of Object.keys(r.defaults)) assert.ok((METHOD_OPTION_NAMES as readonly string[]).includes(k), `${name}: option ${k}`);
      const needs = r.encoder?.sequence;
      const m = createMethod(name, { encoder: needs ? () => createEncoder(needs, { inputSize: 4 }) : encoder });
      assert.equal(m.recipe, r);
      assert.equal(m.methodName, name);
      assert.equal(m.needsLabels, name === 'supcon' || name === 'metric');
      m.dispose();
    }
    assert.throws(() => recipeOf('simclear'), /unknown method 'simclear'; known: simclr, nnclr/);
  });

  test('optimizer, learning rate and weight decay equal the rules before recipes, for every method, optimizer and batch size', () => {
    for (const name of METHOD_NAMES.filter((m) => m !== 'cpc' && m !== 'metric')) { // CPC and metric came after recipes: their rules are below
      for (const optimizer of ['auto', ...OPTIMIZER_NAMES] as const) {
        for (const batchSize of [64, 256, 1024]) {
          const got = optimizerSettings(recipeOf(name), { batchSize, optimizer });
          const want = legacy(name, optimizer, batchSize);
          assert.equal(got.name, want.name, `${name}/${optimizer}/${batchSize}`);
          assert.ok(Math.abs(got.lr - want.lr) < 1e-12, `${name}/${optimizer}/${batchSize}: lr ${got.lr} vs ${want.lr}`);
          assert.equal(got.weightDecay, want.weightDecay, `${name}/${optimizer}/${batchSize}: weight decay`);
        }
      }
    }
    for (const batchSize of [64, 256, 1024]) assert.deepEqual(optimizerSettings(recipeOf('cpc'), { batchSize }), { name: 'adam', lr: 5e-5, weightDecay: 0 }, 'CPC: Adam at 5e-5, not scaled');
    for (const optimizer of ['auto', ...OPTIMIZER_NAMES] as const) for (const batchSize of [64, 256, 1024]) {
      assert.deepEqual(optimizerSettings(recipeOf('metric'), { batchSize, optimizer }), optimizerSettings(recipeOf('supcon'), { batchSize, optimizer }), "metric trains to SupCon's recipe");
    }
    assert.equal(optimizerSettings(SimCLR.recipe, { batchSize: 256 }).lr, 1.2, "SimCLR's 0.075 sqrt(256)");
    assert.deepEqual(optimizerSettings(MoCo.recipe, { batchSize: 256, lr: 0.5, weightDecay: 0 }), { name: 'sgd', lr: 0.5, weightDecay: 0 }, 'a config overrides');
  });

  test('head widths: the paper\'s from 512 features up, narrowed below (hidden 2 d >= 256, output <= 128); options override', () => {
    assert.deepEqual(headWidths(BYOL.recipe, 512), { hidden: 4096, output: 256 });
    assert.deepEqual(headWidths(BYOL.recipe, 128), { hidden: 256, output: 128 });
    assert.deepEqual(headWidths(NNCLR.recipe, 200), { hidden: 400, output: 128 });
    assert.deepEqual(headWidths(SimCLR.recipe, 2048, { hiddenDim: 64 }), { hidden: 64, output: 128 });
    const m = new SimCLR({ encoder, outputDim: 16 });
    assert.deepEqual(m.widths, { hidden: 256, output: 16 });
    assert.deepEqual(m.projectionHead.stateDict()['layers.3.weight']?.shape, [16, 256]);
    m.dispose();
  });

  test('an option the method does not take is an error naming it: from the class and from a config', () => {
    assert.throws(() => new SimCLR({ encoder, queueSize: 4096 }), /SimCLR: simclr takes no queueSize \(its options: temperature, hiddenDim, outputDim\)/);
    assert.throws(() => new BYOL({ encoder, temperature: 0.2 }), /BYOL: byol takes no temperature \(its options: tau, hiddenDim, outputDim\)/);
    assert.throws(() => new SimCLR({ encoder, temprature: 0.2 } as never), /SimCLR: unknown option 'temprature'/);
    assert.throws(() => new MoCo({ encoder, tau: 1.5 }), /MoCo: tau must be a number in \[0, 1\], got 1.5/);
    assert.throws(() => new NNCLR({ encoder, queueSize: 0 }), /NNCLR: queueSize must be a positive integer, got 0/);
    assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, queueSize: 4096 }), (e: unknown) => e instanceof ConfigError && /'queueSize': simclr takes no queueSize/.test(e.message));
    assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, method: 'simsiam', tau: 0.9, temperature: 0.1 }), /'temperature': simsiam takes no temperature .*; 'tau': simsiam takes no tau/);
    const gru = validateConfig({ ...DEFAULT_CONFIG, encoder: 'gru', encoderOptions: { hiddenSize: 64, bidirectional: true } });
    assert.deepEqual(gru.encoderOptions, { hiddenSize: 64, bidirectional: true });
    assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, encoder: 'resnet18', encoderOptions: { numLayers: 2 } }), /'encoderOptions': encoder resnet18 takes no numLayers \(its options: none\)/);
    assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, encoderOptions: { layers: 2 } }), /'encoderOptions': unknown key 'layers'/);
    assert.equal(validateConfig({ ...DEFAULT_CONFIG, method: 'moco', queueSize: 1024, tau: 0.9 }).queueSize, 1024);
  });

  test("viewBatchNorm: 'per-view' runs each view through the network on its own, 'joint' both as one batch; Barlow Twins and VICReg default to per-view", () => scope(() => {
    manualSeed(0);
    const views = [rand([6, 4]), rand([6, 4]).mul(3).add(1)]; // views with different statistics: BatchNorm tells them apart
    const z = (viewBatchNorm?: 'joint' | 'per-view'): Tensor => {
      manualSeed(1);
      const m = new SimCLR({ encoder: () => createEncoder('mlp', { inputDim: 4, hiddenDims: [8] }), hiddenDim: 8, outputDim: 4, ...(viewBatchNorm ? { viewBatchNorm } : {}) });
      const net = (x: Tensor): Tensor => m.projectionHead.forward(m.backbone.forward(x));
      const perView = cat([net(views[0]!), net(views[1]!)]);
      const joint = net(cat(views));
      const got = m.forward(views, null);
      const criterion = new NTXentLoss({ temperature: 0.1 });
      const expect = (zz: Tensor): number => criterion.forward(zz.narrow(0, 0, 6), zz.narrow(0, 6, 6)).item();
      assert.ok(Math.abs(expect(perView) - expect(joint)) > 1e-3, 'the two passes differ');
      return tensor([got.item(), expect(perView), expect(joint)]);
    };
    const [jointLoss, , jointRef] = flat(z('joint'));
    assert.ok(Math.abs(jointLoss! - jointRef!) < 1e-5);
    assert.deepEqual(flat(z()), flat(z('joint')), "SimCLR's default is joint");
    const [pvLoss, pvRef] = flat(z('per-view'));
    assert.ok(Math.abs(pvLoss! - pvRef!) < 1e-5);
    assert.equal(recipeOf('barlowtwins').viewBatchNorm, 'per-view');
    assert.equal(recipeOf('vicreg').viewBatchNorm, 'per-view');
    assert.equal(recipeOf('simclr').viewBatchNorm, undefined);
    assert.throws(() => new SimCLR({ encoder, viewBatchNorm: 'each' as never }), /SimCLR: viewBatchNorm must be one of joint, per-view, got each/);
    assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, viewBatchNorm: 'each' as never }), /'viewBatchNorm'/);
    assert.equal(validateConfig({ ...DEFAULT_CONFIG, viewBatchNorm: 'per-view' }).viewBatchNorm, 'per-view');
  }));
});
