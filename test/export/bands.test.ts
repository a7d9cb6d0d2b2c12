// Multi-band (C-channel) export: a 13-band model (Sentinel-2's band count) whose ONNX input is
// the raw band values, standardised per band by the graph's first nodes (Sub, Div), checked
// against the engine fed the standardised values, by exportModel's own verification and
// independently with onnxruntime-node; the bands are recorded in the model's metadata and in
// the browser index.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { exportModel, type BrowserIndex, OnnxExportError, toOnnx } from '../../src/export/index.js';
import { createEncoder } from '../../src/nn/index.js';
import { manualSeed, tensor } from '../../src/index.js';
import { BANDS, bandData, bandExportable, diff, engineRun, N, onnx, ortRun, SENTINEL2_BANDS, SIDE } from './helpers.js';

const TOL = 1e-4;
const work = mkdtempSync(join(tmpdir(), 'contrastive-export-bands-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('exportModel on a 13-band model', () => {
  manualSeed(3);
  const { raw, z, mean, std } = bandData();
  const names = SENTINEL2_BANDS;

  for (const encoder of ['convnet-small', 'resnet18-cifar']) {
    test(`${encoder}: raw band values in, the engine's embeddings on standardised values out (within ${TOL})`, async (t) => {
      const { model, module: backbone } = bandExportable(encoder);
      const stages = model.stages;
      const file = join(work, `${encoder}.onnx`);
      const web = join(work, `${encoder}-web`);
      try {
        const r = await exportModel(model, { onnx: file, verifyImages: N, indexForBrowser: web, indexLimit: 20 });
        assert.deepEqual(r.input, { name: 'images', shape: ['N', BANDS, SIDE, SIDE] });
        assert.equal(r.verify!.images, N);
        assert.ok(r.verify!.max_abs_diff <= TOL, `exportModel's own check: ${r.verify!.max_abs_diff}`);
        assert.deepEqual(r.bands, { count: BANDS, names, mean, std });

        // Independently: onnxruntime on the raw values vs the engine on the standardised ones.
        const got = await ortRun(readFileSync(file), 'images', raw, [N, BANDS, SIDE, SIDE]);
        const want = engineRun(stages, tensor(z, { shape: [N, BANDS, SIDE, SIDE] }));
        const d = diff(got.data, want);
        t.diagnostic(`${encoder}, 13 bands, raw values 0-10000: max |onnxruntime(raw) - engine(standardised)| on ${N} items ${d.maxAbsDiff.toExponential(2)} (max |output| ${d.maxAbs.toFixed(3)}; exportModel's check ${r.verify!.max_abs_diff.toExponential(2)})`);
        assert.ok(d.maxAbs > 1e-2);
        assert.ok(d.maxAbsDiff <= TOL, `${d.maxAbsDiff}`);

        const proto = onnx.ModelProto.decode(readFileSync(file));
        const [sub, div] = proto.graph!.node!;
        assert.equal(sub!.opType, 'Sub');
        assert.deepEqual(sub!.input, ['images', 'input.mean']);
        assert.equal(div!.opType, 'Div');
        assert.deepEqual(div!.input, [sub!.output![0], 'input.std']);
        const init = proto.graph!.initializer!.find((i) => i.name === 'input.std')!;
        assert.deepEqual(init.dims!.map(Number), [1, BANDS, 1, 1]);
        const meta = Object.fromEntries(proto.metadataProps!.map((p) => [p.key, p.value]));
        assert.deepEqual(JSON.parse(meta['contrastive.bands']!), { count: BANDS, names, mean, std });
        assert.equal(meta['contrastive.input_shape'], `[N, ${BANDS}, ${SIDE}, ${SIDE}]`);

        const index = JSON.parse(readFileSync(join(web, 'index.json'), 'utf8')) as BrowserIndex;
        assert.deepEqual(index.input.shape, [BANDS, SIDE, SIDE]);
        assert.deepEqual(index.preprocess, { input: 'bands', channels: BANDS, height: SIDE, width: SIDE, resize: 'nearest' });
        assert.deepEqual(index.bands, { count: BANDS, names, mean, std });
        assert.equal(index.items.length, 20);
        assert.match(index.items[0]!.thumbnail, /^data:image\/png;base64,/);
      } finally {
        backbone.dispose();
      }
    });
  }

  test('band statistics that do not fit the data: an error naming both, no file', async () => {
    const backbone = createEncoder('convnet-small', { inChannels: BANDS });
    const ds = new TensorDataset(z, { shape: [N, BANDS, SIDE, SIDE] });
    const file = join(work, 'bad.onnx');
    try {
      await assert.rejects(exportModel({
        stages: [['backbone', backbone]], splits: { train: ds, test: null }, kind: 'embeddings', run: { data: 'x', method: 'simclr', encoder: 'convnet-small' },
        name: 'bad', what: 'bad', metadata: {}, bandStats: { mean: mean.slice(0, 4), std: std.slice(0, 4) },
      }, { onnx: file }), (e: unknown) => e instanceof OnnxExportError && /bandStats has 4 bands but the data's items are \[13, 32, 32\]/.test(e.message));
      assert.ok(!existsSync(file));
      assert.throws(() => toOnnx(backbone, { sampleShape: [BANDS, SIDE, SIDE], standardize: { mean, std: std.map((s, i) => (i === 5 ? 0 : s)) } }),
        /toOnnx: standardize\.std must be 13 positive numbers .*got \[.*,0,/);
    } finally {
      backbone.dispose();
    }
  });
});
