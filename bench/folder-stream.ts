// Training on a folder larger than memory: one epoch of the default method (SimCLR) through
// `train()` on a folder of JPEGs decoded on demand (`folderCache: 'none'`), with its peak RSS
// and throughput, against the in-memory size decoding the folder would need; then, on a subset
// that fits, 'memory' (decoded once, kept) against 'none' (decoded every epoch) side by side.
// Each training runs in its own process (peak RSS is per process); so does one epoch of the loader
// alone in each mode over the whole folder (decoding without training: the data's own footprint).
//
//   npx tsc -p . && node dist/bench/folder-stream.js [--count 20000] [--size 224] [--batch 64]
//     [--fit-count 2000] [--fit-epochs 2] [--device cpu] [--dir DIR] [--json]
//
// The folder (256x256 JPEGs, quality 90, 10 class folders, noise and shapes) is generated into
// --dir (kept, and reused when it already holds --count files) or a temporary folder (removed).
// The index (.contrastive-index.json) is removed, then built by the first open; the second open's
// time shows its reuse.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { ImageFolder, indexLocations, Loader } from '../src/data/index.js';
import { pool } from '../src/data/folder-scan.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../src/run/index.js';
import { train } from '../src/train/index.js';
import { arg, runSide } from './common.js';

const SIDE = 256;
const CLASSES = 10;

/** The result a child prints: one training run. */
interface Side {
  mode: string;
  items: number;
  epochs: number;
  /** The last epoch's images per second (decoding included). */
  images_per_second: number;
  seconds: number;
  peak_rss_mb: number;
}

