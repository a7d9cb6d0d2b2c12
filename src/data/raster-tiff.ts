// TIFF and GeoTIFF rasters through geotiff.js: the pages that hold bands, their sample format,
// band names (GDAL descriptions) and pixels.
import { readFile } from 'node:fs/promises';
import type * as GeoTiff from 'geotiff';
import type { GeoTIFFImage } from 'geotiff';
import { importOptional } from '../tensor/index.js';
import type { FileInfo, SampleType } from './decoder.js';

/** The bands of a TIFF: its full-resolution pages and what they hold. */
export interface TiffRaster {
  info: FileInfo;
  pages: GeoTIFFImage[];
}

/** Pages read at most (a guard against an IFD chain that never ends). */
const MAX_PAGES = 65536;

/** TIFF 6.0 sec. 19 SampleFormat codes, for messages. */
const FORMAT_NAMES: Record<number, string> = { 1: 'uint', 2: 'int', 3: 'float', 4: 'void', 5: 'complex int', 6: 'complex float' };

/** The sample type of (SampleFormat, BitsPerSample), or a description of an unsupported one. */
function sampleType(format: number, bits: number): SampleType | { unsupported: string } {
  if (format === 1 && bits === 8) return 'uint8';
  if (format === 1 && bits === 16) return 'uint16';
  if (format === 2 && bits === 16) return 'int16';
  if (format === 3 && bits === 32) return 'float32';
  if (bits === 1) return { unsupported: '1-bit' };
  return { unsupported: `${FORMAT_NAMES[format] ?? `SampleFormat ${format} `}${bits}` };
}

/** An Error of the raster decoder: "raster: <file>: <problem>". */
export function rasterError(file: string, problem: string): Error {
  return new Error(`raster: ${file}: ${problem}`);
}

/** A thrown value's message on one line. */
export function reason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
}

/**
 * Opens a TIFF (TIFF 6.0; GeoTIFF 1.1, OGC 19-008): one page of C samples (chunky or planar),
 * or several pages of the same size whose samples are concatenated into bands. Pages flagged
 * reduced-resolution (NewSubfileType bit 0: GeoTIFF overviews; old SubfileType 2) or
 * transparency masks (bit 2) are not bands. Band names are GDAL's band descriptions (GDAL_METADATA,
 * tag 42112, `<Item name="DESCRIPTION" sample="i">`), absent when no band declares one (a band
 * without one is named ''). Every strip or tile must lie inside the file (a truncated file is an Error).
 */
export async function openTiff(file: string): Promise<TiffRaster> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw rasterError(file, `cannot read the file (${reason(e)})`);
  }
  if (buf.length < 8) throw rasterError(file, `only ${buf.length} bytes: not a TIFF (its header alone is 8 bytes), truncated or empty`);
  const le = buf.toString('latin1', 0, 2) === 'II';
  if (!le && buf.toString('latin1', 0, 2) !== 'MM') throw rasterError(file, `not a TIFF (its first bytes are not 'II' or 'MM' (TIFF 6.0 sec. 2))`);
  const first = le ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
  if ((le ? buf.readUInt16LE(2) : buf.readUInt16BE(2)) === 42 && first + 2 > buf.length) {
    throw rasterError(file, `the first IFD is at byte ${first}, past the end of the file (${buf.length} bytes): the file is truncated`);
  }
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  // geotiff is an optional peer dependency: a MissingPackageError (outside the try) names it and its install command.
  const { fromArrayBuffer } = await importOptional<typeof GeoTiff>('geotiff', 'reading TIFF and GeoTIFF rasters');
  try {
    const tiff = await fromArrayBuffer(ab);
    const pages: GeoTIFFImage[] = [];
    const seen = new Set<number>();
    for (let i = 0; ; i++) {
      if (i >= MAX_PAGES) throw new Error(`more than ${MAX_PAGES} pages (a looping IFD chain?)`);
      const image = await tiff.getImage(i);
      const dir = image.getFileDirectory();
      const next = dir.nextIFDByteOffset;
      if (next > buf.length) throw new Error(`page ${i}'s next IFD offset ${next} is past the end of the file (${buf.length} bytes): the file is truncated`);
      const sub = Number(dir.getValue('NewSubfileType') ?? 0);
      const oldSub = Number(dir.getValue('SubfileType') ?? 1);
      if ((sub & 0b101) === 0 && oldSub !== 2) {
        await checkExtents(image, i, buf.length, le);
        await checkPredictor(image, i, le);
        pages.push(image);
      }
      if (next === 0) break;
      if (seen.has(next)) throw new Error(`the IFD chain loops back to offset ${next}`);
      seen.add(next);
    }
    if (pages.length === 0) throw new Error('no full-resolution page');
    return { pages, info: await describe(file, pages) };
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('raster: ')) throw e;
    throw rasterError(file, `not a readable TIFF, truncated or corrupt (${reason(e)})`);
  }
}

