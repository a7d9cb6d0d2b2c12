// The report's grid of augmented views: the run's own augmentation (buildViews) drawn on a few
// images and laid out by writeViewGrid, returned as a PNG data: URI.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeViewGrid } from '../augment/index.js';
import type { Dataset } from '../data/index.js';
import { getRngState, keep, manualSeed, scope, setRngState, tensor, type Tensor } from '../tensor/index.js';
import { buildViews, type TrainConfig } from '../run/index.js';
import { isImageDataset } from './images.js';

/** The augmented-views figure: a PNG and what it shows. */
export interface ViewGrid {
  /** PNG data: URI; row i is image i, then its views. */
  png: string;
  /** The augmentation, as its `name` describes it. */
  augmentation: string;
  rows: number;
  /** Views per image (columns after the original). */
  views: number;
}

/**
 * Draws the run's augmentation (`buildViews(config, ...)`) on the dataset items `indices` and lays
 * out originals and views with writeViewGrid (upscaled so that small images stay visible).
 * Deterministic: the engine's generator is seeded with `seed` for the draw and restored after,
 * so the caller's random stream is untouched. Null for a dataset of vectors.
 */
export async function augmentedViewGrid(config: TrainConfig, ds: Dataset, indices: Int32Array, seed: number): Promise<ViewGrid | null> {
  if (!isImageDataset(ds) || indices.length === 0) return null;
  const views = buildViews(config, ds.sampleShape);
  const raw = await ds.read(Int32Array.from(indices));
  const n = raw.indices.length;
  if (n === 0) return null;
  const shape = [n, ...ds.sampleShape];
  const saved = keep(getRngState());
  let columns: Tensor[];
  try {
    manualSeed(seed);
    columns = scope(() => {
      const x = raw.data instanceof Uint8Array
        ? tensor(raw.data, { shape }).to('float32').div(255) // (N, C, H, W) in [0, 1], as the loader makes them
        : tensor(raw.data, { shape });
      return [x, ...views.views(x)].map((t) => t.to('cpu'));
    });
  } finally {
    setRngState(saved);
    saved.dispose();
  }
  const dir = mkdtempSync(join(tmpdir(), 'contrastive-report-'));
  try {
    const file = join(dir, 'views.png');
    const side = Math.max(...columns.map((c) => c.shape[3]!));
    await writeViewGrid(file, columns, { rows: n, scale: Math.max(1, Math.floor(96 / side)), padding: 4 });
    return { png: `data:image/png;base64,${readFileSync(file).toString('base64')}`, augmentation: views.name, rows: n, views: columns.length - 1 };
  } finally {
    columns.forEach((c) => c.dispose());
    rmSync(dir, { recursive: true, force: true });
  }
}
