// Fine-tuning: the labelled subset is class-balanced and seeded; a short fine-tuning run learns,
// keeps the live tensor count flat and leaves a run folder whose classifier loads strictly into
// PyTorch with the same logits and exports to ONNX with the same outputs; it starts from the
// weights it is told to; bad run folders and unlabelled data are clear errors.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { balancedIndices, fashionMNIST, labelledSubset } from '../../src/data/index.js';
import { embedDataset } from '../../src/eval/index.js';
import { exportRun } from '../../src/export/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/index.js';
import { createEncoder } from '../../src/nn/index.js';
import {
  ConfigError, DEFAULT_CONFIG, loadEncoderWeights, loadFinetuneRun, resolveFinetuneConfig, RunError, runPaths, type FinetuneConfig,
} from '../../src/run/index.js';
import { memory, scope, setNumThreads, tensor, type Tensor } from '../../src/tensor/index.js';
import { finetune, train, type Callback, type FinetuneContext, type TrainContext } from '../../src/train/index.js';
import { PY_SAFETENSORS_IO, runTorch } from '../helpers.js';
import { tensorCounts } from './baseline.js';

setNumThreads(2);
const root = mkdtempSync(join(tmpdir(), 'contrastive-finetune-'));
after(() => rmSync(root, { recursive: true, force: true }));
const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');

/** A quick pre-training run to start from: SimCLR, 1 epoch on 1024 images. */
const pretrained = join(root, 'pretrained');
before(async () => {
  await train({ ...DEFAULT_CONFIG, epochs: 1, batchSize: 128, trainLimit: 1024, testLimit: 500, out: pretrained }, { progress: false });
});

/** The fine-tuning config of these tests: 500 training labels (50 per class) of 2000 images, 500 test images. */
function config(out: string, o: Partial<Record<keyof FinetuneConfig, unknown>> = {}): FinetuneConfig {
  return resolveFinetuneConfig({ from: pretrained, out: join(root, out), trainLimit: 2000, labelsPerClass: 50, epochs: 3, batchSize: 64, ...o });
}

test('the labelled subset is class-balanced, seeded, nested across fractions, and checked', () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 100 ? 0 : i < 400 ? 1 : 2)); // classes of 100, 300, 600
  const count = (idx: Int32Array) => [0, 1, 2].map((c) => idx.filter((i) => labels[i] === c).length);
  const tenth = balancedIndices(labels, { fraction: 0.1 }, 7);
  assert.deepEqual(count(tenth), [10, 30, 60], 'the same fraction of every class');
  assert.deepEqual([...tenth], [...balancedIndices(labels, { fraction: 0.1 }, 7)], 'the same seed gives the same items');
  assert.notDeepEqual([...tenth], [...balancedIndices(labels, { fraction: 0.1 }, 8)], 'another seed gives others');
  assert.ok([...tenth].every((v, i) => i === 0 || v > tenth[i - 1]!), 'ascending, no repeats');
  const fifth = new Set(balancedIndices(labels, { fraction: 0.2 }, 7));
  assert.ok([...tenth].every((i) => fifth.has(i)), 'a larger fraction keeps the smaller one');
  assert.deepEqual(count(balancedIndices(labels, { perClass: 150 }, 0)), [100, 150, 150], 'k per class, all of a smaller class');
  assert.deepEqual(count(balancedIndices(labels, { fraction: 0.001 }, 0)), [1, 1, 1], 'at least one per class');
  assert.throws(() => balancedIndices(labels, { fraction: 0 }, 0), /fraction must be in \(0, 1\], got 0/);
  assert.throws(() => balancedIndices(labels, { perClass: 2.5 }, 0), /perClass must be a positive integer, got 2.5/);
  const ds = fashionMNIST({ split: 'train' });
  const sub = labelledSubset(ds, { fraction: 0.01 }, 0);
  assert.equal(sub.length, 600, "1% of Fashion-MNIST's 60,000 labels");
  assert.ok(Array.from({ length: 10 }, (_, c) => sub.labels!.filter((y) => y === c).length).every((n) => n === 60), '60 of each class');
});

