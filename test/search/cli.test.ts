// `contrastive embed` and `contrastive search` end to end on a run trained on a small image folder
// (train/ and test/ class folders): --json outputs, ids, query by id and by image, exact against
// the index, the table, and the error cases (exit status 1 and a message, never a crash).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { loadSafetensors, saveSafetensors } from '../../src/io/index.js';
import { randn, scope } from '../../src/index.js';
import { readIds } from '../../src/search/index.js';
import { embedDataset } from '../../src/eval/index.js';
import { DEFAULT_CONFIG, embedOptions, loadRun } from '../../src/run/index.js';
import { cliFails, cliJson, runCli } from '../helpers/cli.js';
import { train } from '../../src/train/index.js';

const dir = mkdtempSync(join(tmpdir(), 'search-cli-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'shapes');
const runDir = join(dir, 'run');


/** 16x16 RGB images: per class a colour and a stripe direction, with noise. */
async function makeImages(): Promise<void> {
  const classes = { red: [200, 40, 40], green: [40, 180, 60], blue: [40, 60, 200] } as const;
  let seed = 1;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const [part, n] of [['train', 24], ['test', 8]] as const) {
    for (const [name, rgb] of Object.entries(classes)) {
      mkdirSync(join(data, part, name), { recursive: true });
      for (let i = 0; i < n; i++) {
        const px = Buffer.alloc(16 * 16 * 3);
        for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) {
          const stripe = (name === 'red' ? x : name === 'green' ? y : x + y) % 4 < 2 ? 1 : 0.4;
          for (let c = 0; c < 3; c++) px[(y * 16 + x) * 3 + c] = Math.min(255, Math.round(rgb[c]! * stripe + 60 * rand()));
        }
        await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(data, part, name, `${name}-${i}.png`));
      }
    }
  }
}

interface EmbedOut { embeddings: string; ids: string; count: number; dim: number; data: string; split: string | null; seconds: number; images_per_second: number }
interface Row { rank: number; row: number; id: string | number; score: number; label?: number; class?: string }
interface QueryOut { query: Record<string, unknown>; k: number; mode: string; count: number; results: Row[] }

