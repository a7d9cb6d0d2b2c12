// The raster decoder of folder datasets: multi-band GeoTIFF / TIFF and .npy (C, H, W) files,
// decoded to float32 (C, H, W) at a target size.
import { extname } from 'node:path';
import type { DecodeTarget, FileDecoder, FileInfo } from './decoder.js';
import { probeNpy, readNpyRaster } from './raster-npy.js';
import { resizeRaster } from './raster-resize.js';
import { openTiff, rasterError, readTiffBands } from './raster-tiff.js';

const isNpy = (file: string): boolean => extname(file).toLowerCase() === '.npy';

/**
 * Multi-band rasters, e.g. Sentinel-2's 13 bands: TIFF (TIFF 6.0) and GeoTIFF (OGC GeoTIFF 1.1)
 * through geotiff.js (one page of C samples, chunky or planar, any compression geotiff reads; or
 * pages of one size each holding bands; overviews and masks ignored; band names from GDAL's band
 * descriptions), and NumPy .npy arrays (C, H, W) (NumPy's .npy format). Samples uint8, uint16,
 * int16 or float32; `decode` returns the stored values as float32 (C, H, W), resized when the
 * file's size is not the target's with antialiased bilinear ('cover' or 'fill', `resizeRaster`).
 * Every failure (missing, truncated or corrupt file, unsupported format, wrong band count) is an
 * Error "raster: <file>: <problem>".
 */
export const rasterDecoder: FileDecoder = {
  name: 'raster',
  extensions: ['.tif', '.tiff', '.npy'],
  output: 'float32',
  async probe(file: string): Promise<FileInfo> {
    return isNpy(file) ? probeNpy(file) : (await openTiff(file)).info;
  },
  async decode(file: string, target: DecodeTarget): Promise<Float32Array> {
    const { channels, height, width, fit } = target;
    if (![channels, height, width].every((n) => Number.isInteger(n) && n > 0) || (fit !== 'cover' && fit !== 'fill')) {
      throw new TypeError(`raster: ${file}: a bad target ${JSON.stringify(target)} (positive integer channels, height, width; fit 'cover' or 'fill')`);
    }
    let info: FileInfo;
    let data: Float32Array; // (C, H, W) of the file
    if (isNpy(file)) {
      ({ info, data } = await readNpyRaster(file));
      checkBands(file, info, channels);
    } else {
      const t = await openTiff(file);
      info = t.info;
      checkBands(file, info, channels);
      data = await readTiffBands(file, t);
    }
    if (info.height === height && info.width === width) return data;
    return resizeRaster(data, channels, info.height, info.width, height, width, fit); // (C, h, w)
  },
};

/** Throws unless the file holds the dataset's band count. */
function checkBands(file: string, info: FileInfo, channels: number): void {
  if (info.channels !== channels) throw rasterError(file, `${info.channels} bands, expected ${channels} (the dataset's band count)`);
}
