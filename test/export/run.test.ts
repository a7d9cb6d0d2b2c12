// `exportRun` and `contrastive export` on a trained run (convnet-small, SimCLR, Fashion-MNIST,
// trained channels-last with bf16 autocast where the CPU has it): onnxruntime-node gives the
// engine's embeddings on 256 test images, for the backbone and backbone + projection head.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Loader } from '../../src/data/index.js';
import { exportRun, OnnxExportError, type ExportRunResult } from '../../src/export/index.js';
import { ConvNetSmall, registerEncoder } from '../../src/nn/index.js';
import type { Tensor } from '../../src/index.js';
import { DEFAULT_CONFIG, loadRun, runPaths, useBf16 } from '../../src/run/index.js';
import { train } from '../../src/train/index.js';
import { diff, engineRun, onnx, ortRun } from './helpers.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const TOL = 1e-4;
let work: string;
let run: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'contrastive-export-'));
  run = join(work, 'run');
  await train({ ...DEFAULT_CONFIG, encoder: 'convnet-small', out: run, epochs: 1, trainLimit: 512, testLimit: 256, batchSize: 128, linearProbe: false }, { progress: false });
});

after(() => rmSync(work, { recursive: true, force: true }));

/** The 256 test images as evaluation feeds them, and the engine's float32 outputs of backbone (+ head). */
async function reference(head: boolean): Promise<{ x: Float32Array; dims: number[]; want: Float32Array }> {
  const { splits, method } = await loadRun(run, { device: 'cpu' });
  try {
    const loader = new Loader(splits.test!, { batchSize: 256, shuffle: false, device: 'cpu' });
    for await (const b of loader.epoch(0)) {
      const stages: [string, typeof method.backbone][] = [['backbone', method.backbone]];
      if (head) stages.push(['projectionHead', (method as unknown as { projectionHead: typeof method.backbone }).projectionHead]);
      return { x: b.x.data() as Float32Array, dims: [...b.x.shape], want: engineRun(stages, b.x) }; // the loader frees the batch
    }
    throw new Error('no test batch');
  } finally {
    method.dispose();
  }
}

describe('exportRun on a trained convnet-small run', () => {
  for (const head of [false, true]) {
    test(head ? 'backbone + projection head' : 'backbone', async (t) => {
      const file = join(work, head ? 'head.onnx' : 'backbone.onnx');
      const r = await exportRun(run, { onnx: file, head });
      assert.ok(existsSync(file));
      assert.equal(r.bytes, readFileSync(file).byteLength);
      assert.deepEqual(r.input, { name: 'images', shape: ['N', 1, 28, 28] });
      assert.deepEqual(r.output, { name: 'embeddings', shape: ['N', 128] });
      assert.equal(r.verify!.images, 256);
      assert.ok(r.verify!.max_abs_diff <= TOL, `exportRun's own check: ${r.verify!.max_abs_diff}`);
      // An independent check: the file, onnxruntime-node, and the engine fed by the Loader.
      const ref = await reference(head);
      assert.deepEqual(ref.dims, [256, 1, 28, 28]);
      const got = await ortRun(readFileSync(file), 'images', ref.x, ref.dims);
      const d = diff(got.data, ref.want);
      t.diagnostic(`trained convnet-small${head ? ' + SimCLR head' : ''} (bf16 ${useBf16(DEFAULT_CONFIG)}, channels-last): max |onnxruntime - engine| on 256 test images ${d.maxAbsDiff.toExponential(2)} (max |output| ${d.maxAbs.toFixed(3)}); export ${(r.export_seconds * 1000).toFixed(0)} ms; onnxruntime ${r.verify!.onnxruntime_ms_per_image.toFixed(3)} ms/image`);
      assert.ok(d.maxAbs > 1e-2);
      assert.ok(d.maxAbsDiff <= TOL, `${d.maxAbsDiff}`);
      const model = onnx.ModelProto.decode(readFileSync(file));
      const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
      assert.equal(meta['contrastive.encoder'], 'convnet-small');
      assert.equal(meta['contrastive.head'], String(head));
    });
  }

  test('outputs that differ beyond the tolerance: an error and no file', async () => {
    const file = join(work, 'strict.onnx');
    try {
      const r = await exportRun(run, { onnx: file, verifyImages: 32, tolerance: Number.MIN_VALUE });
      assert.equal(r.verify!.max_abs_diff, 0, 'accepted only when bit-identical'); // possible, if unlikely
    } catch (e) {
      assert.ok(e instanceof OnnxExportError, String(e));
      assert.match(e.message, /onnxruntime's outputs differ from the engine's by .*strict\.onnx not written/);
      assert.ok(!existsSync(file));
    }
  });

  test('a run whose encoder has a module the exporter does not know: a clear error and no file', async () => {
    /** ConvNetSmall with its features doubled: the same weights, a different forward. */
    class Doubled extends ConvNetSmall {
      override forward(x: Tensor): Tensor {
        return super.forward(x).mul(2);
      }
    }
    registerEncoder('export-test-doubled', (o) => new Doubled({ inChannels: o.inChannels }), true);
    const other = join(work, 'doubled-run');
    cpSync(run, other, { recursive: true });
    const config = JSON.parse(readFileSync(runPaths(other).config, 'utf8')) as Record<string, unknown>;
    writeFileSync(runPaths(other).config, JSON.stringify({ ...config, encoder: 'export-test-doubled', out: other }));
    const file = join(work, 'doubled.onnx');
    await assert.rejects(exportRun(other, { onnx: file }), (e: unknown) => {
      assert.ok(e instanceof OnnxExportError);
      assert.equal(e.modulePath, 'backbone');
      assert.equal(e.moduleType, 'Doubled');
      assert.match(e.message, /no converter for module 'backbone' of type Doubled \(a subclass of ConvNetSmall whose forward differs\)/);
      return true;
    });
    assert.ok(!existsSync(file), 'no file written');
  });
});

describe('contrastive export', () => {
  function cliRun(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [cli, 'export', ...args], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test('--json prints one object; --head; the file is written', () => {
    const file = join(work, 'cli', 'model.onnx');
    const r = cliRun(['--run', run, '--onnx', file, '--head', '--verify', '64', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as ExportRunResult;
    assert.equal(out.onnx, file);
    assert.equal(out.head, true);
    assert.equal(out.opset, 17);
    assert.deepEqual(out.input.shape, ['N', 1, 28, 28]);
    assert.equal(out.verify!.images, 64);
    assert.ok(out.verify!.max_abs_diff <= TOL);
    assert.equal(out.index, null);
    assert.equal(readFileSync(file).byteLength, out.bytes);
    const plain = cliRun(['--run', run, '--onnx', join(work, 'cli', 'plain.onnx'), '--verify', '0']);
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, /^wrote .*plain\.onnx \(.* MB; opset 17; 14 nodes, 15 initializers/);
    assert.match(plain.stdout, /images \[N, 1, 28, 28\] float32 -> embeddings \[N, 128\] float32/);
  });

  test('errors: no run folder, a missing flag, a bad --verify', () => {
    const missing = cliRun(['--run', join(work, 'nope'), '--onnx', join(work, 'x.onnx')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no config\.json/);
    assert.ok(!existsSync(join(work, 'x.onnx')));
    assert.match(cliRun(['--run', run]).stderr, /required option '--onnx <file>' not specified/);
    assert.match(cliRun(['--run', run, '--onnx', join(work, 'y.onnx'), '--verify', 'all']).stderr, /--verify expects an integer, got 'all'/);
  });
});
