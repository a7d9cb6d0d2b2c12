// The `train` and `eval` commands end to end: the run folder, --json, config errors, resume after
// SIGKILL, SIGINT, and a non-finite loss that stops cleanly.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint } from '../../src/io/index.js';
import { ConvNet28, ConvNetSmall, registerEncoder } from '../../src/nn/index.js';
import { scope, type Tensor } from '../../src/index.js';
import { keyValues } from '../../src/cli/options.js';
import { ConfigError, DEFAULT_CONFIG, readConfigFile, readMetrics, readRunConfig, resolveConfig, runPaths, type EpochMetrics } from '../../src/run/index.js';
import { NonFiniteLossError, train } from '../../src/train/index.js';
import { randomInit } from './baseline.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = (): string => mkdtempSync(join(tmpdir(), 'contrastive-cli-'));
/** A small, fast run: 1,024 training and 500 test images, batch 128. */
const small = ['--train-limit', '1024', '--test-limit', '500', '--batch-size', '128', '--no-progress'];

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('contrastive train', () => {
  test('trains, evaluates, reports and leaves the run folder; --json prints one object', async () => {
    const out = tmp();
    const r = run(['train', '--epochs', '1', '--out', out, '--json', ...small]);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { status: string; epochs: EpochMetrics[]; evaluation: Record<string, number> };
    assert.equal(result.status, 'completed');
    const p = runPaths(out);
    for (const f of [p.config, p.metrics, p.checkpoint, p.encoder, p.evaluation, join(out, 'report.html')]) assert.ok(existsSync(f), `missing ${f}`);
    const [m] = readMetrics(p.metrics);
    assert.deepEqual(Object.keys(m!).sort(), ['epoch', 'images_per_second', 'knn_top1', 'loss', 'lr', 'seconds']);
    const before = await randomInit(readRunConfig(out));
    assert.ok(m!.knn_top1! > before.knn, `kNN ${m!.knn_top1} after an epoch, ${before.knn} at random initialisation`);
    assert.equal(m!.knn_top1, result.evaluation.knn_top1, 'the last epoch\'s monitor and the final evaluation score the same features');
    for (const k of ['knn_top1', 'precision_at_1', 'r_precision', 'map_at_r', 'nmi']) assert.ok(result.evaluation[k]! >= 0 && result.evaluation[k]! <= 1, k);
    assert.match(r.stderr, /epoch 1\/1: loss/);
    // The encoder file holds the backbone alone, under the encoder's own (PyTorch) names; 'auto' built convnet28 for 28x28.
    assert.equal(readRunConfig(out).encoder, 'convnet28');
    const enc = new ConvNet28({ inChannels: 1 });
    assert.deepEqual(safetensorsKeys(p.encoder).sort(), Object.keys(enc.stateDict()).sort());
    enc.dispose();
    // eval reads the run back.
    const e = run(['eval', '--run', out, '--linear-probe', 'false', '--json']);
    assert.equal(e.status, 0, e.stderr);
    const ev = JSON.parse(e.stdout) as Record<string, number>;
    assert.ok(Math.abs(ev.knn_top1! - result.evaluation.knn_top1!) < 1e-6, 'eval of the saved run differs from the final evaluation');
    for (const k of ['mean_average_precision', 'mean_reciprocal_rank', 'ami']) assert.ok(Number.isFinite(ev[k]) && ev[k]! <= 1, `eval --json ${k}: ${ev[k]}`);
  });

  test('config errors name the key; unknown method, encoder and data are clear errors', () => {
    // Through the command (exit codes, messages on stderr): a bad config file, missing data, a bad flag value.
    const dir = tmp();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ epochs: -1, methd: 'simclr' }));
    const r = run(['train', '--config', bad]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown key 'methd'/);
    assert.match(r.stderr, /'epochs': Too small/);
    const missing = run(['train', '--data', join(dir, 'no-such-folder'), '--out', join(dir, 'run'), '--epochs', 'ten']);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /--epochs expects an integer, got 'ten'/);
    const absent = run(['train', '--data', join(dir, 'no-such-folder'), '--out', join(dir, 'run')]);
    assert.equal(absent.status, 1);
    assert.match(absent.stderr, /data: no such file or folder: .*no-such-folder/);

    // The same checks in process (what the command runs on its flags and files).
    const yaml = join(dir, 'bad.yaml');
    writeFileSync(yaml, 'batchSize: many\n');
    const configError = (flags: Record<string, unknown>, file?: Record<string, unknown>) => {
      try {
        resolveConfig(file, flags);
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.message;
      }
      return assert.fail(`no error for ${JSON.stringify(flags)}`);
    };
    assert.match(configError({}, readConfigFile(yaml)), /'batchSize': Invalid input: expected number/);
    assert.throws(() => readConfigFile(join(dir, 'missing.json')), /config file .*missing\.json: ENOENT/);
    assert.match(configError({ method: 'simclear' }), /'method': Invalid option: expected one of "simclr"/);
    assert.match(configError({ encoder: 'resnet9' }), /'encoder': unknown encoder; known: .*convnet-small/);
    // An option the method's recipe does not take is an error naming it, never silently ignored.
    assert.match(configError({ method: 'simclr', queueSize: 4096 }), /'queueSize': simclr takes no queueSize \(its options: temperature, hiddenDim, outputDim\)/);
    assert.match(configError({ method: 'byol', temperature: 0.2 }), /'temperature': byol takes no temperature \(its options: tau, hiddenDim, outputDim\)/);
    // So is an encoder option the encoder does not take, or one of the wrong type.
    const options = keyValues('--encoder-options');
    assert.match(configError({ encoder: 'gru', encoderOptions: options('hiddenSize=64,depth=3') }), /'encoderOptions': encoder gru takes no depth \(its options: hiddenSize, numLayers, bidirectional, dropout, pooling\)/);
    assert.match(configError({ encoderOptions: options('pooling=median') }), /'encoderOptions\.pooling': Invalid option/);
    assert.throws(() => options('hiddenSize'), /--encoder-options expects key=value pairs separated by commas, got 'hiddenSize'/);
  });

  test('resume after SIGKILL gives the metrics of an uninterrupted run', async () => {
    const args = ['train', '--epochs', '2', '--train-limit', '1024', '--test-limit', '300', '--batch-size', '128', '--no-progress'];
    const whole = tmp();
    assert.equal(run([...args, '--out', whole]).status, 0);
    const cut = tmp();
    await killDuring(args, cut, 'SIGKILL');
    const [done] = readMetrics(runPaths(cut).metrics);
    assert.equal(done!.epoch, 1, 'the first epoch finished before the kill');
    const resumed = run([...args, '--out', cut, '--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, /resuming .* at epoch 2, step 0/);
    compareRuns(readMetrics(runPaths(whole).metrics), readMetrics(runPaths(cut).metrics));
  });

  test('SIGINT finishes the step, writes a checkpoint, exits 0; --resume completes the run', async () => {
    const args = ['train', '--epochs', '2', '--train-limit', '1024', '--test-limit', '300', '--batch-size', '128', '--no-progress'];
    const out = tmp();
    const status = await killDuring(args, out, 'SIGINT');
    assert.equal(status, 0);
    const step = scope(() => Number(loadCheckpoint(runPaths(out).checkpoint).extra!.step));
    assert.ok(step > 0, 'the checkpoint is mid-epoch');
    const resumed = run([...args, '--out', out, '--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(readMetrics(runPaths(out).metrics).length, 2);
  });
});

describe('a non-finite loss', () => {
  test('stops the run with a clear error and keeps the last good checkpoint', async () => {
    // An encoder that turns NaN after a number of training forward passes: the second epoch's third step.
    let calls = 0;
    registerEncoder('nan-after-10', (o) => {
      const enc = new ConvNetSmall({ inChannels: o.inChannels });
      const forward = enc.forward.bind(enc);
      enc.forward = (x: Tensor): Tensor => {
        const h = forward(x);
        if (enc.training && ++calls > 10) return h.mul(Number.NaN);
        return h;
      };
      return enc;
    }, true);
    const out = tmp();
    const c = { ...DEFAULT_CONFIG, encoder: 'nan-after-10', epochs: 3, trainLimit: 1024, testLimit: 200, batchSize: 128, out };
    await assert.rejects(train(c, { progress: false }), (e: unknown) => {
      assert.ok(e instanceof NonFiniteLossError);
      assert.match(e.message, /the loss became NaN at epoch 2, step 3; training stopped\. The last good checkpoint is kept at .*last\.safetensors/);
      return true;
    });
    assert.equal(readMetrics(runPaths(out).metrics).length, 1);
    scope(() => assert.equal(loadCheckpoint(runPaths(out).checkpoint).extra!.epoch, 1));
  });
});

/** The tensor names in a safetensors file's header (8-byte length, then JSON). */
function safetensorsKeys(path: string): string[] {
  const bytes = readFileSync(path);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString()) as Record<string, unknown>;
  return Object.keys(header).filter((k) => k !== '__metadata__');
}

/** Starts a run and sends `signal` as soon as its first epoch ends (the second has just begun); resolves with the exit code. */
function killDuring(args: string[], out: string, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (/epoch 1\/2: loss/.test(err) && !child.killed) child.kill(signal);
    });
    child.on('error', reject);
    child.on('exit', (code) => (/epoch 1\/2: loss/.test(err) ? resolve(code) : reject(new Error(`run ended early: ${err}`))));
  });
}

function compareRuns(a: EpochMetrics[], b: EpochMetrics[]): void {
  assert.equal(a.length, 2);
  assert.equal(b.length, 2);
  for (let i = 0; i < 2; i++) {
    assert.ok(Math.abs(a[i]!.loss - b[i]!.loss) < 1e-5, `epoch ${i + 1} loss ${a[i]!.loss} vs ${b[i]!.loss}`);
    assert.ok(Math.abs(a[i]!.knn_top1! - b[i]!.knn_top1!) < 1e-6, `epoch ${i + 1} kNN ${a[i]!.knn_top1} vs ${b[i]!.knn_top1}`);
    assert.equal(a[i]!.lr, b[i]!.lr);
  }
}