test('fine-tuning a run learns, keeps memory flat, and its classifier loads into PyTorch and ONNX with the same outputs', async (t) => {
  const c = config('from-run');
  let start: Record<string, number[]> = {};
  const initial: Callback<FinetuneContext> = {
    name: 'initial-weights',
    onTrainStart: (s) => { start = scope(() => Object.fromEntries(Object.entries(s.run.classifier.backbone.stateDict()).slice(0, 3).map(([k, v]) => [k, Array.from(v.to('float32').data() as Float32Array).slice(0, 8)]))); },
  };
  const counter = tensorCounts();
  const live = memory().tensors;
  await finetune(c, { progress: false, callbacks: [initial, counter] });
  assert.equal(memory().tensors, live, 'finetune() frees everything it made');
  counter.assertFlat(4);

  // It started from the run's encoder.
  const encoder = scope(() => Object.fromEntries(Object.entries(loadSafetensors(runPaths(pretrained).encoder).tensors).map(([k, v]) => [k, Array.from(v.to('float32').data() as Float32Array).slice(0, 8)])));
  for (const [k, v] of Object.entries(start)) assert.deepEqual(v, encoder[k], `backbone.${k} starts as the run's encoder`);

  // It learned: better than the same classifier at its random start, and the run folder says so.
  const paths = runPaths(c.out);
  for (const f of [paths.config, paths.metrics, paths.evaluation, join(c.out, 'checkpoint', 'classifier.safetensors')]) assert.ok(existsSync(f), f);
  const metrics = readFileSync(paths.metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { test_top1: number; loss: number });
  assert.equal(metrics.length, 3);
  const evaluation = JSON.parse(readFileSync(paths.evaluation, 'utf8')) as { top1: number; labels: number; confusion: number[][]; per_class_top1: number[] };
  assert.equal(evaluation.labels, 500);
  assert.equal(evaluation.top1, metrics[2]!.test_top1);
  assert.equal(evaluation.confusion.flat().reduce((a, b) => a + b, 0), 500, 'every test image (the run\'s 500) in the confusion matrix');
  const perClass = evaluation.confusion.map((row, i) => row[i]! / row.reduce((a, b) => a + b, 0));
  assert.deepEqual(evaluation.per_class_top1, perClass, 'per-class accuracy is the confusion matrix\'s diagonal over its rows');
  t.diagnostic(`fine-tuned on 500 labels: test top-1 per epoch ${metrics.map((m) => m.test_top1.toFixed(4)).join(', ')}`);
  const scratch = await finetune(config('random-start', { init: 'random', epochs: 1, lr: 1e-9, warmupEpochs: 0 }), { progress: false });
  assert.ok(evaluation.top1 > scratch.evaluation!.top1 + 0.3, `fine-tuning learned nothing: ${evaluation.top1} against ${scratch.evaluation!.top1} untrained`);

  // PyTorch: the classifier's file loads strictly into the same model, and gives the same logits.
  const run = await loadFinetuneRun(c.out);
  const x = join(root, 'x.safetensors');
  const ds = labelledSubset(run.splits.test, { perClass: 2 }, 0); // 20 test images
  const logits = await embedDataset(run.classifier, ds, { device: 'cpu', bf16: false, channelsLast: false }); // float32 throughout, as PyTorch
  const raw = await ds.read(Int32Array.from({ length: ds.length }, (_, i) => i));
  scope(() => saveSafetensors(x, { x: tensor(raw.data, { shape: [ds.length, 1, 28, 28] }).to('float32').div(255) }));
  const engine = Array.from(logits.data() as Float32Array);
  logits.dispose();
  run.classifier.dispose();
  const torchLogits = runTorch<number[]>(`${PY_SAFETENSORS_IO}
from collections import OrderedDict
import torch.nn as nn, torch.nn.functional as F
class ConvNet28(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv1 = nn.Conv2d(1, 32, 3, padding=1, bias=False); s.bn1 = nn.BatchNorm2d(32)
        s.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False); s.bn2 = nn.BatchNorm2d(64)
        s.fc = nn.Linear(64 * 7 * 7, 512)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.bn1(s.conv1(x))), 2)
        x = F.max_pool2d(F.relu(s.bn2(s.conv2(x))), 2)
        return F.relu(s.fc(torch.flatten(x, 1)))
model = nn.Sequential(OrderedDict(backbone=ConvNet28(), head=nn.Linear(512, 10)))
model.load_state_dict(read(${JSON.stringify(join(c.out, 'checkpoint', 'classifier.safetensors'))}), strict=True)
with torch.no_grad():
    print(json.dumps(model.eval()(read(${JSON.stringify(x)})['x']).flatten().tolist()))
`);
  assert.equal(torchLogits.length, engine.length);
  const diff = Math.max(...engine.map((v, i) => Math.abs(v - torchLogits[i]!)));
  assert.ok(diff < 1e-4, `PyTorch's logits differ by ${diff}`);

  // ONNX: logits, and softmax probabilities, checked against the engine by onnxruntime-node.
  for (const probabilities of [false, true]) {
    const e = await exportRun(c.out, { onnx: join(root, `classifier-${probabilities}.onnx`), probabilities, verifyImages: 64 });
    assert.equal(e.kind, probabilities ? 'probabilities' : 'logits');
    assert.deepEqual(e.output.shape, ['N', 10]);
    assert.ok(e.verify!.max_abs_diff < 1e-4, `onnxruntime differs by ${e.verify!.max_abs_diff}`);
  }
  await assert.rejects(exportRun(c.out, { onnx: join(root, 'x.onnx'), head: true }), /--head is for pre-training runs/);
});

