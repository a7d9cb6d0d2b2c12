// Dataset items as the report's figures show them: images as PNG thumbnails, series as previews
// on their figure's shared axes, vectors as nothing.
import { inputKind, type Dataset, type RawBatch } from '../data/index.js';
import { BandAccumulator, stretchImage, type BandChoice, type Composite } from './composite.js';
import { drawnAsIs, isImageDataset, pngDataUri } from './images.js';
import { seriesFigure, seriesThumb, type SeriesFigure, type SeriesThumb, type SeriesValues } from './series.js';

/** What a figure shows of one item: its image (a PNG data: URI), or its series; neither for a vector or an unreadable item. */
export interface Preview {
  /** PNG data: URI of the image, or null (sequences, vectors, an unreadable file). */
  thumb: string | null;
  /** The series, drawn on its figure's axes (sequences only). */
  series?: SeriesThumb;
}

/** `fn` of each item of `ds` at `indices`, in order, read in batches of 512; null for an item the dataset could not read. */
async function readEach<T>(ds: Dataset, indices: Int32Array, fn: (raw: RawBatch, row: number) => T | Promise<T>): Promise<(T | null)[]> {
  const out: (T | null)[] = [];
  for (let start = 0; start < indices.length; start += 512) {
    const want = indices.subarray(start, start + 512);
    const raw = await ds.read(Int32Array.from(want));
    const at = new Map(Array.from(raw.indices, (idx, row) => [idx, row] as const));
    out.push(...await Promise.all(Array.from(want, (idx) => {
      const row = at.get(idx);
      return row === undefined ? null : fn(raw, row);
    })));
  }
  return out;
}

/**
 * Thumbnails (PNG data: URIs) of the dataset items at `indices`, in order: as they are, or with
 * `composite` its stretched bands (`stretchImage`). Null for a dataset that is not of images, and
 * for an item the dataset could not read.
 */
export async function thumbnails(ds: Dataset, indices: Int32Array, composite: Composite | null = null): Promise<(string | null)[]> {
  if (!isImageDataset(ds)) return Array.from(indices, () => null);
  const shape = ds.sampleShape;
  const per = shape.reduce((a, b) => a * b, 1);
  if (!composite) return readEach(ds, indices, (raw, row) => pngDataUri(raw.data, row * per, shape));
  const drawn = [composite.bands.length, shape[1]!, shape[2]!];
  return readEach(ds, indices, (raw, row) => pngDataUri(stretchImage(raw.data, row * per, shape, composite), 0, drawn));
}

/** Whether `p.ds` hands on uint8 data (always within [0, 1] once scaled), by its first item at `p.indices`; true when there is none. */
async function readsUint8(p: { ds: Dataset; indices: Int32Array }): Promise<boolean> {
  return p.indices.length === 0 || (await p.ds.read(p.indices.subarray(0, 1).slice())).data instanceof Uint8Array;
}

/**
 * How one figure of images (from one or more datasets of one sampleShape) draws them: null when
 * they are drawn as they are (`drawnAsIs`: 1 or 3 channels within [0, 1]; uint8 data of 1 or 3
 * channels is not read for it, past one item), else the Composite of all of them (`rgbBands` picks its bands
 * from `bands`, the first dataset's `bandNames` and its channels). Reads every item once.
 */
export async function figureComposite(parts: readonly { ds: Dataset; indices: Int32Array }[], bands: BandChoice = 'auto'): Promise<Composite | null> {
  const first = parts[0]?.ds;
  if (!first || !isImageDataset(first)) return null;
  const shape = first.sampleShape;
  const [c] = shape as [number];
  if ((c === 1 || c === 3) && (await Promise.all(parts.map(readsUint8))).every(Boolean)) return null;
  const names = first.bandNames ?? null;
  const acc = new BandAccumulator(shape, parts.reduce((n, p) => n + p.indices.length, 0), names, bands);
  const per = shape.reduce((a, b) => a * b, 1);
  for (const p of parts) await readEach(p.ds, p.indices, (raw, row) => acc.add(raw.data, row * per));
  return drawnAsIs(c, acc.min, acc.max) ? null : acc.composite(names);
}

/**
 * The valid steps of each series of the sequence dataset `ds` (sampleShape (T, C)) at `indices`,
 * in order, with values as the loader makes them (uint8 data scaled to [0, 1]); null for an item
 * the dataset could not read.
 */
export async function readSeries(ds: Dataset, indices: Int32Array): Promise<(SeriesValues | null)[]> {
  if (inputKind(ds.sampleShape) !== 'sequence') throw new TypeError(`readSeries: the dataset's sampleShape [${ds.sampleShape.join(', ')}] is not a sequence's (T, C)`);
  const [t, c] = ds.sampleShape as [number, number];
  return readEach(ds, indices, (raw, row) => {
    const length = raw.lengths?.[row] ?? t;
    const part = raw.data.subarray(row * t * c, (row * t + length) * c); // (length, C)
    return { length, values: part instanceof Uint8Array ? Float32Array.from(part, (v) => v / 255) : Float32Array.from(part) };
  });
}

/**
 * Previews of the items of one figure, from one or more datasets of one kind (the galleries take
 * test queries and training neighbours), `items[i][j]` for `parts[i].indices[j]`: images as
 * thumbnails, multi-band ones as one Composite (`composite`, see `figureComposite`; its bands
 * from `o.bands`, default 'auto'); series on one SeriesFigure (`figure`), whose scale spans every
 * one of them; nothing for vectors.
 */
export async function previews(parts: readonly { ds: Dataset; indices: Int32Array }[], o: { bands?: BandChoice } = {}): Promise<{ figure: SeriesFigure | null; composite: Composite | null; items: Preview[][] }> {
  const first = parts[0]?.ds;
  if (!first || inputKind(first.sampleShape) !== 'sequence') {
    const composite = await figureComposite(parts, o.bands);
    return { figure: null, composite, items: await Promise.all(parts.map(async (p) => (await thumbnails(p.ds, p.indices, composite)).map((thumb) => ({ thumb })))) };
  }
  const series = await Promise.all(parts.map((p) => readSeries(p.ds, p.indices)));
  const steps = Math.max(...parts.map((p) => p.ds.sampleShape[0]!)); // splits padded apart share the longest time axis
  const figure = seriesFigure(series.flat(), [steps, first.sampleShape[1]!]);
  return { figure, composite: null, items: series.map((list) => list.map((s) => (s ? { thumb: null, series: seriesThumb(s, figure) } : { thumb: null }))) };
}
