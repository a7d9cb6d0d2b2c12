// Embedding one image file through a run's backbone, decoded exactly as the run's data was: an
// image-folder run through ImageFolder itself (same size, channels, fit), a built-in-data run
// (28x28 grayscale) through the same decoder (`decodeImage`) at that shape.
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { decodeImage, ImageFolder, imageDecoder, rasterDecoder, TensorDataset } from '../data/index.js';
import { embedDataset, NoItemsReadError } from '../eval/index.js';
import { encoderInputKind } from '../nn/index.js';
import { embedOptions, loadRun, readRunConfig, type LoadedRun } from '../run/index.js';
import type { Tensor } from '../tensor/index.js';

/** The files `embedImage` reads: ImageFolder's (images: jpg, png, webp; rasters: tif, tiff, npy). */
export const IMAGE_EXTENSIONS: readonly string[] = [...imageDecoder.extensions, ...rasterDecoder.extensions];

/**
 * The backbone embedding (1, D) float32 of the image `file` under the run in `runDir`, in the
 * current scope; with the run's device, bf16 and channels-last settings (`embedDataset`).
 */
export async function embedImage(runDir: string, file: string): Promise<Tensor> {
  if (!existsSync(file)) throw new Error(`image: no such file: ${file}`);
  if (!statSync(file).isFile()) throw new Error(`image: ${file} is not a file`);
  const ext = extname(file).toLowerCase();
  if (!IMAGE_EXTENSIONS.includes(ext)) throw new Error(`image: ${file}: expected ${IMAGE_EXTENSIONS.join(', ')}`);
  const config = readRunConfig(runDir);
  if (encoderInputKind(config.encoder) === 'sequence') {
    throw new Error(`image: run ${runDir} trained the sequence encoder ${config.encoder} on ${config.data}; query it by --id`);
  }
  const builtin = config.data === 'fashion-mnist' || config.data === 'mnist';
  let run: LoadedRun;
  let tmp: string | null = null;
  try {
    if (builtin) {
      run = await loadRun(runDir, { trainLimit: 0, testLimit: 0 });
    } else {
      // An image folder of this one file, opened as the run's own data is (loadSplits).
      tmp = mkdtempSync(join(tmpdir(), 'contrastive-query-'));
      copyFileSync(file, join(tmp, `query${ext}`));
      run = await loadRun(runDir, { data: tmp, trainLimit: 0, testLimit: 0 });
    }
  } catch (e) {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    const m = (e as Error).message;
    throw new Error(/none of the 1 images/.test(m) ? `image: cannot decode ${basename(file)} (${file})` : m);
  }
  try {
    let ds = run.splits.train;
    if (builtin) {
      const [ch, h, w] = ds.sampleShape as [number, number, number];
      let bytes: Uint8Array;
      try {
        bytes = await decodeImage(file, h, w, ch as 1 | 3);
      } catch (e) {
        throw new Error(`image: cannot decode ${file} (${(e as Error).message.split('\n')[0]})`);
      }
      ds = new TensorDataset(bytes, { shape: [1, ch, h, w] });
    }
    try {
      return await embedDataset(run.method.backbone, ds, embedOptions(run.config));
    } catch (e) {
      if (!(e instanceof NoItemsReadError)) throw e;
      throw new Error(`image: cannot decode ${file} (${ds instanceof ImageFolder ? ds.skipped[0]?.reason ?? 'unreadable' : 'unreadable'})`);
    }
  } finally {
    run.method.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
