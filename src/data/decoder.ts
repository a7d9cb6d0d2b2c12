// What a folder dataset needs to read one kind of file: its header (cheap, for the index) and
// its pixels (on demand). Images (jpg, png, webp through sharp) and rasters (GeoTIFF, multi-page
// TIFF, .npy arrays (C, H, W)) implement it.

/** Sample types a raster file may store. */
export type SampleType = 'uint8' | 'uint16' | 'int16' | 'float32';

/** What one file holds, from its header only (no pixel decoding). */
export interface FileInfo {
  /** Bands (channels) stored: 1 or 3 (or 4 with alpha) for images, any count for rasters. */
  channels: number;
  height: number;
  width: number;
  /** The stored sample type (images: 'uint8'). */
  sampleType: SampleType;
  /** Band names when the file declares them (a GeoTIFF's band descriptions), else absent. */
  bandNames?: string[];
}

/** How a file is decoded to one dataset item (C, H, W). */
export interface DecodeTarget {
  /** Bands of the item: for images 1 (luma) or 3 (RGB); for rasters the file's band count. */
  channels: number;
  height: number;
  width: number;
  /** 'cover': scale to cover the size, centre-crop (aspect kept); 'fill': scale each side (aspect not kept). */
  fit: 'cover' | 'fill';
}

/**
 * A decoder of one family of files. `output` says what `decode` returns: 'uint8' bytes (images,
 * 0-255; the loader divides by 255) or 'float32' values (rasters: the stored values as floats,
 * before any per-band normalisation).
 */
export interface FileDecoder {
  /** A name for messages, e.g. 'image' or 'raster'. */
  readonly name: string;
  /** The file extensions it reads, lower case with the dot. */
  readonly extensions: readonly string[];
  readonly output: 'uint8' | 'float32';
  /** Reads the file's header; throws an Error naming the file when it is not readable. */
  probe(file: string): Promise<FileInfo>;
  /** Decodes the file to (C, H, W) at `target`; throws an Error naming the file on a corrupt, truncated or missing file. */
  decode(file: string, target: DecodeTarget): Promise<Uint8Array | Float32Array>;
}
