// Folder decode + augment, ours against torchvision's, on the same folder of JPEGs, in one run:
// 128x128 JPEG files (2 classes) read from disk, decoded, and turned into two 96x96 SimCLR views,
// batches of 256, one epoch per run.
//
//   npx tsc -p . && node dist/bench/folder-decode.js [--files 2048] [--side 128] [--size 96] [--repeat 3]
//
// Ours: ImageFolder (cache 'none': every file decoded by sharp when its batch is read, a bounded
// window in flight, overlapped with the previous batch's augmentation by the Loader's prefetch),
// then the `simclr` preset on whole batches. torchvision (bench/augment.py --folder):
// datasets.ImageFolder + PIL + the same SimCLR transforms per image in a DataLoader with 2 worker
// processes (both cores), as SimCLR implementations write it. Each side runs `repeat` times,
// alternating, and the best run of each counts (these machines are shared). images/s counts
// source files, each turned into two views, on both sides.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { simclr } from '../src/augment/index.js';
import { syntheticImages } from '../src/cli/bench-augment.js';
import { ImageFolder, Loader } from '../src/data/index.js';
import { getNumThreads, libtorchVersion, memory } from '../src/index.js';
import { arg, loadAverage } from './common.js';

const files = Number(arg('files', '2048'));
const side = Number(arg('side', '128'));
const size = Number(arg('size', '96'));
const repeat = Number(arg('repeat', '3'));
const batchSize = 256;
const PY = fileURLToPath(new URL('../../bench/augment.py', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'contrastive-bench-folder-'));

/** Writes `files` JPEGs (quality 90) of side x side in two class folders. */
async function writeFolder(): Promise<void> {
  for (const c of ['a', 'b']) mkdirSync(join(root, c), { recursive: true });
  const per = 3 * side * side;
  for (let i = 0; i < files; i++) {
    const chw = syntheticImages(1, side, i + 1);
    const hwc = new Uint8Array(per);
    for (let p = 0; p < side * side; p++) for (let c = 0; c < 3; c++) hwc[p * 3 + c] = chw[c * side * side + p]!;
    await sharp(hwc, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(root, i % 2 ? 'a' : 'b', `${i}.jpg`));
  }
}

/** One epoch of ours; images/s and the live tensor count after it (flat: nothing kept). */
async function ours(): Promise<{ images_per_second: number; seconds: number }> {
  const ds = await ImageFolder.open(root, { size: side, cache: 'none' });
  const loader = new Loader(ds, { batchSize, shuffle: true, dropLast: true, transform: simclr({ size }), seed: 1 });
  const before = memory().tensors;
  const t0 = performance.now();
  let n = 0;
  for await (const b of loader) {
    if (b.views[0]!.shape[2] !== size) throw new Error(`views of ${b.views[0]!.shape.join('x')}`);
    n += b.views[0]!.shape[0]!;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (memory().tensors !== before) throw new Error(`live tensors ${before} -> ${memory().tensors}`);
  return { images_per_second: n / seconds, seconds };
}

try {
  process.stderr.write(`writing ${files} ${side}x${side} JPEGs to ${root}\n`);
  await writeFolder();
  const best = { ours: 0, torchvision: 0 };
  const runs: { ours: number; torchvision: number; load: number }[] = [];
  for (let r = 0; r < repeat; r++) {
    const load = loadAverage();
    const o = await ours();
    const t = JSON.parse(execFileSync('/usr/bin/python3', [PY, '--folder', root, String(files), String(size), '--batch-size', String(batchSize)], { encoding: 'utf8' })) as { folder_images_per_second: number };
    runs.push({ ours: o.images_per_second, torchvision: t.folder_images_per_second, load });
    process.stderr.write(`  run ${r + 1} (load ${load.toFixed(2)}): ours ${o.images_per_second.toFixed(0)} img/s, torchvision ${t.folder_images_per_second.toFixed(0)} img/s\n`);
    best.ours = Math.max(best.ours, o.images_per_second);
    best.torchvision = Math.max(best.torchvision, t.folder_images_per_second);
  }
  const ratio = best.ours / best.torchvision;
  process.stdout.write(`\nFolder of ${files} ${side}x${side} JPEGs -> two ${size}x${size} SimCLR views, batch ${batchSize}, ${cpus().length} cores, libtorch ${libtorchVersion()} with ${getNumThreads()} threads\n`);
  process.stdout.write(`| ours (img/s) | torchvision ImageFolder + PIL, DataLoader 2 workers (img/s) | ours / torchvision |\n|---|---|---|\n| ${best.ours.toFixed(0)} | ${best.torchvision.toFixed(0)} | ${ratio.toFixed(2)}x |\n`);
  process.stdout.write(`${JSON.stringify({ files, side, size, batch_size: batchSize, ours_images_per_second: best.ours, torchvision_images_per_second: best.torchvision, ratio, runs })}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
