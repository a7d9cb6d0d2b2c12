// The nearest-neighbour index the browser example (examples/browser/) searches: the exported
// model, the embeddings of a set of images, and their ids, labels and thumbnails.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../io/index.js';
import type { ImageBatch } from './engine.js';

/** The bands of a multi-band export, as its metadata ('contrastive.bands', index.json's `bands`) records them. */
export interface ExportBands {
  count: number;
  /** Band names when the files declare them (e.g. Sentinel-2's B1..B12, B8A). */
  names?: string[];
  /** Per band: the graph computes (raw - mean) / std. */
  mean: number[];
  std: number[];
}

/** The format tag of index.json. */
export const BROWSER_INDEX_FORMAT = 'contrastive-browser-index/1';

/**
 * How the page must turn an image into the model's input, exactly as evaluation feeds the
 * backbone: resize (cover: scale to cover, centre-crop, as ImageFolder), grayscale for one
 * channel (linear-light Rec. 709 luminance re-encoded to sRGB, as sharp/libvips, rounded to a
 * byte), then each byte / 255 (no mean/std), laid out (1, C, H, W).
 */
export interface BrowserPreprocess {
  /** Absent in indexes written before multi-band models: 'image' then. */
  input?: 'image';
  channels: number;
  height: number;
  width: number;
  fit: 'cover';
  grayscale: 'rec709-linear';
  /** Multiplies each pixel byte: 1 / 255. */
  scale: number;
}

/**
 * How the page turns a multi-band array ((C, H, W) .npy or GeoTIFF) into the model's input:
 * resampled to H x W by nearest neighbour (source pixel floor((i + 0.5) * in / out)), the raw
 * values as float32, laid out (1, C, H, W); the model standardises them (index.json's `bands`).
 */
export interface BrowserBandPreprocess {
  input: 'bands';
  channels: number;
  height: number;
  width: number;
  resize: 'nearest';
}

/** One indexed image. */
export interface BrowserIndexItem {
  /** Its index in the dataset split. */
  id: number;
  label: number | null;
  /** The class name, when labelled. */
  class: string | null;
  /** A PNG data URL of the image as the model saw it. */
  thumbnail: string;
}

/** index.json. */
export interface BrowserIndex {
  format: typeof BROWSER_INDEX_FORMAT;
  /** The ONNX model, relative to the index folder. */
  model: string;
  input: { name: string; shape: number[] };
  output: { name: string; dim: number };
  preprocess: BrowserPreprocess | BrowserBandPreprocess;
  /** A multi-band model's bands (count, names, the mean and std its graph standardises with); absent for image models. */
  bands?: ExportBands;
  /** count x dim float32 little-endian, each row L2-normalised (cosine = dot product). */
  embeddings: { file: string; count: number; dim: number; dtype: 'float32'; normalized: true };
  /** Where the index came from (run folder settings). */
  source: Record<string, string | number | boolean>;
  items: BrowserIndexItem[];
}

/** What `writeBrowserIndex` needs. */
export interface BrowserIndexInput {
  /** The ONNX model bytes, written as `model.onnx` beside the index. */
  model: Uint8Array;
  inputName: string;
  outputName: string;
  images: ImageBatch;
  /** The model's outputs for `images`, row-major (count x dim). */
  embeddings: Float32Array;
  dim: number;
  classes: readonly string[];
  source: Record<string, string | number | boolean>;
  /** A multi-band model: its bands; `images` are then the items' thumbnails (`bandThumbnails`), not its input. */
  bands?: ExportBands;
}

/** What was written. */
export interface BrowserIndexSummary {
  dir: string;
  items: number;
  dim: number;
  files: string[];
}

/** (C, H, W) bytes to a PNG data URL. */
async function thumbnail(pixels: Uint8Array, c: number, h: number, w: number): Promise<string> {
  const hwc = new Uint8Array(c * h * w); // sharp wants interleaved (H, W, C)
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) hwc[p * c + ch] = pixels[ch * h * w + p]!;
  const img = sharp(hwc, { raw: { width: w, height: h, channels: c as 1 | 3 } });
  const png = await (c === 1 ? img.toColourspace('b-w') : img).png().toBuffer(); // a 1-channel PNG for grayscale
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * Display bytes of multi-band items (n, C, H, W) raw values: the `rgb` bands as an RGB composite
 * (or band 0 as gray when `rgb` is null), each stretched linearly from its 2nd to its 98th
 * percentile over all the items to 0-255. Returns (n, 3 or 1, H, W) bytes and their sample shape.
 */
