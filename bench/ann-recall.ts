// ANN recall@k against exact search on Fashion-MNIST's 10,000 test images: embeds the test split
// with a run's backbone (streamed to a file, as `contrastive embed` does), builds the HNSW index
// (USearch, cosine; M 16, efConstruction 128), then queries every test vector for its k nearest
// OTHER test vectors (each query leaves itself out, in both searches) through the index at several
// search widths (ef) and by exact brute-force cosine search on the engine, and reports recall@k
// and the times.
//
//   npx tsc -p . && node dist/bench/ann-recall.js [--run DIR] [--train-limit 4096] [--k 10] [--ef 16,32,64,128] [--json]
//
// Without --run it first trains a quick run (SimCLR, convnet-small, 1 epoch on --train-limit
// training images) in a temporary folder. The machine's load average is recorded around the
// measurement: other processes on the cores slow every time here.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getNumThreads } from '../src/index.js';
import { AnnIndex, EmbeddingsFile, embedToFile, exactSearchFile, recallAtK } from '../src/search/index.js';
import { DEFAULT_CONFIG, embedOptions, loadRun } from '../src/run/index.js';
import { train } from '../src/train/index.js';
import { arg, loadAverage } from './common.js';

const k = Number(arg('k', '10'));
const efs = arg('ef', '16,32,64,128').split(',').map(Number);
const json = process.argv.includes('--json');
const work = mkdtempSync(join(tmpdir(), 'ann-recall-'));
const say = (m: string): void => {
  if (!json) process.stderr.write(`${m}\n`);
};

try {
  let runDir = arg('run', '');
  if (!runDir) {
    runDir = join(work, 'run');
    const trainLimit = Number(arg('train-limit', '4096'));
    say(`no --run: training a quick run (1 epoch, ${trainLimit} images) in ${runDir}`);
    await train({ ...DEFAULT_CONFIG, out: runDir, epochs: 1, trainLimit, testLimit: 1000 }, { progress: false });
  }
  const { config, splits, method } = await loadRun(runDir, { data: 'fashion-mnist', trainLimit: 0, testLimit: 0 });
  const { bf16 } = embedOptions(config);
  const loadBefore = loadAverage();
  const path = join(work, 'fm-test.safetensors');
  let t = performance.now();
  await embedToFile(method.backbone, splits.test!, path, { ...embedOptions(config), source: { data: 'fashion-mnist', split: 'test', run: runDir } });
  const embedSeconds = (performance.now() - t) / 1000;
  method.dispose();
  const file = await EmbeddingsFile.open(path);
  const n = file.count;
  say(`embedded ${n} test images (${config.encoder}, ${bf16 ? 'bf16' : 'fp32'}) in ${embedSeconds.toFixed(2)} s: ${Math.round(n / embedSeconds)} img/s`);

  const index = await AnnIndex.build(file);
  await index.save(join(work, 'fm.index'), path);
  const indexBytes = statSync(join(work, 'fm.index')).size;
  say(`built the index (M 16, efConstruction 128) in ${index.buildSeconds.toFixed(2)} s (${(indexBytes / 1e6).toFixed(1)} MB)`);

  const queries = await file.rows(0, n); // (N, D): every test vector queries
  const exclude = Int32Array.from({ length: n }, (_, i) => i);
  t = performance.now();
  const exact = await exactSearchFile(queries, file, { k, exclude });
  const exactSeconds = (performance.now() - t) / 1000;
  say(`exact search: ${n} queries in ${exactSeconds.toFixed(2)} s (${Math.round(n / exactSeconds)} queries/s)`);

  const rows: { ef: number; recall: number; seconds: number; queries_per_second: number }[] = [];
  for (const ef of efs) {
    const { index: at } = await AnnIndex.load(join(work, 'fm.index'), { expansionSearch: ef });
    t = performance.now();
    const approx = at.search(queries, k, { exclude });
    const seconds = (performance.now() - t) / 1000;
    const recall = recallAtK(approx, exact, k);
    rows.push({ ef, recall, seconds, queries_per_second: n / seconds });
    say(`ANN ef ${String(ef).padStart(3)}: recall@${k} ${recall.toFixed(4)}, ${n} queries in ${seconds.toFixed(3)} s (${Math.round(n / seconds)} queries/s)`);
  }
  queries.dispose();
  await file.close();
  const report = {
    run: runDir, encoder: config.encoder, bf16, count: n, dim: file.dim, k, excludes_self: true,
    embed_seconds: embedSeconds, embed_images_per_second: n / embedSeconds,
    build_seconds: index.buildSeconds, index_bytes: indexBytes,
    exact_seconds: exactSeconds, exact_queries_per_second: n / exactSeconds,
    ann: rows, default_ef: 64, recall_at_default_ef: rows.find((r) => r.ef === 64)?.recall ?? null,
    threads: getNumThreads(), cores: cpus().length, load_before: loadBefore, load_after: loadAverage(),
  };
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