describe('contrastive embed and search on an image-folder run', () => {
  before(async () => {
    await makeImages();
    await train({
      ...DEFAULT_CONFIG, data, out: runDir, epochs: 1, batchSize: 24, imageSize: 16, knnK: 10, seed: 3,
    }, { progress: false });
  });

  test('embed --json streams the test split with its ids; search build, query by id and by image, exact and ANN agree', async () => {
    const emb = join(dir, 'shapes.safetensors');
    const e = cliJson<EmbedOut>(['embed', '--run', runDir, '--out', emb, '--no-progress']);
    assert.deepEqual({ count: e.count, dim: e.dim, split: e.split, data: e.data }, { count: 24, dim: 128, split: 'test', data });
    assert.equal(e.ids, join(dir, 'shapes.ids.json'));
    assert.ok(e.seconds > 0 && e.images_per_second > 0);
    const ids = readIds(e.ids);
    assert.equal(ids.ids[0], join('blue', 'blue-0.png'));
    assert.deepEqual(ids.classes, ['blue', 'green', 'red']);
    assert.deepEqual(ids.labels, [...Array(8).fill(0), ...Array(8).fill(1), ...Array(8).fill(2)]);
    // The command's rows are embedDataset's under the run's settings (device, bf16, channels-last).
    const loaded = await loadRun(runDir, { trainLimit: 0, testLimit: 0 });
    const ref = await embedDataset(loaded.method.backbone, loaded.splits.test!, embedOptions(loaded.config));
    scope(() => assert.ok(loadSafetensors(emb).tensors.embeddings!.sub(ref).abs().max().item() < 1e-5, 'embed equals embedDataset'));
    ref.dispose();
    loaded.method.dispose();
    const train = cliJson<EmbedOut>(['embed', '--run', runDir, '--data', data, '--split', 'train', '--out', join(dir, 'train.safetensors'), '--batch-size', '5']);
    assert.deepEqual([train.count, train.split], [72, 'train']);

    const index = join(dir, 'shapes.index');
    const b = cliJson<{ index: string; manifest: string; count: number; dim: number; build_seconds: number }>(['search', 'build', '--embeddings', emb, '--out', index]);
    assert.deepEqual([b.index, b.manifest, b.count, b.dim], [index, `${index}.json`, 24, 128]);

    const id = join('green', 'green-3.png');
    const ann = cliJson<QueryOut>(['search', 'query', '--index', index, '--id', id, '-k', '5']);
    assert.deepEqual([ann.mode, ann.k, ann.count, ann.results.length], ['ann', 5, 24, 5]);
    assert.deepEqual(ann.query, { id, row: 11, label: 1, class: 'green' });
    assert.ok(!ann.results.some((r) => r.id === id), 'the query row itself is left out');
    assert.deepEqual(ann.results.map((r) => r.rank), [1, 2, 3, 4, 5]);
    for (let i = 1; i < 5; i++) assert.ok(ann.results[i - 1]!.score >= ann.results[i]!.score - 1e-6, 'best first');
    for (const r of ann.results) assert.deepEqual([r.id, r.class], [ids.ids[r.row], ids.classes[ids.labels![r.row]!]]);
    const exact = cliJson<QueryOut>(['search', 'query', '--index', index, '--id', id, '-k', '5', '--exact']);
    assert.equal(exact.mode, 'exact');
    assert.deepEqual(exact.results.map((r) => r.row), ann.results.map((r) => r.row), 'on 24 vectors the graph search is exact');
    exact.results.forEach((r, i) => assert.ok(Math.abs(r.score - ann.results[i]!.score) < 1e-4));
    const noIndex = cliJson<QueryOut>(['search', 'query', '--embeddings', emb, '--exact', '--id', id, '-k', '5']);
    assert.deepEqual(noIndex.results, exact.results);

    // An image of the test split, embedded through the run, finds itself with similarity 1.
    const image = join(data, 'test', 'red', 'red-5.png');
    const q = cliJson<QueryOut>(['search', 'query', '--index', index, '--image', image, '--run', runDir, '-k', '3']);
    assert.deepEqual(q.query, { image, run: runDir });
    assert.equal(q.results[0]!.id, join('red', 'red-5.png'));
    assert.ok(Math.abs(q.results[0]!.score - 1) < 1e-4, `score ${q.results[0]!.score}`);

    const table = runCli(['search', 'query', '--index', index, '--id', id, '-k', '3']);
    assert.equal(table.status, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, /^3 nearest of 24 to id green\/green-3\.png \(green\) by cosine similarity \(HNSW index, [\d.]+ ms\)$/);
    assert.match(lines[1]!, /rank\s+score\s+row\s+id\s+class/);
    assert.equal(lines.length, 5);
    assert.match(lines[2]!, new RegExp(`^\\s+1\\s+${ann.results[0]!.score.toFixed(4)}\\s+${ann.results[0]!.row}\\s+${String(ann.results[0]!.id).replace(/[./]/g, '\\$&')}\\s+${ann.results[0]!.class}$`));

    const recall = cliJson<{ recall: number; k: number; queries: number }>(['search', 'recall', '--index', index, '-k', '5']);
    assert.deepEqual([recall.k, recall.queries], [5, 24]);
    assert.ok(recall.recall >= 0.95, `recall ${recall.recall}`);
  });

  test('error cases: missing files, unknown id, k out of range, dimension mismatch, corrupt or stale index', async () => {
    const emb = join(dir, 'errors.safetensors');
    cliJson<EmbedOut>(['embed', '--run', runDir, '--out', emb]);
    const index = join(dir, 'errors.index');
    cliJson(['search', 'build', '--embeddings', emb, '--out', index]);
    const image = join(data, 'test', 'blue', 'blue-1.png');

    // Independent cases, two processes at a time.
    const other = join(dir, 'other.safetensors'); // embeddings of another dimension (64) than the run's (128)
    scope(() => saveSafetensors(other, { embeddings: randn([10, 64]) }));
    const cases: [string[], RegExp][] = [
      [['embed', '--run', join(dir, 'no-run'), '--out', join(dir, 'x.safetensors')], /no config\.json/],
      [['embed', '--run', runDir, '--out', join(dir, 'no-folder', 'x.safetensors')], /--out: no such folder/],
      [['embed', '--run', runDir, '--data', 'fashion-mnist', '--out', join(dir, 'x.safetensors')],
        /--data fashion-mnist: the run was trained on an image folder \(RGB\); its backbone cannot embed fashion-mnist/],
      [['embed', '--run', runDir, '--data', join(data, 'test'), '--split', 'train', '--out', join(dir, 'x.safetensors')], /has no train\/ and test\/ sub-folders/],
      [['search', 'query', '--index', join(dir, 'none.index'), '--id', '1'], /index: no such file: .*none\.index/],
      [['search', 'query', '--index', index, '--id', 'blue/nope.png'], /unknown id 'blue\/nope\.png': not in .*errors\.ids\.json \(24 ids, e\.g\. "blue\/blue-0\.png"/],
      [['search', 'query', '--index', index, '--id', 'blue/blue-0.png', '-k', '24'], /-k must be from 1 to 23 \(24 rows, less the query row itself\), got 24/],
      [['search', 'query', '--index', index, '--image', join(dir, 'none.png'), '--run', runDir], /image: no such file: .*none\.png/],
      [['search', 'query', '--embeddings', other, '--exact', '--image', image, '--run', runDir],
        /dimension mismatch: the run .* embeds .*blue-1\.png to 128 dimensions, but .*other\.safetensors holds 64-dimensional vectors/],
    ];
    for (let i = 0; i < cases.length; i += 2) await Promise.all(cases.slice(i, i + 2).map(([args, message]) => cliFails(args, message)));
    assert.ok(!existsSync(join(dir, 'x.safetensors')));

    // A truncated or altered index file never reaches USearch (which would abort the process).
    const bytes = readFileSync(index);
    writeFileSync(index, bytes.subarray(0, bytes.length - 100));
    await cliFails(['search', 'query', '--index', index, '--id', 'blue/blue-0.png'], /errors\.index is corrupt: \d+ bytes, the manifest records \d+/);
    writeFileSync(index, bytes);
    // Embeddings rewritten after the index was built (another split): the index is stale.
    cliJson<EmbedOut>(['embed', '--run', runDir, '--split', 'train', '--out', emb]);
    await cliFails(['search', 'query', '--index', index, '--id', 'blue/blue-0.png'], /the embeddings file .*errors\.safetensors changed since the index was built/);
  });
});