export function bandThumbnails(raw: Float32Array, sampleShape: readonly number[], rgb: readonly number[] | null): { pixels: Uint8Array; sampleShape: number[] } {
  const [c, h, w] = sampleShape as [number, number, number];
  const plane = h * w;
  const n = raw.length / (c * plane);
  const show = rgb ?? [0];
  const pixels = new Uint8Array(n * show.length * plane);
  show.forEach((band, k) => {
    const values = new Float32Array(n * plane);
    for (let i = 0; i < n; i++) values.set(raw.subarray((i * c + band) * plane, (i * c + band + 1) * plane), i * plane);
    const sorted = Float32Array.from(values).sort();
    const lo = sorted[Math.floor(0.02 * (sorted.length - 1))]!;
    const hi = sorted[Math.ceil(0.98 * (sorted.length - 1))]!;
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < plane; p++) pixels[(i * show.length + k) * plane + p] = Math.round(Math.min(255, Math.max(0, (values[i * plane + p]! - lo) * scale)));
    }
  });
  return { pixels, sampleShape: [show.length, h, w] };
}

/**
 * Writes `dir/model.onnx`, `dir/embeddings.f32` (the embeddings, L2-normalised, float32) and
 * `dir/index.json` (BrowserIndex), each atomically.
 */
export async function writeBrowserIndex(dir: string, o: BrowserIndexInput): Promise<BrowserIndexSummary> {
  const [c, h, w] = o.images.sampleShape as [number, number, number]; // the thumbnails' shape
  if (o.images.sampleShape.length !== 3 || (c !== 1 && c !== 3)) {
    throw new Error(`browser index: images must be (C, H, W) with 1 or 3 channels, got [${o.images.sampleShape.join(', ')}]`);
  }
  const n = o.images.indices.length;
  if (o.embeddings.length !== n * o.dim) throw new RangeError(`browser index: ${o.embeddings.length} embedding values for ${n} images of dim ${o.dim}`);
  mkdirSync(dir, { recursive: true });
  const unit = new Float32Array(o.embeddings.length);
  for (let i = 0; i < n; i++) {
    const row = o.embeddings.subarray(i * o.dim, (i + 1) * o.dim);
    let norm = 0;
    for (const v of row) norm += v * v;
    const k = 1 / Math.max(Math.sqrt(norm), 1e-12);
    for (let j = 0; j < o.dim; j++) unit[i * o.dim + j] = row[j]! * k;
  }
  const per = c * h * w;
  const items: BrowserIndexItem[] = [];
  for (let s = 0; s < n; s += 64) { // a few PNG encodes in flight
    const chunk = await Promise.all(Array.from({ length: Math.min(64, n - s) }, (_, k) => thumbnail(o.images.pixels.subarray((s + k) * per, (s + k + 1) * per), c, h, w)));
    chunk.forEach((url, k) => {
      const label = o.images.labels ? o.images.labels[s + k]! : null;
      items.push({ id: o.images.indices[s + k]!, label, class: label === null ? null : o.classes[label] ?? String(label), thumbnail: url });
    });
  }
  const index: BrowserIndex = {
    format: BROWSER_INDEX_FORMAT,
    model: 'model.onnx',
    input: { name: o.inputName, shape: o.bands ? [o.bands.count, h, w] : [c, h, w] },
    output: { name: o.outputName, dim: o.dim },
    preprocess: o.bands ? { input: 'bands', channels: o.bands.count, height: h, width: w, resize: 'nearest' }
      : { input: 'image', channels: c, height: h, width: w, fit: 'cover', grayscale: 'rec709-linear', scale: 1 / 255 },
    ...(o.bands ? { bands: o.bands } : {}),
    embeddings: { file: 'embeddings.f32', count: n, dim: o.dim, dtype: 'float32', normalized: true },
    source: o.source,
    items,
  };
  const files = ['model.onnx', 'embeddings.f32', 'index.json'].map((f) => resolve(join(dir, f)));
  writeFileAtomic(files[0]!, [o.model]);
  writeFileAtomic(files[1]!, [new Uint8Array(unit.buffer)]);
  writeFileAtomic(files[2]!, [Buffer.from(`${JSON.stringify(index)}\n`)]);
  return { dir: resolve(dir), items: n, dim: o.dim, files };
}