test('train --init and finetune --init FILE start from the given weights, an mlp head from the projection head; a frozen backbone keeps them', async () => {
  const file = runPaths(pretrained).encoder;
  const firstWeight = (sd: Record<string, Tensor>): number[] => Array.from((sd['conv1.weight']!.to('float32').data() as Float32Array).slice(0, 6));
  const want = scope(() => firstWeight(loadSafetensors(file).tensors));
  let got: number[] = [];
  const pre: Callback<TrainContext> = { name: 'w', onTrainStart: (s) => { got = scope(() => firstWeight(s.run.method.backbone.stateDict())); } };
  await train({ ...DEFAULT_CONFIG, epochs: 1, batchSize: 128, trainLimit: 256, testLimit: 100, out: join(root, 'continued'), init: file }, { progress: false, callbacks: [pre] });
  assert.deepEqual(got, want, 'train --init: the encoder starts from the file');

  // An MLP head fine-tuning a run starts from the first block of its projection head (SimCLR v2), 2048 wide.
  let head: number[] = [];
  const grab: Callback<FinetuneContext> = { name: 'h', onTrainStart: (s) => { head = scope(() => Array.from((s.run.classifier.stateDict()['head.0.weight']!.data() as Float32Array).slice(0, 6))); } };
  const mlp = config('mlp', { head: 'mlp', epochs: 1 });
  await finetune(mlp, { progress: false, callbacks: [grab] });
  const projection = scope(() => Array.from((loadSafetensors(runPaths(pretrained).checkpoint).tensors['model.projectionHead.layers.0.weight']!.data() as Float32Array).slice(0, 6)));
  assert.deepEqual(head, projection, "head.0 starts as the run's projectionHead.layers.0");
  assert.equal((JSON.parse(readFileSync(runPaths(mlp.out).config, 'utf8')) as FinetuneConfig).hiddenDim, 2048, 'config.json names the head width built');

  const c = resolveFinetuneConfig({ data: 'fashion-mnist', init: file, freezeBackbone: true, out: join(root, 'frozen'), trainLimit: 1000, testLimit: 200, labelsPerClass: 20, epochs: 1, batchSize: 50 });
  await finetune(c, { progress: false });
  const ck = scope(() => firstWeight(Object.fromEntries(Object.entries(loadSafetensors(join(c.out, 'checkpoint', 'classifier.safetensors')).tensors).map(([k, v]) => [k.replace(/^backbone\./, ''), v]))));
  assert.deepEqual(ck, want, 'a frozen backbone is not trained');
});

