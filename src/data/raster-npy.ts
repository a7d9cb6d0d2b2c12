// NumPy .npy rasters (C, H, W) of uint8, uint16, int16 or float32.
import { open } from 'node:fs/promises';
import type { FileInfo, SampleType } from './decoder.js';
import { rasterError, reason } from './raster-tiff.js';
import { parseNpyHeader, readNpy, type NpyHeader } from './series/npy.js';

/** The .npy dtypes of the raster sample types (any byte order; '|' for one byte). */
const DTYPES: Record<string, SampleType> = { u1: 'uint8', u2: 'uint16', i2: 'int16', f4: 'float32' };

/** Bytes read for a header (NumPy pads it to 64; version 1.0 headers hold at most 65535). */
const HEADER_BYTES = 65536 + 12;

/** What a (C, H, W) .npy header describes; an Error naming the file for another shape or dtype. */
function infoOf(file: string, h: NpyHeader): FileInfo {
  const type = DTYPES[h.descr.replace(/^[<>|=]/, '')];
  if (!type) throw rasterError(file, `unsupported sample format '${h.descr}' (supported: uint8, uint16, int16, float32)`);
  if (h.shape.length !== 3) throw rasterError(file, `the array has shape (${h.shape.join(', ')}), expected (C, H, W)`);
  const [channels, height, width] = h.shape as [number, number, number];
  if (channels === 0 || height === 0 || width === 0) throw rasterError(file, `the array has shape (${h.shape.join(', ')}), which holds no pixels`);
  return { channels, height, width, sampleType: type };
}

/** Reads a .npy header only (NumPy .npy format, versions 1.0-3.0): the array must be (C, H, W) of u1, u2, i2 or f4. */
export async function probeNpy(file: string): Promise<FileInfo> {
  let head: Buffer;
  try {
    const fh = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await fh.read(Buffer.alloc(HEADER_BYTES), 0, HEADER_BYTES, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw rasterError(file, `cannot read the file (${reason(e)})`);
  }
  return infoOf(file, header(file, head));
}

function header(file: string, head: Buffer): NpyHeader {
  try {
    return parseNpyHeader(file, head);
  } catch (e) {
    throw rasterError(file, reason(e).replace(`${file}: `, ''));
  }
}

/** Reads a (C, H, W) .npy raster (`readNpy`) as floats. */
export async function readNpyRaster(file: string): Promise<{ info: FileInfo; data: Float32Array }> {
  const info = await probeNpy(file);
  try {
    const a = await readNpy(file);
    return { info, data: Float32Array.from(a.values as Float64Array) }; // (C, H, W)
  } catch (e) {
    throw rasterError(file, reason(e).replace(`${file}: `, ''));
  }
}
