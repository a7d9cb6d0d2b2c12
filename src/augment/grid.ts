// A PNG grid of augmented views, for reports: one row per image, one column per view.
import sharp from 'sharp';
import { scope, type Tensor } from '../tensor/index.js';
import { checkImages } from './check.js';

export interface GridOptions {
  /** At most this many rows (images); default 8. */
  rows?: number;
  /** Pixels between cells; default 2. */
  padding?: number;
  /** Integer upscaling of every cell (nearest neighbour), e.g. 4 for 28x28 images; default 1. */
  scale?: number;
  /** Background (padding) grey level 0-255; default 255 (white). */
  background?: number;
}

/**
 * Lays out `columns` (each a batch (N, C, H, W) of images in [0, 1], e.g. the original batch
 * followed by its views) as a grid, row i holding sample i of every column, and writes it as a
 * PNG through sharp. Cells take the largest view's size; smaller views (multi-crop) sit top-left.
 * Values are clamped to [0, 1]; 1-channel images are drawn in grey. Returns the grid's size.
 */
export async function writeViewGrid(file: string, columns: readonly Tensor[], o: GridOptions = {}): Promise<{ width: number; height: number }> {
  if (typeof file !== 'string' || file === '') throw new TypeError('writeViewGrid: file must be a path');
  if (!Array.isArray(columns) || columns.length === 0) throw new TypeError('writeViewGrid: columns must be a non-empty array of image batches');
  columns.forEach((c, i) => checkImages(`writeViewGrid columns[${i}]`, c, [1, 3]));
  const n = Math.min(...columns.map((c) => c.shape[0]!));
  const rows = Math.min(n, o.rows ?? 8);
  const pad = o.padding ?? 2;
  const scale = o.scale ?? 1;
  const bg = o.background ?? 255;
  if (!(rows > 0)) throw new RangeError('writeViewGrid: the batches are empty');
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`writeViewGrid: padding must be a non-negative integer, got ${pad}`);
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`writeViewGrid: scale must be a positive integer, got ${scale}`);
  const cellH = Math.max(...columns.map((c) => c.shape[2]!)) * scale;
  const cellW = Math.max(...columns.map((c) => c.shape[3]!)) * scale;
  const width = columns.length * (cellW + pad) + pad;
  const height = rows * (cellH + pad) + pad;
  const out = new Uint8Array(width * height * 3).fill(bg); // (height, width, 3)
  columns.forEach((col, ci) => {
    const [, c, h, w] = col.shape as [number, number, number, number];
    const px = scope(() => col.narrow(0, 0, rows).clamp(0, 1).mul(255).round().to({ dtype: 'uint8', device: 'cpu' }).data()) as Uint8Array; // (rows, C, H, W)
    for (let r = 0; r < rows; r++) {
      const y0 = pad + r * (cellH + pad);
      const x0 = pad + ci * (cellW + pad);
      for (let y = 0; y < h * scale; y++) {
        for (let x = 0; x < w * scale; x++) {
          const src = r * c * h * w + Math.floor(y / scale) * w + Math.floor(x / scale);
          const dst = ((y0 + y) * width + x0 + x) * 3;
          for (let k = 0; k < 3; k++) out[dst + k] = px[src + (c === 3 ? k * h * w : 0)]!;
        }
      }
    }
  });
  await sharp(out, { raw: { width, height, channels: 3 } }).png().toFile(file);
  return { width, height };
}