/**
 * Refuses what geotiff would decode wrong without an error: horizontal differencing (Predictor 2)
 * on 16- or 32-bit samples of a big-endian file, which geotiff (3.0.5) undoes in the host's byte
 * order (its applyPredictor views the big-endian bytes as native Uint16/Uint32 arrays).
 */
async function checkPredictor(image: GeoTIFFImage, page: number, littleEndian: boolean): Promise<void> {
  const bits = image.getBitsPerSample(0);
  if (!littleEndian && bits > 8 && Number(await image.getFileDirectory().loadValue('Predictor') ?? 1) === 2) {
    throw new Error(`page ${page}: a big-endian ('MM') TIFF of ${bits}-bit samples with horizontal differencing (Predictor 2), which geotiff decodes in the wrong byte order; `
      + 'convert it to little-endian: gdal_translate -co ENDIANNESS=LITTLE IN.tif OUT.tif');
  }
}

/** `v` (a 32-bit unsigned value) with its four bytes reversed. */
const swap32 = (v: number): number => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

/**
 * Checks that a page's strips or tiles (offsets + byte counts) lie inside the file. In a
 * big-endian file whose offset arrays geotiff read byte-swapped (geotiff 3.0.5's bug
 * geotiffjs/geotiff.js#535, fixed upstream after it), the error says so and how to convert it.
 */
async function checkExtents(image: GeoTIFFImage, page: number, fileSize: number, littleEndian: boolean): Promise<void> {
  const dir = image.getFileDirectory();
  const tiled = dir.hasTag('TileOffsets');
  const offsets = (await dir.loadValue(tiled ? 'TileOffsets' : 'StripOffsets')) as ArrayLike<number> | undefined;
  const counts = (await dir.loadValue(tiled ? 'TileByteCounts' : 'StripByteCounts')) as ArrayLike<number> | undefined;
  if (!offsets || !counts) throw new Error(`page ${page} has no ${tiled ? 'TileByteCounts' : 'StripOffsets or StripByteCounts'}`);
  for (let k = 0; k < offsets.length; k++) {
    const end = Number(offsets[k]) + Number(counts[k] ?? 0);
    if (end > fileSize) {
      const swapped = !littleEndian && Array.from(offsets, (o, j) => swap32(Number(o)) + swap32(Number(counts[j] ?? 0))).every((e) => e <= fileSize);
      if (swapped) {
        throw new Error(`page ${page}: a big-endian ('MM') TIFF whose ${tiled ? 'tile' : 'strip'} offsets geotiff reads byte-swapped (geotiff 3.0.5, geotiffjs/geotiff.js#535); `
          + 'a newer geotiff reads it, or convert it to little-endian: gdal_translate -co ENDIANNESS=LITTLE IN.tif OUT.tif');
      }
      throw new Error(`page ${page}, ${tiled ? 'tile' : 'strip'} ${k} ends at byte ${end}, past the end of the file (${fileSize} bytes): the file is truncated`);
    }
  }
}

/** The bands, size, sample type and names of the pages; an Error for mixed sizes or an unsupported format. */
async function describe(file: string, pages: GeoTIFFImage[]): Promise<FileInfo> {
  const [height, width] = [pages[0]!.getHeight(), pages[0]!.getWidth()];
  let type: SampleType | null = null;
  const names: string[] = [];
  for (const [p, image] of pages.entries()) {
    if (image.getHeight() !== height || image.getWidth() !== width) {
      throw rasterError(file, `page ${p} is ${image.getWidth()}x${image.getHeight()}, page 0 is ${width}x${height} (the pages of a multi-page TIFF are bands of one size)`);
    }
    for (let s = 0; s < image.getSamplesPerPixel(); s++) {
      const t = sampleType(image.getSampleFormat(s), image.getBitsPerSample(s));
      if (typeof t !== 'string') throw rasterError(file, `unsupported sample format ${t.unsupported} (supported: uint8, uint16, int16, float32)`);
      if (type !== null && t !== type) throw rasterError(file, `unsupported sample format: mixed ${type} and ${t} bands (supported: uint8, uint16, int16, float32, one for all bands)`);
      type = t;
      const meta = await image.getGDALMetadata(s);
      const d = meta?.['DESCRIPTION'];
      names.push(typeof d === 'string' ? d : '');
    }
  }
  return { channels: names.length, height, width, sampleType: type!, ...(names.some((n) => n !== '') ? { bandNames: names } : {}) };
}

/** The pixels of an opened TIFF as floats (C, H, W): the pages' samples in order. */
export async function readTiffBands(file: string, t: TiffRaster): Promise<Float32Array> {
  const { channels, height, width } = t.info;
  const hw = height * width;
  const out = new Float32Array(channels * hw); // (C, H, W)
  let band = 0;
  try {
    for (const image of t.pages) {
      const rasters = await image.readRasters({ interleave: false }); // one (H * W) array per sample
      for (const r of rasters) {
        if (r.length !== hw) throw new Error(`band ${band} decoded to ${r.length} values, expected ${hw}`);
        out.set(r, band++ * hw);
      }
    }
  } catch (e) {
    throw rasterError(file, `cannot decode the pixels (${reason(e)})`);
  }
  return out;
}
