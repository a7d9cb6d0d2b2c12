// The report's augmented views: the run's own augmentation (buildViews) drawn on a few training
// items, seeded: images laid out by writeViewGrid as one PNG, series as previews on one figure.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeViewGrid, type ViewTransform } from '../augment/index.js';
import { inputKind, type Dataset, type RawBatch } from '../data/index.js';
import { getRngState, keep, manualSeed, scope, setRngState, tensor, type Tensor } from '../tensor/index.js';
import { buildViews, type TrainConfig } from '../run/index.js';
import { BandAccumulator, stretchImage, type Composite } from './composite.js';
import { drawnAsIs, isImageDataset } from './images.js';
import { seriesFigure, seriesThumb, type SeriesFigure, type SeriesThumb } from './series.js';

/** What every views figure says: the augmentation, as its `name` describes it, and the grid's size. */
interface ViewGridInfo {
  augmentation: string;
  rows: number;
  /** Views per item (columns after the original). */
  views: number;
}

/** The augmented views of images: one PNG data: URI, row i image i, then its views. */
export interface ImageViewGrid extends ViewGridInfo {
  kind: 'image';
  png: string;
  /** Multi-band (or standardised) images: how they are drawn, stretched by the originals' percentiles; null when drawn as they are. */
  composite?: Composite | null;
}

/** The augmented views of sequences: `cells[i]` is series i, then its views, every one on `figure`'s axes. */
export interface SeriesViewGrid extends ViewGridInfo {
  kind: 'sequence';
  figure: SeriesFigure;
  cells: SeriesThumb[][];
}

/** The augmented-views figure. */
export type ViewGrid = ImageViewGrid | SeriesViewGrid;

/**
 * The originals (as the loader makes them: uint8 scaled to [0, 1]) and `views.views(x, lengths)`
 * of `raw`, on the CPU, the engine's generator seeded with `seed` for the draw and restored after
 * (the caller's random stream is untouched). The caller disposes them.
 */
function seededViews(views: ViewTransform, raw: RawBatch, shape: readonly number[], seed: number): Tensor[] {
  const saved = keep(getRngState());
  try {
    manualSeed(seed);
    return scope(() => {
      const x = raw.data instanceof Uint8Array ? tensor(raw.data, { shape }).to('float32').div(255) : tensor(raw.data, { shape }); // (N, C, H, W) or (N, T, C)
      const lengths = raw.lengths ? tensor(raw.lengths).to('int64') : null; // (N), sequences of unequal length only
      return [x, ...views.views(x, lengths)].map((t) => t.to('cpu'));
    });
  } finally {
    setRngState(saved);
    saved.dispose();
  }
}

/** Image columns (N, C, H, W) as one PNG grid (upscaled so that small images stay visible), each drawn through `composite` when given. */
async function imageGrid(columns: readonly Tensor[], composite: Composite | null): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'contrastive-report-'));
  const drawn = composite ? columns.map((col) => stretchColumn(col, composite)) : columns;
  try {
    const file = join(dir, 'views.png');
    const side = Math.max(...drawn.map((c) => c.shape[3]!));
    await writeViewGrid(file, drawn, { rows: drawn[0]!.shape[0]!, scale: Math.max(1, Math.floor(96 / side)), padding: 4 });
    return `data:image/png;base64,${readFileSync(file).toString('base64')}`;
  } finally {
    if (composite) drawn.forEach((c) => c.dispose());
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A column (N, C, H, W) of images as their composite (N, k, H, W) in [0, 1] (`stretchImage`); the caller disposes it. */
function stretchColumn(col: Tensor, composite: Composite): Tensor {
  const [n, c, h, w] = col.shape as [number, number, number, number];
  const values = scope(() => col.to('float32').data() as Float32Array);
  const k = composite.bands.length;
  const out = new Float32Array(n * k * h * w);
  for (let i = 0; i < n; i++) out.set(stretchImage(values, i * c * h * w, [c, h, w], composite), i * k * h * w);
  return tensor(out, { shape: [n, k, h, w] });
}

/** How the originals of `raw` (shape (N, C, H, W)) are drawn: null as they are (`drawnAsIs`), else their Composite. */
function originalsComposite(raw: RawBatch, shape: readonly number[], names: readonly string[] | null, config: TrainConfig): Composite | null {
  const [n, ...item] = shape as [number, number, number, number];
  const acc = new BandAccumulator(item, n, names, config.rgbBands);
  const per = item.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) acc.add(raw.data, i * per);
  return drawnAsIs(item[0]!, acc.min, acc.max) ? null : acc.composite(names);
}

/** Series columns (N, T, C) with the originals' lengths (sequence views keep them) as previews on one figure. */
function seriesGrid(columns: readonly Tensor[], lengths: Int32Array | null): { figure: SeriesFigure; cells: SeriesThumb[][] } {
  const [n, t, c] = columns[0]!.shape as [number, number, number];
  const values = scope(() => columns.map((col) => col.to('float32').data() as Float32Array)); // (N, T, C) each
  const cells = Array.from({ length: n }, (_, i) => values.map((v) => {
    const length = lengths?.[i] ?? t;
    return { length, values: v.subarray(i * t * c, (i * t + length) * c) };
  }));
  const figure = seriesFigure(cells.flat(), [t, c]);
  return { figure, cells: cells.map((row) => row.map((s) => seriesThumb(s, figure))) };
}

/**
 * Draws the run's augmentation (`buildViews(config, ...)`) on the dataset items `indices`, as
 * the loader hands them to it (sequences with their lengths), seeded with `seed`: for images one
 * PNG of originals and views (writeViewGrid), for sequences previews on one figure. Images that
 * are not drawn as they are (`drawnAsIs`: multi-band, standardised) are drawn as the composite of
 * the config's `rgbBands`, every view stretched by the originals' percentiles (so the views'
 * changes of brightness show). Null for a dataset of vectors.
 */
export async function augmentedViewGrid(config: TrainConfig, ds: Dataset, indices: Int32Array, seed: number): Promise<ViewGrid | null> {
  const kind = inputKind(ds.sampleShape);
  if (!(kind === 'sequence' || isImageDataset(ds)) || indices.length === 0) return null;
  const views = buildViews(config, ds.sampleShape);
  const raw = await ds.read(Int32Array.from(indices));
  const n = raw.indices.length;
  if (n === 0) return null;
  const columns = seededViews(views, raw, [n, ...ds.sampleShape], seed);
  try {
    const info = { augmentation: views.name, rows: n, views: columns.length - 1 };
    if (kind === 'sequence') return { kind, ...seriesGrid(columns, raw.lengths ?? null), ...info };
    const composite = originalsComposite(raw, [n, ...ds.sampleShape], ds.bandNames ?? null, config);
    return { kind: 'image', png: await imageGrid(columns, composite), composite, ...info };
  } finally {
    columns.forEach((c) => c.dispose());
  }
}