/** Peak resident memory of this process, MB (VmHWM). */
function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** One training run in this process: `--child MODE`. */
async function child(mode: TrainConfig['folderCache']): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'folder-stream-run-'));
  try {
    const epochs = Number(arg('epochs', '1'));
    const trainLimit = Number(arg('limit', '0'));
    const t0 = performance.now();
    const r = await train({
      ...DEFAULT_CONFIG, data: arg('dir', ''), imageSize: Number(arg('size', '224')), batchSize: Number(arg('batch', '64')),
      epochs, warmupEpochs: 0, trainLimit, device: arg('device', 'cpu') as TrainConfig['device'], folderCache: mode, out,
    }, { progress: false });
    const last = r.epochs[r.epochs.length - 1]!;
    const side: Side = {
      mode, items: trainLimit || Number(arg('count', '0')), epochs, images_per_second: last.images_per_second,
      seconds: (performance.now() - t0) / 1000, peak_rss_mb: peakRssMb(),
    };
    process.stdout.write(`${JSON.stringify(side)}\n`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** One epoch of the loader alone (decoding, no training) in this process: `--child-read MODE`. */
async function childRead(mode: 'memory' | 'none'): Promise<void> {
  const ds = await ImageFolder.open(arg('dir', ''), { size: Number(arg('size', '224')), cache: mode });
  const t0 = performance.now();
  let n = 0;
  for await (const b of new Loader(ds, { batchSize: Number(arg('batch', '64')), seed: 1 })) n += b.x.shape[0]!;
  const seconds = (performance.now() - t0) / 1000;
  const side: Side = { mode: `read-${mode}`, items: n, epochs: 1, images_per_second: n / seconds, seconds, peak_rss_mb: peakRssMb() };
  process.stdout.write(`${JSON.stringify(side)}\n`);
}

/** Writes `count` JPEGs of 256x256 (noise, a class-dependent shape) into 10 class folders, unless they are there. */
async function generate(dir: string, count: number): Promise<void> {
  const have = existsSync(dir) ? readdirSync(dir).filter((d) => !d.startsWith('.')).reduce((a, d) => a + readdirSync(join(dir, d)).length, 0) : 0;
  if (have === count) return;
  rmSync(dir, { recursive: true, force: true });
  for (let c = 0; c < CLASSES; c++) mkdirSync(join(dir, `class-${c}`), { recursive: true });
  const t0 = performance.now();
  await pool(Array.from({ length: count }, (_, i) => i), cpus().length * 2, async (i) => {
    const c = i % CLASSES;
    const px = new Uint8Array(SIDE * SIDE * 3); // (H, W, 3)
    let s = (i * 2654435761) >>> 0;
    const r = (x: number, y: number): boolean => Math.abs(x - 128) + Math.abs(y - 128) < 40 + 8 * c; // a diamond growing with the class
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        s = (s * 1664525 + 1013904223) >>> 0;
        const n = s >>> 26; // noise 0-63
        const o = (y * SIDE + x) * 3;
        const inside = r(x, y);
        px[o] = (inside ? 25 * c : 40) + n;
        px[o + 1] = (inside ? 200 - 15 * c : 90) + n;
        px[o + 2] = ((x + y + i) & 127) + n;
      }
    }
    await sharp(px, { raw: { width: SIDE, height: SIDE, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(dir, `class-${c}`, `${i}.jpg`));
  });
  process.stderr.write(`generated ${count} JPEGs of ${SIDE}x${SIDE} in ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

async function main(): Promise<void> {
  const mode = arg('child', '');
  if (mode) return child(mode as TrainConfig['folderCache']);
  const readMode = arg('child-read', '');
  if (readMode) return childRead(readMode as 'memory' | 'none');
  const count = Number(arg('count', '20000'));
  const size = Number(arg('size', '224'));
  const fitCount = Math.min(count, Number(arg('fit-count', '2000')));
  const fitEpochs = Number(arg('fit-epochs', '2'));
  const json = process.argv.includes('--json');
  const given = arg('dir', '');
  const dir = given || mkdtempSync(join(tmpdir(), 'folder-stream-'));
  const say = (m: string): void => { if (!json) process.stderr.write(`${m}\n`); };
  try {
    await generate(dir, count);
    for (const f of indexLocations(dir)) rmSync(f, { force: true }); // the first open probes every file
    const opens: number[] = [];
    for (let k = 0; k < 2; k++) {
      const t0 = performance.now();
      await ImageFolder.open(dir, { size, cache: 'none' });
      opens.push((performance.now() - t0) / 1000);
    }
    say(`open (index: probe every header / reuse the cached index): ${opens[0]!.toFixed(2)} s / ${opens[1]!.toFixed(2)} s for ${count} files`);
    const needMb = (count * 3 * size * size) / 2 ** 20;
    say(`in-memory decoding would need ${needMb.toFixed(0)} MB (${count} x 3 x ${size} x ${size} bytes)`);
    const script = fileURLToPath(import.meta.url);
    const common = ['--dir', dir, '--size', String(size), '--batch', arg('batch', '64'), '--device', arg('device', 'cpu'), '--count', String(count)];
    const run = (m: string, extra: string[]): Side => {
      const r = runSide<Side>(process.execPath, [script, '--child', m, ...common, ...extra]);
      say(`${m.padEnd(6)} ${String(r.items).padStart(6)} items x ${r.epochs} epoch(s): ${r.images_per_second.toFixed(1)} img/s (last epoch), peak RSS ${r.peak_rss_mb.toFixed(0)} MB, ${r.seconds.toFixed(1)} s`);
      return r;
    };
    const reads = (['memory', 'none'] as const).map((m) => {
      const r = runSide<Side>(process.execPath, [script, '--child-read', m, ...common]);
      say(`loader only, ${m.padEnd(6)}: ${r.items} items decoded at ${r.images_per_second.toFixed(0)} img/s, peak RSS ${r.peak_rss_mb.toFixed(0)} MB`);
      return r;
    });
    const stream = run('none', ['--epochs', '1']);
    const fitMem = run('memory', ['--epochs', String(fitEpochs), '--limit', String(fitCount)]);
    const fitNone = run('none', ['--epochs', String(fitEpochs), '--limit', String(fitCount)]);
    const ratio = fitMem.images_per_second / fitNone.images_per_second;
    say(`subset of ${fitCount}: memory / none = ${ratio.toFixed(2)}x (img/s of epoch ${fitEpochs}); whole folder streamed at peak RSS ${stream.peak_rss_mb.toFixed(0)} MB vs ${needMb.toFixed(0)} MB decoded`);
    const cores = cpus().length;
    const libvips = sharp.versions.vips;
    process.stdout.write(`${JSON.stringify({ count, size, cores, libvips, open_seconds: opens, in_memory_mb: needMb, loader_only: reads, stream, fit: { count: fitCount, epochs: fitEpochs, memory: fitMem, none: fitNone, ratio } })}\n`);
  } finally {
    if (!given) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
