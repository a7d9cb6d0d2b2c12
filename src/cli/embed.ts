// `contrastive embed --run DIR [--data ...] --out FILE`: the backbone embeddings of a dataset,
// streamed to a safetensors file (float32 (N, D), tensor `embeddings`) with an ids file beside it.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { type Command, Option } from 'commander';
import type { Dataset } from '../data/index.js';
import { embedOptions, loadRun, readRunConfig } from '../run/index.js';
import { embedToFile } from '../search/index.js';
import { log } from '../train/index.js';
import { int, printJson, sigintSignal } from './options.js';

interface EmbedFlags { run: string; data?: string; split?: 'train' | 'test'; out: string; batchSize?: number; progress?: boolean; json?: boolean }

/** What `contrastive embed --json` prints. */
export interface EmbedResult {
  embeddings: string;
  ids: string;
  count: number;
  /** Images left out because they could not be read (named on stderr as they were met). */
  skipped: number;
  dim: number;
  data: string;
  split: 'train' | 'test' | null;
  /** Seconds embedding and writing (not loading the run and data), and images per second over them. */
  seconds: number;
  images_per_second: number;
  load_seconds: number;
  device: string;
  bf16: boolean;
}

/** The `embed` bar on stderr: images done, images/s and ETA (nothing without a terminal). */
function progressBar(enabled: boolean, total: number): { update(done: number): void; stop(): void } {
  const bar = enabled && process.stderr.isTTY
    ? new cliProgress.SingleBar({
      stream: process.stderr,
      format: 'embed |{bar}| {value}/{total} images {ips} img/s ETA {eta_formatted}',
      hideCursor: true,
    }, cliProgress.Presets.shades_classic)
    : null;
  const t0 = performance.now();
  bar?.start(total, 0, { ips: '-' });
  return {
    update: (done) => bar?.update(done, { ips: Math.round(done / ((performance.now() - t0) / 1000)) }),
    stop: () => bar?.stop(),
  };
}

/** The dataset of `data` to embed: a built-in's split, a folder's train/ or test/, or the folder itself. */
function pickSplit(train: Dataset, test: Dataset | null, data: string, split: 'train' | 'test' | undefined): { ds: Dataset; split: 'train' | 'test' | null } {
  if (test === null) {
    if (split) throw new Error(`--split ${split}: ${data} has no train/ and test/ sub-folders; it is embedded whole (leave out --split)`);
    return { ds: train, split: null };
  }
  const s = split ?? 'test';
  return { ds: s === 'train' ? train : test, split: s };
}

/** Registers `contrastive embed` on the program. */
export function registerEmbed(p: Command): void {
  p.command('embed')
    .description('write the backbone embeddings of a dataset to a safetensors file (float32 (N, D), tensor "embeddings"), '
      + 'streamed batch by batch, and an ids file beside it (FILE with its extension replaced by .ids.json: '
      + 'row names (image paths relative to the folder, or indices into the split), labels and class names)')
    .requiredOption('--run <dir>', 'the run folder (from contrastive train)')
    .option('--data <name|path>', "fashion-mnist, mnist or a folder of images (default: the run's own data)")
    .addOption(new Option('--split <name>', 'train or test: the part of fashion-mnist/mnist, or of a folder with train/ and test/ (default test)').choices(['train', 'test']))
    .requiredOption('--out <file>', 'the embeddings file to write (e.g. emb.safetensors)')
    .option('--batch-size <n>', 'images per forward pass and per write (default 1024)', int('--batch-size'))
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', '\nExample:\n  contrastive embed --run runs/default --data fashion-mnist --split test --out fm-test.safetensors\n'
      + '  (writes fm-test.safetensors and fm-test.ids.json)')
    .action(async (f: EmbedFlags) => {
      if (f.batchSize !== undefined && f.batchSize < 1) throw new Error(`--batch-size must be at least 1, got ${f.batchSize}`);
      const out = resolve(f.out);
      if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new Error(`--out: no such folder: ${dirname(out)}`);
      if (existsSync(out) && statSync(out).isDirectory()) throw new Error(`--out: ${out} is a folder; name a file`);
      const runData = readRunConfig(f.run).data;
      const data = f.data ?? runData;
      const builtin = (d: string): boolean => d === 'fashion-mnist' || d === 'mnist';
      if (builtin(runData) !== builtin(data)) {
        throw new Error(`--data ${data}: the run was trained on ${builtin(runData) ? `${runData} (1-channel 28x28 images)` : `an image folder (RGB)`}; `
          + `its backbone cannot embed ${builtin(data) ? `${data} (1-channel 28x28 images)` : 'an image folder (read as RGB)'}`);
      }
      const tl = performance.now();
      const { config: c, splits, method } = await loadRun(f.run, { data, trainLimit: 0, testLimit: 0 });
      const loadSeconds = (performance.now() - tl) / 1000;
      const sigint = sigintSignal('stopping after this batch; no file is left behind');
      try {
        const { ds, split } = pickSplit(splits.train, splits.test, data, f.split);
        const embed = embedOptions(c);
        const bf16 = embed.bf16;
        const bar = progressBar(f.progress ?? true, ds.length);
        const t0 = performance.now();
        let r;
        try {
          r = await embedToFile(method.backbone, ds, out, {
            ...embed, batchSize: f.batchSize,
            source: { data, split, run: resolve(f.run) }, onProgress: (done) => bar.update(done), signal: sigint.signal,
          });
        } finally {
          bar.stop();
        }
        const seconds = (performance.now() - t0) / 1000;
        const result: EmbedResult = {
          embeddings: r.embeddings, ids: r.ids, count: r.count, skipped: r.skipped, dim: r.dim, data, split,
          seconds, images_per_second: r.count / seconds, load_seconds: loadSeconds, device: c.device, bf16,
        };
        log(`embedded ${r.count} images of ${data}${split ? ` (${split})` : ''}${r.skipped ? ` (${r.skipped} unreadable, left out)` : ''} to ${r.dim}-d in ${seconds.toFixed(1)} s `
          + `(${Math.round(result.images_per_second)} img/s${bf16 ? ', bf16' : ''}): ${r.embeddings}, ids ${r.ids}`);
        if (f.json) printJson(result);
      } finally {
        sigint.release();
        method.dispose();
      }
    });
}