test("scripts/pth-to-safetensors.py turns torchvision's .pth into weights --init loads, leaving out its classifier", () => {
  const pth = join(root, 'resnet18.pth');
  const file = join(root, 'resnet18.safetensors');
  const script = join(import.meta.dirname, '..', '..', '..', 'scripts', 'pth-to-safetensors.py');
  // One Python process: torchvision's weights saved as a .pth, then the script's main() on it (as `python3 SCRIPT IN OUT` runs it).
  const want = runTorch<number[]>(`
import contextlib, io, json, runpy, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet18()
torch.save(m.state_dict(), ${JSON.stringify(pth)})
with contextlib.redirect_stdout(io.StringIO()):
    runpy.run_path(${JSON.stringify(script)})['main'](${JSON.stringify(pth)}, ${JSON.stringify(file)})
print(json.dumps(m.conv1.weight.flatten()[:5].tolist()))
`);
  const encoder = createEncoder('resnet18', { inChannels: 3 });
  try {
    assert.deepEqual(loadEncoderWeights(encoder, file).sort(), ['fc.bias', 'fc.weight'], "torchvision's classifier is left out");
    const got = scope(() => Array.from((encoder.stateDict()['conv1.weight']!.data() as Float32Array).slice(0, 5)));
    assert.deepEqual(got.map((v) => v.toFixed(6)), want.map((v) => v.toFixed(6)));
    assert.throws(() => loadEncoderWeights(createEncoder('convnet28', { inChannels: 1 }), file), /does not hold this encoder's weights: 6 of its 14 tensors are missing/);
  } finally {
    encoder.dispose();
  }
});

test('a folder that is not a run, a run of the wrong kind, unlabelled data and bad settings are clear errors', async () => {
  assert.throws(() => resolveFinetuneConfig({ from: join(root, 'nothing') }), (e: Error) => e instanceof RunError && /no config\.json \(not a run folder/.test(e.message));
  assert.throws(() => resolveFinetuneConfig({ from: join(root, 'from-run') }), /is a fine-tuning run \(a classifier\), not a pre-training run/);
  assert.throws(() => resolveFinetuneConfig({ from: pretrained, labelsFraction: 0.1, labelsPerClass: 5 }), (e: Error) => e instanceof ConfigError && /labelsFraction or labelsPerClass, not both/.test(e.message));
  assert.throws(() => resolveFinetuneConfig({ data: 'fashion-mnist', init: 'run' }), /init 'run' needs a run to start from/);
  assert.throws(() => resolveFinetuneConfig({ from: pretrained, labelsFraction: 1.5 }), /'labelsFraction': Too big: expected number to be <=1/);
  await assert.rejects(finetune(resolveFinetuneConfig({ data: 'fashion-mnist', init: join(root, 'none.safetensors'), out: join(root, 'bad-init'), trainLimit: 100, testLimit: 100 }), { progress: false }), /init: no such file/);

  // Images without class folders have no labels.
  const flat = join(root, 'flat');
  mkdirSync(join(flat, 'train'), { recursive: true });
  mkdirSync(join(flat, 'test'), { recursive: true });
  for (const split of ['train', 'test']) {
    for (let i = 0; i < 4; i++) writeFileSync(join(flat, split, `${i}.png`), await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 40 * i, g: 0, b: 0 } } }).png().toBuffer());
  }
  await assert.rejects(finetune(resolveFinetuneConfig({ data: flat, out: join(root, 'unlabelled') }), { progress: false }), /fine-tuning needs labels: .* has none/);

  // The command line: exit 1 with the message for a missing run, 2 for a bad setting.
  const bad = spawnSync(process.execPath, [cli, 'finetune', '--run', join(root, 'nothing')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /contrastive finetune: run .*nothing: no config\.json/);
  const eval10 = JSON.parse(execFileSync(process.execPath, [cli, 'eval', '--run', pretrained, '--labels-per-class', '5', '--linear-probe', 'false', '--json'], { encoding: 'utf8' })) as { labels: number; knn_top1: number };
  assert.equal(eval10.labels, 50, 'eval --labels-per-class: kNN on 5 labels per class');
  assert.ok(eval10.knn_top1 > 0.3);
});
