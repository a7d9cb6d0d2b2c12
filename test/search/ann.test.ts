// The HNSW index (USearch): results against exact search, self-exclusion, save/load through the
// manifest, and clean errors (never a native crash) for bad k, dimension mismatch, NaN, and
// missing, truncated, altered or unrelated index files.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { saveSafetensors } from '../../src/io/index.js';
import { scope, tensor } from '../../src/index.js';
import { AnnIndex, annManifestPath, EmbeddingsFile, exactSearchFile, measureRecall, recallAtK } from '../../src/search/index.js';
import { clustered, randomLabels } from '../eval/reference.js';

const dir = mkdtempSync(join(tmpdir(), 'ann-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const N = 2000;
const D = 24;
const rows = clustered(randomLabels(N, 20, 1), D, 3, 1, 2);
const flat = Float32Array.from(rows.flat());
const embeddings = join(dir, 'emb.safetensors');
scope(() => saveSafetensors(embeddings, { embeddings: tensor(flat, { shape: [N, D] }) }));

test('the index finds the exact neighbours (recall@10 >= 0.95), scores are cosine similarities, the query row can be left out', async () => {
  const index = AnnIndex.fromVectors(flat, D);
  assert.equal(index.size, N);
  const file = await EmbeddingsFile.open(embeddings);
  const q = flat.subarray(0, 100 * D);
  const exclude = Int32Array.from({ length: 100 }, (_, i) => i);
  const approx = index.search(q, 10, { exclude });
  const t = tensor(q, { shape: [100, D] });
  const exact = await exactSearchFile(t, file, { k: 10, exclude });
  t.dispose();
  assert.ok(approx.every((h, i) => h.length === 10 && !h.some((x) => x.row === i)), 'ten hits, never the query itself');
  const recall = recallAtK(approx, exact, 10);
  assert.ok(recall >= 0.95, `recall@10 ${recall}`);
  // A found neighbour's score is its exact cosine similarity.
  for (let i = 0; i < 100; i++) {
    const byRow = new Map(exact[i]!.map((h) => [h.row, h.score]));
    for (const h of approx[i]!) if (byRow.has(h.row)) assert.ok(Math.abs(h.score - byRow.get(h.row)!) < 1e-4, `${h.score} vs ${byRow.get(h.row)}`);
  }
  // One query (USearch's single-query path): itself first, with similarity 1.
  const [self] = index.search(flat.subarray(7 * D, 8 * D), 3);
  assert.equal(self![0]!.row, 7);
  assert.ok(Math.abs(self![0]!.score - 1) < 1e-5);
  const report = await measureRecall(index, file, { k: 10, queries: 500 });
  assert.equal(report.queries, 500);
  assert.ok(report.recall >= 0.95 && report.recall <= 1, `measureRecall ${report.recall}`);
  assert.ok(report.annSeconds > 0 && report.exactSeconds > 0);
  await file.close();
});

test('bad queries are errors: k out of range, dimension mismatch, NaN, bad settings', () => {
  const index = AnnIndex.fromVectors(flat.subarray(0, 50 * D), D);
  const q = flat.subarray(0, D);
  assert.throws(() => index.search(q, 0), /k must be an integer from 1 to 50/);
  assert.throws(() => index.search(q, 51), /k must be an integer from 1 to 50/);
  assert.throws(() => index.search(new Float32Array(D + 1), 1), /not a whole number of 24-dimensional vectors/);
  scope(() => assert.throws(() => index.search(tensor([[1, 2, 3]]), 1), /queries must be \(Nq, 24\), got \[1, 3\]/));
  assert.throws(() => index.search(new Float32Array(D).fill(Number.NaN), 1), /NaN or infinite/);
  assert.throws(() => index.search(q, 1, { exclude: Int32Array.of(1, 2) }), /exclude has 2 entries for 1 queries/);
  const bad = Float32Array.from(flat.subarray(0, 3 * D));
  bad[D + 2] = Number.POSITIVE_INFINITY;
  assert.throws(() => AnnIndex.fromVectors(bad, D), /row 1 holds a NaN or infinite value/);
  assert.throws(() => AnnIndex.fromVectors(flat.subarray(0, 25), D), /N x 24 values/);
  assert.throws(() => AnnIndex.fromVectors(q, D, { connectivity: 1 }), /connectivity must be an integer >= 2/);
});

test('save and load round-trip through the manifest; missing, truncated, altered or junk files are clean errors', async () => {
  const file = await EmbeddingsFile.open(embeddings);
  const built = await AnnIndex.build(file, { blockRows: 300, expansionSearch: 40 });
  await file.close();
  const path = join(dir, 'fm.index');
  const m = await built.save(path);
  assert.deepEqual([m.count, m.dim, m.expansionSearch, m.embeddings.file, m.index.file], [N, D, 40, 'emb.safetensors', 'fm.index']);
  const q = flat.subarray(0, 20 * D);
  const want = built.search(q, 5);
  for (const p of [path, annManifestPath(path)]) {
    const { index, manifest, embeddingsPath } = await AnnIndex.load(p);
    assert.equal(embeddingsPath, embeddings);
    assert.equal(manifest.index.sha256, m.index.sha256);
    assert.equal(index.settings.expansionSearch, 40);
    assert.deepEqual(index.search(q, 5), want, `loaded from ${p}`);
  }
  assert.equal((await AnnIndex.load(path, { expansionSearch: 200 })).index.settings.expansionSearch, 200);

  const bytes = readFileSync(path);
  const copy = (name: string, data: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, data);
    const manifest = JSON.parse(readFileSync(annManifestPath(path), 'utf8')) as Record<string, { file: string }>;
    manifest.index!.file = name;
    writeFileSync(annManifestPath(p), JSON.stringify(manifest));
    return p;
  };
  // A truncated file aborts USearch's loader (the process dies): it must never get that far.
  await assert.rejects(AnnIndex.load(copy('torn.index', bytes.subarray(0, bytes.length >> 1))), /torn\.index is corrupt: \d+ bytes, the manifest records \d+ \(truncated/);
  const altered = Buffer.from(bytes);
  altered[altered.length >> 1] ^= 0xff;
  await assert.rejects(AnnIndex.load(copy('altered.index', altered)), /altered\.index is corrupt: its SHA-256 differs/);
  const lone = join(dir, 'lone.index');
  copyFileSync(path, lone);
  await assert.rejects(AnnIndex.load(lone), /lone\.index: no manifest .*lone\.index\.json beside it/);
  await assert.rejects(AnnIndex.load(join(dir, 'missing.index')), /index: no such file: .*missing\.index/);
  writeFileSync(annManifestPath(lone), '{"format": "contrastive-ann-ind');
  await assert.rejects(AnnIndex.load(lone), /manifest .*lone\.index\.json is corrupt/);
  writeFileSync(annManifestPath(lone), JSON.stringify({ format: 'something-else' }));
  await assert.rejects(AnnIndex.load(lone), /is corrupt or not a contrastive index manifest/);
  const gone = copy('gone.index', bytes);
  rmSync(gone);
  await assert.rejects(AnnIndex.load(annManifestPath(gone)), /index: no such file: .*gone\.index \(named by/);
  await assert.rejects(built.save(join(dir, 'x.json')), /may not end in \.json/);
});
