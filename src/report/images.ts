// Images as small PNG thumbnails in data: URIs (through sharp), for the report's map tooltips
// and neighbour galleries.
import sharp from 'sharp';
import type { Dataset } from '../data/index.js';

/** Largest thumbnail side in pixels: bigger images are scaled down to fit (the page scales them up crisply). */
export const THUMBNAIL_SIDE = 64;

/** Whether a dataset holds images (C, H, W) of any number of bands (else sequences or vectors: no thumbnails). */
export function isImageDataset(ds: Dataset): boolean {
  return ds.sampleShape.length === 3;
}

/**
 * Whether images of `channels` channels whose values (as the loader hands them on: uint8 scaled
 * to [0, 1]) span [`min`, `max`] are drawn as they are (gray or RGB, [0, 1] to 0-255): 1 or 3
 * channels within [0, 1]. Any other image (multi-band, or standardised values) is drawn as a
 * Composite (composite.ts).
 */
export function drawnAsIs(channels: number, min: number, max: number): boolean {
  return (channels === 1 || channels === 3) && min >= 0 && max <= 1;
}

/**
 * PNG data: URI of one image stored channel-first (C, H, W) at `offset` in `data` (uint8 0-255,
 * or float in [0, 1], clamped), scaled down to fit THUMBNAIL_SIDE when larger.
 */
export async function pngDataUri(data: Uint8Array | Float32Array, offset: number, shape: readonly number[]): Promise<string> {
  const [c, h, w] = shape as [number, number, number];
  const hwc = new Uint8Array(h * w * c); // (H, W, C), what sharp's raw input takes
  const scale = data instanceof Uint8Array ? 1 : 255;
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < h * w; p++) {
      const v = data[offset + ch * h * w + p]! * scale;
      hwc[p * c + ch] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  let img = sharp(hwc, { raw: { width: w, height: h, channels: c as 1 | 3 } });
  if (Math.max(h, w) > THUMBNAIL_SIDE) img = img.resize({ width: THUMBNAIL_SIDE, height: THUMBNAIL_SIDE, fit: 'inside' });
  const png = await img.png({ compressionLevel: 9 }).toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
