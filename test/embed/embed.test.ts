// embedToFile: the streamed embeddings equal embedDataset's (fp32 and bf16, channels-last), memory
// stays flat while streaming, the ids file names the rows (indices or image paths, labels), and a
// failure or an abort part-way leaves no file behind.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evenSubset, fashionMNIST, ImageFolder, type Dataset } from '../../src/data/index.js';
import { embedDataset } from '../../src/eval/index.js';
import { loadSafetensors } from '../../src/io/index.js';
import { memory, scope, setNumThreads, tensor } from '../../src/index.js';
import { EmbeddingsFile, embedToFile, idsPath, readIds } from '../../src/search/index.js';
import { buildMethod, DEFAULT_CONFIG } from '../../src/run/index.js';

setNumThreads(2);
const dir = mkdtempSync(join(tmpdir(), 'embed-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const labelled = fileURLToPath(new URL('../../../test/fixtures/images/labelled', import.meta.url));
const source = { data: 'fashion-mnist', split: 'test' as const, run: 'test-run' };

/** An untrained (randomly initialised) method in evaluation mode, laid out as the trainer lays it out. */
function method(inChannels: number, side = 28) {
  const m = buildMethod(DEFAULT_CONFIG, { sampleShape: [inChannels, side, side], classes: [] }, 1);
  m.to({ memoryFormat: 'channelsLast' });
  m.eval();
  return m;
}

test('the streamed file equals embedDataset (fp32 and bf16 autocast), and memory stays flat while streaming', async () => {
  const ds = evenSubset(fashionMNIST({ split: 'test' }), 700);
  const m = method(1);
  try {
    for (const bf16 of [false, true]) {
      const o = { device: 'cpu' as const, bf16, channelsLast: true };
      const ref = await embedDataset(m.backbone, ds, o); // (700, D), batches of 1024
      const out = join(dir, `fm-${bf16 ? 'bf16' : 'fp32'}.safetensors`);
      const before = memory();
      const seen: { tensors: number; bytes: number }[] = [];
      const r = await embedToFile(m.backbone, ds, out, { ...o, batchSize: 128, source, onProgress: () => seen.push(memory()) });
      assert.deepEqual(memory(), before, 'nothing left allocated');
      assert.equal(seen.length, 6); // ceil(700 / 128) blocks
      for (const s of seen) assert.deepEqual(s, before, 'no tensor accumulates between blocks');
      assert.deepEqual({ count: r.count, dim: r.dim }, { count: 700, dim: m.backbone.featureDim });
      scope(() => {
        const got = loadSafetensors(out).tensors.embeddings!;
        assert.deepEqual(got.shape, [700, m.backbone.featureDim]);
        assert.equal(got.dtype, 'float32');
        const diff = got.sub(ref).abs().max().item();
        const scale = ref.abs().max().item();
        // Different batch sizes may pick different kernels: float rounding only (bf16: its 8-bit mantissa).
        assert.ok(diff <= (bf16 ? 1e-2 : 1e-5) * Math.max(scale, 1), `max |difference| ${diff} (scale ${scale})`);
      });
      ref.dispose();
      const ids = readIds(idsPath(out));
      assert.equal(idsPath(out), join(dir, `fm-${bf16 ? 'bf16' : 'fp32'}.ids.json`));
      assert.deepEqual(ids.ids, Array.from({ length: 700 }, (_, i) => i));
      assert.deepEqual(ids.labels, Array.from(ds.labels!));
      assert.equal(ids.classes[7], 'Sneaker');
      assert.deepEqual({ count: ids.count, dim: ids.dim, data: ids.data, split: ids.split }, { count: 700, dim: m.backbone.featureDim, data: 'fashion-mnist', split: 'test' });
      const f = await EmbeddingsFile.open(out);
      assert.deepEqual([f.count, f.dim, f.rowOf('699'), f.idOf(3)], [700, m.backbone.featureDim, 699, 3]);
      assert.throws(() => f.rowOf('700'), /unknown id '700'/);
      await f.close();
    }
  } finally {
    m.dispose();
  }
});

test('an image folder: ids are paths relative to the folder (unreadable files left out), with labels and classes', async () => {
  const warnings: string[] = [];
  const ds = await ImageFolder.open(labelled, { size: 16, onWarning: (w) => warnings.push(w) });
  const m = method(3, 16);
  try {
    const out = join(dir, 'folder.safetensors');
    const r = await embedToFile(m.backbone, ds, out, { device: 'cpu', bf16: false, channelsLast: true, batchSize: 2, source: { data: labelled, split: null, run: 'x' } });
    const ids = readIds(r.ids);
    assert.deepEqual(ids.ids, ['blue/b1.webp', 'blue/nested/b2.png', 'red/halves.png', 'red/r1.png', 'red/r2.jpg']);
    assert.deepEqual(ids.labels, [0, 0, 1, 1, 1]);
    assert.deepEqual(ids.classes, ['blue', 'red']);
    assert.equal(ids.split, null);
    assert.equal(warnings.length, 2, 'the corrupt and the truncated file were skipped');
    const ref = await embedDataset(m.backbone, ds, { device: 'cpu', bf16: false, channelsLast: true });
    scope(() => assert.ok(loadSafetensors(out).tensors.embeddings!.sub(ref).abs().max().item() < 1e-5));
    ref.dispose();
  } finally {
    m.dispose();
  }
});

test('a file that becomes unreadable during the run is left out: its row and id go, the header is cut to the rows written', async () => {
  const copy = join(dir, 'changing');
  cpSync(labelled, copy, { recursive: true });
  const warnings: string[] = [];
  const ds = await ImageFolder.open(copy, { size: 16, cache: 'none', onWarning: (w) => warnings.push(w) });
  const m = method(3, 16);
  const before = memory();
  try {
    const ref = await embedDataset(m.backbone, ds, { device: 'cpu', bf16: false, channelsLast: true }); // every readable file, before the damage
    writeFileSync(join(copy, 'red', 'r1.png'), 'no longer a PNG'); // after the index was read: found only when decoded
    rmSync(join(copy, 'blue', 'b1.webp'));
    const out = join(dir, 'changing.safetensors');
    const r = await embedToFile(m.backbone, ds, out, { device: 'cpu', bf16: false, channelsLast: true, batchSize: 2, source: { data: copy, split: null, run: 'x' } });
    assert.deepEqual([r.count, r.skipped], [3, 2]);
    const ids = readIds(r.ids);
    assert.deepEqual(ids.ids, ['blue/nested/b2.png', 'red/halves.png', 'red/r2.jpg']);
    assert.deepEqual([ids.labels, ids.count], [[0, 1, 1], 3]);
    assert.ok(warnings.some((w) => w.includes('r1.png')) && warnings.some((w) => w.includes('b1.webp')), warnings.join('\n'));
    scope(() => {
      const got = loadSafetensors(out).tensors.embeddings!; // (3, D)
      assert.deepEqual(got.shape, [3, m.backbone.featureDim]);
      const want = ref.indexSelect(0, tensor([1, 2, 4], { dtype: 'int64' })); // rows of b2, halves, r2 among the five
      assert.ok(got.sub(want).abs().max().item() < 1e-5);
    });
    const f = await EmbeddingsFile.open(out);
    assert.deepEqual([f.count, f.rowOf('red/r2.jpg')], [3, 2]);
    await f.close();
    ref.dispose();
    assert.deepEqual(memory(), before);
    for (const p of ['blue/nested/b2.png', 'red/halves.png', 'red/r2.jpg']) rmSync(join(copy, p));
    const out2 = join(dir, 'vanished.safetensors');
    await assert.rejects(embedToFile(m.backbone, ds, out2, { device: 'cpu', bf16: false, channelsLast: true, batchSize: 2, source: { data: copy, split: null, run: 'x' } }),
      /none of the 5 items could be read; nothing was written/);
    assert.ok(!existsSync(out2) && !existsSync(idsPath(out2)));
    assert.deepEqual(memory(), before);
  } finally {
    m.dispose();
  }
});

test('a read failure or an abort part-way leaves nothing behind (an older file stays as it was)', async () => {
  const base = evenSubset(fashionMNIST({ split: 'test' }), 300);
  let reads = 0;
  const failing: Dataset = { ...base, labels: base.labels, read: async (i) => { if (++reads === 3) throw new Error('disk on fire'); return base.read(i); } };
  const m = method(1);
  const before = memory();
  try {
    const out = join(dir, 'failed.safetensors');
    writeFileSync(out, 'older contents');
    const o = { device: 'cpu' as const, bf16: false, channelsLast: true, batchSize: 64, source };
    await assert.rejects(embedToFile(m.backbone, failing, out, o), /disk on fire/);
    assert.equal(readFileSync(out, 'utf8'), 'older contents');
    assert.ok(!existsSync(idsPath(out)), 'no ids file for a failed run');
    const abort = new AbortController();
    const out2 = join(dir, 'aborted.safetensors');
    await assert.rejects(embedToFile(m.backbone, base, out2, { ...o, signal: abort.signal, onProgress: () => abort.abort() }), /aborted after 64 of 300 rows; nothing was written/);
    assert.ok(!existsSync(out2) && !existsSync(idsPath(out2)));
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'no temporary file left');
    assert.deepEqual(memory(), before);
  } finally {
    m.dispose();
  }
});
