// The image decoder: jpg, png and webp through sharp (libvips), to (C, H, W) uint8 bytes.
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import type { DecodeTarget, FileDecoder, FileInfo } from './decoder.js';

/**
 * Decodes one file to (C, H, W) bytes: EXIF orientation applied, resized ('cover' + centre
 * crop, or 'fill') to height x width, alpha dropped, RGB or grayscale. Throws on a corrupt file.
 * The file is read whole first and sharp decodes the bytes: on 128x128 JPEGs that measured
 * 1.15-1.35x the rate of handing sharp the path (libvips then opens and checks the file itself).
 */
export async function decodeImage(file: string, height: number, width: number, channels: 1 | 3, fit: 'cover' | 'fill' = 'cover'): Promise<Uint8Array> {
  let img = sharp(await readFile(file), { failOn: 'warning' }).rotate().resize(width, height, { fit, position: 'centre' });
  img = channels === 1 ? img.grayscale() : img.toColourspace('srgb');
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) throw new Error(`decoded to ${info.width}x${info.height}, expected ${width}x${height}`);
  const c = info.channels;
  const hw = height * width;
  if (c === channels && c === 1) return new Uint8Array(data.buffer, data.byteOffset, hw);
  const out = new Uint8Array(channels * hw); // (C, H, W) from sharp's (H, W, c)
  for (let ch = 0; ch < channels; ch++) {
    const from = Math.min(ch, c - 1); // a 1-channel decode fills every RGB channel
    const plane = out.subarray(ch * hw, (ch + 1) * hw);
    for (let p = 0, q = from; p < hw; p++, q += c) plane[p] = data[q]!;
  }
  return out;
}

/** sharp's message on one line, after the file's path. */
function failure(file: string, e: unknown): Error {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Error(`${file}: the file is missing (deleted or moved since the folder was indexed)`);
  const reason = (e as Error).message.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
  return new Error(`${file}: ${reason}`);
}

/**
 * Images (jpg, jpeg, png, webp) through sharp: `probe` reads the header (size after EXIF
 * orientation, channels), `decode` is `decodeImage` (item channels 1 or 3, 'uint8' output).
 */
export const imageDecoder: FileDecoder = {
  name: 'image',
  extensions: ['.jpg', '.jpeg', '.png', '.webp'],
  output: 'uint8',
  async probe(file: string): Promise<FileInfo> {
    let m: Metadata;
    try {
      m = await sharp(file).metadata();
    } catch (e) {
      throw failure(file, e);
    }
    if (!m.width || !m.height || !m.channels) throw new Error(`${file}: no image size in the header`);
    const turned = (m.orientation ?? 1) >= 5; // EXIF orientations 5-8 rotate by 90 degrees
    return { channels: m.channels, height: turned ? m.width : m.height, width: turned ? m.height : m.width, sampleType: 'uint8' };
  },
  async decode(file: string, t: DecodeTarget): Promise<Uint8Array> {
    if (t.channels !== 1 && t.channels !== 3) throw new RangeError(`imageDecoder: channels must be 1 or 3, got ${t.channels}`);
    try {
      return await decodeImage(file, t.height, t.width, t.channels, t.fit);
    } catch (e) {
      throw failure(file, e);
    }
  },
};
