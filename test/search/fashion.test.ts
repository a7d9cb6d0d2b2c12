// Fashion-MNIST's 10,000 test images embedded by a short run through `contrastive embed`: the
// HNSW index's recall@10 against exact search must be at least 0.95 (each test vector queries its
// 10 nearest other vectors), and an image file of a test item, queried through the run, finds it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { fashionMNIST } from '../../src/data/index.js';
import { AnnIndex, EmbeddingsFile, measureRecall } from '../../src/search/index.js';
import { DEFAULT_CONFIG } from '../../src/run/index.js';
import { train } from '../../src/train/index.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'search-fashion-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function json<T>(args: string[]): T {
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

test('recall@10 of the index on the 10,000 Fashion-MNIST test embeddings is at least 0.95', async () => {
  const runDir = join(dir, 'run');
  await train({ ...DEFAULT_CONFIG, out: runDir, epochs: 1, trainLimit: 1024, testLimit: 256, batchSize: 256 }, { progress: false });
  const emb = join(dir, 'fm-test.safetensors');
  const e = json<{ count: number; dim: number; split: string }>(['embed', '--run', runDir, '--data', 'fashion-mnist', '--out', emb]);
  assert.deepEqual([e.count, e.dim, e.split], [10000, 512, 'test'], 'the default encoder for 28x28 images: convnet28, 512-d');

  const file = await EmbeddingsFile.open(emb);
  try {
    const index = await AnnIndex.build(file);
    const r = await measureRecall(index, file, { k: 10 });
    assert.equal(r.queries, 10000);
    assert.ok(r.recall >= 0.95, `recall@10 ${r.recall}`);
    process.stderr.write(`recall@10 ${r.recall.toFixed(4)}: build ${index.buildSeconds.toFixed(2)} s, ANN queries ${r.annSeconds.toFixed(2)} s, exact ${r.exactSeconds.toFixed(2)} s\n`);
  } finally {
    await file.close();
  }

  // Test item 42 as a PNG (28x28 grayscale), decoded and embedded through the run: exactly itself.
  const raw = await fashionMNIST({ split: 'test' }).read(Int32Array.of(42));
  const png = join(dir, 'item42.png');
  await sharp(Buffer.from(raw.data), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(png);
  const q = json<{ results: { row: number; id: number; score: number; class: string }[] }>(
    ['search', 'query', '--embeddings', emb, '--exact', '--image', png, '--run', runDir, '-k', '1']);
  assert.deepEqual([q.results[0]!.row, q.results[0]!.id, q.results[0]!.class], [42, 42, 'T-shirt/top']);
  assert.ok(Math.abs(q.results[0]!.score - 1) < 1e-5, `score ${q.results[0]!.score}`);
});
