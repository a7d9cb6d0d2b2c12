// `contrastive bench augment`: throughput of a multi-view augmentation preset on batches, the
// figure bench/augment.ts compares with torchvision's transforms in a DataLoader.
import type { Command } from 'commander';
import { Compose, preset, PRESET_INPUTS, TwoViews, type Augmentation, type PresetName } from '../augment/index.js';
import { getNumThreads, manualSeed, memory, scope, setNumThreads, tensor, type Device, type Tensor } from '../tensor/index.js';
import { positiveInt } from './options.js';

/** The presets `bench augment` times: those of images (it feeds image batches). */
const IMAGE_PRESETS = Object.keys(PRESET_INPUTS).filter((p) => PRESET_INPUTS[p as PresetName] === 'image');

/** What `bench augment` measures. */
export interface BenchAugmentOptions {
  preset: PresetName;
  imageSize: number;
  batchSize?: number;
  /** Timed batches. */
  steps?: number;
  /** Untimed batches first. */
  warmup?: number;
  device?: Device;
  threads?: number;
  /** Images (N, 3, S, S) uint8 to augment (cycled); default: synthetic ones. */
  images?: Uint8Array;
  /** The pipelines' `Compose` chunk size (default `COMPOSE_CHUNK_BYTES`; a huge value: one batch). */
  chunkBytes?: number;
}

export interface BenchAugmentResult {
  engine: 'contrastive';
  preset: string;
  image_size: number;
  batch_size: number;
  steps: number;
  views: number;
  device: string;
  threads: number;
  /** Source images per second, each turned into all its views (two for simclr). */
  images_per_second: number;
  ms_per_batch: number;
  /** Minor page faults per timed batch: fresh large buffers from the allocator fault their pages in. */
  minor_page_faults_per_batch: number;
  live_tensors_before: number;
  live_tensors_after: number;
}

/**
 * Synthetic photos-like images: per channel a few random low-frequency waves plus noise, as
 * (n, 3, S, S) uint8 (deterministic in the seed). Random noise alone would flatter no one: every
 * op costs the same on it, but JPEG encoding in the decode benchmark would be unrealistic.
 */
export function syntheticImages(n: number, size: number, seed = 0): Uint8Array {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const out = new Uint8Array(n * 3 * size * size);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const waves = Array.from({ length: 3 }, () => [rnd() * 6, rnd() * 6, rnd() * 6.28, 40 + rnd() * 40]);
      const base = 60 + rnd() * 120;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          let v = base;
          for (const [fx, fy, ph, amp] of waves) v += amp! * Math.sin((fx! * x + fy! * y) / size * 6.28 + ph!);
          v += (rnd() - 0.5) * 20;
          out[((i * 3 + c) * size + y) * size + x] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
  }
  return out;
}

/** `views` with each `Compose` pipeline rebuilt to run `chunkBytes` at a time (unchanged without it). */
function withChunkBytes(views: TwoViews, chunkBytes: number | undefined): TwoViews {
  if (chunkBytes === undefined) return views;
  const rechunk = (a: Augmentation): Augmentation => (a instanceof Compose ? new Compose(a.ops, { chunkBytes }) : a);
  return new TwoViews(rechunk(views.first), rechunk(views.second));
}

/**
 * Times `steps` batches of `batchSize` uint8 images (N, 3, S, S) through the preset's views on
 * `device`: the bytes become a float batch in [0, 1] there (as the loader does), then every view
 * is computed. Counts source images per second.
 */
export function benchAugment(o: BenchAugmentOptions): BenchAugmentResult {
  const size = o.imageSize, batch = o.batchSize ?? 256, steps = o.steps ?? 20, warmup = o.warmup ?? 3;
  const device: Device = o.device ?? 'cpu';
  for (const [k, v] of [['image-size', size], ['batch-size', batch], ['steps', steps]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`bench augment: --${k} must be a positive integer, got ${String(v)}`);
  }
  if (o.threads !== undefined) setNumThreads(o.threads);
  const t = withChunkBytes(preset(o.preset, { size }), o.chunkBytes);
  const per = 3 * size * size;
  const pool = o.images ?? syntheticImages(Math.min(batch, 256), size);
  const nPool = pool.length / per;
  if (!Number.isInteger(nPool) || nPool < 1) throw new Error(`bench augment: images must hold (N, 3, ${size}, ${size}) bytes`);
  const batches = Array.from({ length: 4 }, (_, b) => {
    const bytes = new Uint8Array(batch * per);
    for (let i = 0; i < batch; i++) bytes.set(pool.subarray(((b * batch + i) % nPool) * per, (((b * batch + i) % nPool) + 1) * per), i * per);
    return bytes;
  });
  manualSeed(0);
  const before = memory().tensors;
  let views = 0;
  const step = (k: number): number => scope(() => {
    const x: Tensor = tensor(batches[k % batches.length]!, { shape: [batch, 3, size, size] }).to({ device, dtype: 'float32' }).div_(255);
    const v = t.views(x);
    views = v.length;
    return device === 'cpu' ? 0 : v[v.length - 1]!.sum().item(); // waits for the device
  });
  for (let i = 0; i < warmup; i++) step(i);
  const faults0 = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step(i);
  const ms = (performance.now() - t0) / steps;
  const faults = (process.resourceUsage().minorPageFault - faults0) / steps;
  return {
    engine: 'contrastive', preset: o.preset, image_size: size, batch_size: batch, steps, views, device, threads: getNumThreads(),
    images_per_second: (batch * 1000) / ms, ms_per_batch: ms, minor_page_faults_per_batch: faults, live_tensors_before: before, live_tensors_after: memory().tensors,
  };
}

/** Registers `contrastive bench augment` under `bench`. */
export function registerBenchAugment(bench: Command): void {
  bench.command('augment')
    .description('time a multi-view augmentation preset on batches of uint8 images (images/s counts source images, each turned into all its views)')
    .option('--preset <name>', `an image preset (${IMAGE_PRESETS.join(', ')})`, 'simclr')
    .option('--image-size <n>', 'output side (inputs have the same side)', positiveInt('--image-size'), 32)
    .option('--batch-size <n>', 'images per batch', positiveInt('--batch-size'), 256)
    .option('--steps <n>', 'timed batches', positiveInt('--steps'), 20)
    .option('--warmup <n>', 'untimed batches first', (v) => Number(v), 3)
    .option('--device <device>', 'cpu or cuda', 'cpu')
    .option('--threads <n>', 'intra-op threads (default: all cores)', positiveInt('--threads'))
    .option('--json', 'print one JSON object on stdout')
    .action((o: { preset: string; imageSize: number; batchSize: number; steps: number; warmup: number; device: string; threads?: number; json?: boolean }) => {
      if (!IMAGE_PRESETS.includes(o.preset)) throw new Error(`--preset must be one of ${IMAGE_PRESETS.join(', ')}, got '${o.preset}'`);
      if (o.device !== 'cpu' && o.device !== 'cuda') throw new Error(`--device must be cpu or cuda, got '${o.device}'`);
      if (!Number.isInteger(o.warmup) || o.warmup < 0) throw new Error('--warmup must be a non-negative integer');
      const r = benchAugment({ ...o, preset: o.preset as PresetName, device: o.device as Device });
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`${r.preset} ${r.image_size}x${r.image_size}, batch ${r.batch_size}, ${r.views} views on ${r.device} (${r.threads} threads): ${r.images_per_second.toFixed(0)} images/s, ${r.ms_per_batch.toFixed(1)} ms/batch\n`);
    });
}
