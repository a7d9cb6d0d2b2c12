// `contrastive bench step`: the command's JSON contract, its speed options, a step that leaves no
// tensors behind (a small encoder, so it runs in seconds), and bench/step.py building the very
// same model and step in PyTorch: the same losses, step for step.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { memory, setNumThreads } from '../../src/index.js';
import { benchStep, type BenchStepResult } from '../../src/cli/bench-step.js';
import { TORCH_PYTHON } from '../helpers.js';

setNumThreads(1);

test('bench step measures a SimCLR step in every speed mode and leaks nothing', () => {
  const before = memory().tensors;
  for (const mode of [{}, { bf16: true }, { channelsLast: true }, { bf16: true, channelsLast: true }]) {
    const r = benchStep({ encoder: 'convnet-small', batchSize: 8, steps: 3, warmup: 1, imageSize: 16, threads: 1, ...mode });
    assert.equal(r.bf16, !!(mode as { bf16?: boolean }).bf16);
    assert.ok(r.images_per_second > 0 && r.ms_per_step > 0 && r.peak_rss_mb > 0 && r.cpu_ms_per_step > 0, JSON.stringify(r));
    assert.ok(Number.isFinite(r.loss_first) && r.loss_last < r.loss_first, `the step trains: ${r.loss_first} -> ${r.loss_last}`);
    assert.equal(r.live_tensors_after, r.live_tensors_before, 'steps are flat');
  }
  assert.equal(memory().tensors, before, 'the model, optimizer and inputs are freed');
  assert.throws(() => benchStep({ encoder: 'nope', batchSize: 2, steps: 1 }), /unknown encoder 'nope'/);
  assert.throws(() => benchStep({ encoder: 'mlp', batchSize: 0, steps: 1 }), /--batch-size must be a positive integer/);
});

test('the command prints one JSON object with the contract\'s keys', () => {
  const out = execFileSync(process.execPath, [
    'dist/src/cli/main.js', 'bench', 'step', '--encoder', 'mlp', '--batch-size', '4', '--steps', '2', '--warmup', '1',
    '--image-size', '8', '--threads', '1', '--json',
  ], { encoding: 'utf8' });
  const r = JSON.parse(out) as Record<string, unknown>;
  for (const k of ['images_per_second', 'ms_per_step', 'peak_rss_mb']) assert.equal(typeof r[k], 'number', k);
  assert.equal(r.encoder, 'mlp');
  assert.equal(r.threads, 1);
  assert.throws(() => execFileSync(process.execPath, ['dist/src/cli/main.js', 'bench', 'step', '--batch-size', 'x'], { stdio: 'pipe' }), /--batch-size must be a positive integer/);
});

test('bench/step.py is the same SimCLR step: same head, learning rate and losses, step for step (fp32, one thread)', () => {
  const flags = ['--encoder', 'convnet-small', '--batch-size', '8', '--steps', '4', '--warmup', '1', '--image-size', '16', '--threads', '1', '--json'];
  const ours = benchStep({ encoder: 'convnet-small', batchSize: 8, steps: 4, warmup: 1, imageSize: 16, threads: 1 });
  const script = fileURLToPath(new URL('../../../bench/step.py', import.meta.url));
  const theirs = JSON.parse(execFileSync(TORCH_PYTHON, [script, ...flags], { encoding: 'utf8' })) as BenchStepResult;
  assert.deepEqual(theirs.head, ours.head, 'head widths');
  assert.equal(theirs.lr, ours.lr, "the recipe's learning rate, 0.075 sqrt(B)");
  // The same seeded initialisation and inputs, the same loss and LARS: the trajectories agree.
  assert.ok(Math.abs(theirs.loss_first - ours.loss_first) < 1e-5, `first loss ${ours.loss_first} vs PyTorch ${theirs.loss_first}`);
  assert.ok(Math.abs(theirs.loss_last - ours.loss_last) < 1e-4, `loss after 5 steps ${ours.loss_last} vs PyTorch ${theirs.loss_last}`);
});
