// Test writers of raster files: TIFF (TIFF 6.0, Adobe 1992: either byte order, strips or tiles
// (sec. 15), uncompressed or Deflate (Adobe's TIFF Technical Note 2, code 8) with or without the
// horizontal-differencing predictor (sec. 14), chunky or planar, any SamplesPerPixel, optional GDAL
// band descriptions, multi-page and reduced-resolution pages) and NumPy .npy (format version 1.0).
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

/** Sample types the writer stores (more than the reader accepts, to test its errors). */
export type TiffDtype = 'uint8' | 'uint16' | 'int16' | 'float32' | 'int8' | 'uint32' | 'int32' | 'float64';

/** [BitsPerSample, SampleFormat (TIFF 6.0 sec. 19: 1 uint, 2 int, 3 IEEE float)] of each dtype. */
const FORMAT: Record<TiffDtype, [number, number]> = {
  uint8: [8, 1], int8: [8, 2], uint16: [16, 1], int16: [16, 2], uint32: [32, 1], int32: [32, 2], float32: [32, 3], float64: [64, 3],
};

export interface TiffSpec {
  /** Values (C, H, W), row-major. */
  data: ArrayLike<number>;
  bands: number;
  height: number;
  width: number;
  dtype: TiffDtype;
  /** PlanarConfiguration 2 (one strip set per band) instead of 1 (chunky). */
  planar?: boolean;
  /** GDAL_METADATA (tag 42112) band descriptions. */
  bandNames?: readonly string[];
  /** One band per page (IFD) instead of one page of C samples. */
  pages?: boolean;
  /** Rows per strip (default: all rows in one strip). */
  rowsPerStrip?: number;
  /** Square tiles of this side (a multiple of 16) instead of strips; edge tiles are padded. */
  tile?: number;
  /** Deflate-compress each strip or tile (Compression 8), with Predictor 2 (horizontal differencing) when `predictor`. */
  compression?: 'deflate';
  predictor?: boolean;
  /** Appends a reduced-resolution page (NewSubfileType 1) of every 2nd row and column. */
  overview?: boolean;
  /** Byte order 'MM' (Motorola, big-endian) instead of 'II'. */
  bigEndian?: boolean;
  /** Writes these BitsPerSample / SampleFormat values instead of the dtype's (data still written as the dtype). */
  override?: { bitsPerSample?: number; sampleFormat?: number };
}

interface Page {
  data: ArrayLike<number>; // (C, H, W)
  bands: number;
  height: number;
  width: number;
  names?: readonly string[];
  subfileType: number;
}

/** The byte order of the file being written (set by `tiffBytes`, which is synchronous). */
let le = true;

// TIFF 6.0 field types (sec. 2): SHORT 3, LONG 4, ASCII 2.
const SHORT = 3;
const LONG = 4;
const ASCII = 2;

/** The GDAL_METADATA XML of band descriptions, as GDAL writes it. */
function gdalMetadata(names: readonly string[]): string {
  const items = names.map((n, i) => `  <Item name="DESCRIPTION" sample="${i}" role="description">${n}</Item>\n`).join('');
  return `<GDALMetadata>\n${items}</GDALMetadata>\0`;
}

/** Writes a TIFF file (see `TiffSpec`); returns its bytes. */
export function writeTiff(path: string, s: TiffSpec): Uint8Array {
  const bytes = tiffBytes(s);
  writeFileSync(path, bytes);
  return bytes;
}

/** The bytes of a TIFF file (see `TiffSpec`). */
export function tiffBytes(s: TiffSpec): Uint8Array {
  const hw = s.height * s.width;
  if (s.data.length !== s.bands * hw) throw new RangeError(`writeTiff: ${s.data.length} values for (${s.bands}, ${s.height}, ${s.width})`);
  const pages: Page[] = s.pages
    ? Array.from({ length: s.bands }, (_, b) => ({
        data: Array.prototype.slice.call(s.data, b * hw, (b + 1) * hw) as number[], bands: 1, height: s.height, width: s.width,
        ...(s.bandNames ? { names: [s.bandNames[b]!] } : {}), subfileType: 0,
      }))
    : [{ data: s.data, bands: s.bands, height: s.height, width: s.width, ...(s.bandNames ? { names: s.bandNames } : {}), subfileType: 0 }];
  if (s.overview) {
    const h = Math.ceil(s.height / 2);
    const w = Math.ceil(s.width / 2);
    const data: number[] = [];
    for (let c = 0; c < s.bands; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.push(s.data[c * hw + 2 * y * s.width + 2 * x]!);
    pages.push({ data, bands: s.bands, height: h, width: w, subfileType: 1 });
  }
  const [bits, fmt] = FORMAT[s.dtype];
  const bps = s.override?.bitsPerSample ?? bits;
  const sf = s.override?.sampleFormat ?? fmt;
  const size = bits / 8;
  const chunks: Uint8Array[] = [];
  let at = 8; // after the 8-byte header (sec. 2: byte order, 42, offset of the first IFD)
  const header = new DataView(new ArrayBuffer(8));
  le = !s.bigEndian;
  header.setUint16(0, le ? 0x4949 : 0x4d4d); // 'II': little-endian, 'MM': big-endian
  header.setUint16(2, 42, le);
  chunks.push(new Uint8Array(header.buffer));
  const put = (b: Uint8Array): number => {
    const offset = at;
    chunks.push(b);
    at += b.length;
    if (at % 2) { chunks.push(new Uint8Array(1)); at++; } // word boundaries (sec. 2)
    return offset;
  };
  let link = 4; // where the previous IFD offset is written
  const links: [number, number][] = [];
  for (const p of pages) {
    const planar = s.planar === true && p.bands > 1;
    const rows = Math.min(s.rowsPerStrip ?? p.height, p.height);
    if (s.tile !== undefined && (s.tile % 16 !== 0 || s.tile <= 0)) throw new RangeError(`writeTiff: tile must be a positive multiple of 16, got ${s.tile}`);
    // Blocks: strips (all columns, `rows` rows) or tiles (tile x tile, padded at the right and bottom edges).
    const [bh, bw] = s.tile ? [s.tile, s.tile] : [rows, p.width];
    const offsets: number[] = [];
    const counts: number[] = [];
    const phw = p.height * p.width;
    for (const band of planar ? Array.from({ length: p.bands }, (_, b) => b) : [-1]) {
      for (let y0 = 0; y0 < p.height; y0 += bh) for (let x0 = 0; x0 < p.width; x0 += bw) {
        const h = s.tile ? bh : Math.min(bh, p.height - y0);
        const per = band < 0 ? p.bands : 1;
        const view = new DataView(new ArrayBuffer(h * bw * per * size));
        for (let y = 0; y < h; y++) for (let x = 0; x < bw; x++) for (let c = 0; c < per; c++) {
          const inside = y0 + y < p.height && x0 + x < p.width;
          const at = ((y * bw + x) * per + c) * size;
          const v = inside ? p.data[(band < 0 ? c : band) * phw + (y0 + y) * p.width + x0 + x]! : 0;
          // Predictor 2 stores each sample minus the same band's sample to its left (sec. 14), wrapping as the integer type.
          const left = s.predictor && x > 0 && inside ? p.data[(band < 0 ? c : band) * phw + (y0 + y) * p.width + x0 + x - 1]! : 0;
          setSample(view, at, s.dtype, s.predictor ? wrap(s.dtype, v - left) : v);
        }
        const raw = new Uint8Array(view.buffer);
        const block = s.compression === 'deflate' ? new Uint8Array(deflateSync(raw)) : raw;
        offsets.push(put(block));
        counts.push(block.byteLength);
      }
    }
    const layout: [number, number, number[]][] = s.tile
      ? [[322, SHORT, [s.tile]], [323, SHORT, [s.tile]], [324, LONG, offsets], [325, LONG, counts]]
      : [[273, LONG, offsets], [278, LONG, [rows]], [279, LONG, counts]];
    const entries: [number, number, number[] | string][] = [
      [254, LONG, [p.subfileType]],
      [256, LONG, [p.width]],
      [257, LONG, [p.height]],
      [258, SHORT, Array(p.bands).fill(bps)],
      [259, SHORT, [s.compression === 'deflate' ? 8 : 1]],
      [262, SHORT, [1]], // BlackIsZero
      [277, SHORT, [p.bands]],
      [284, SHORT, [planar ? 2 : 1]],
      ...(s.predictor ? [[317, SHORT, [2]] as [number, number, number[]]] : []),
      ...layout,
      ...(p.bands > 1 ? [[338, SHORT, Array(p.bands - 1).fill(0)] as [number, number, number[]]] : []), // ExtraSamples: unspecified
      [339, SHORT, Array(p.bands).fill(sf)],
      ...(p.names ? [[42112, ASCII, gdalMetadata(p.names)] as [number, number, string]] : []),
    ];
    entries.sort((a, b) => a[0] - b[0]); // IFD entries in ascending tag order (sec. 2)
    const ifdAt = writeIfd(entries, put);
    links.push([link, ifdAt]);
    link = ifdAt + 2 + entries.length * 12;
  }
  const out = new Uint8Array(at);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  const dv = new DataView(out.buffer);
  for (const [where, value] of links) dv.setUint32(where, value, le);
  return out;
}

/** Writes an IFD (sec. 2: a count, 12-byte entries sorted by tag, the next IFD's offset (0 here)); values over 4 bytes go before it. */
function writeIfd(entries: [number, number, number[] | string][], put: (b: Uint8Array) => number): number {
  const fields = entries.map(([tag, type, v]) => {
    const bytes = typeof v === 'string' ? new TextEncoder().encode(v) : valueBytes(type, v);
    const count = typeof v === 'string' ? bytes.length : v.length;
    return { tag, type, count, bytes, offset: bytes.length > 4 ? put(bytes) : -1 };
  });
  const ifd = new DataView(new ArrayBuffer(2 + 12 * fields.length + 4));
  ifd.setUint16(0, fields.length, le);
  fields.forEach((f, i) => {
    const e = 2 + 12 * i;
    ifd.setUint16(e, f.tag, le);
    ifd.setUint16(e + 2, f.type, le);
    ifd.setUint32(e + 4, f.count, le);
    if (f.offset >= 0) ifd.setUint32(e + 8, f.offset, le);
    else new Uint8Array(ifd.buffer).set(f.bytes, e + 8); // left-justified in the value field
  });
  return put(new Uint8Array(ifd.buffer));
}

function valueBytes(type: number, v: number[]): Uint8Array {
  const size = type === SHORT ? 2 : 4;
  const dv = new DataView(new ArrayBuffer(v.length * size));
  v.forEach((x, i) => (size === 2 ? dv.setUint16(i * 2, x, le) : dv.setUint32(i * 4, x, le)));
  return new Uint8Array(dv.buffer);
}

/** `x` wrapped into the integer type's range (the predictor's differences), as the type's arithmetic does. */
function wrap(dtype: TiffDtype, x: number): number {
  const bits = FORMAT[dtype][0];
  if (dtype === 'float32' || dtype === 'float64') throw new RangeError('writeTiff: predictor 2 is for integer samples');
  const m = 2 ** bits;
  const u = ((x % m) + m) % m;
  return FORMAT[dtype][1] === 2 && u >= m / 2 ? u - m : u;
}

function setSample(v: DataView, o: number, dtype: TiffDtype, x: number): void {
  switch (dtype) {
    case 'uint8': v.setUint8(o, x); break;
    case 'int8': v.setInt8(o, x); break;
    case 'uint16': v.setUint16(o, x, le); break;
    case 'int16': v.setInt16(o, x, le); break;
    case 'uint32': v.setUint32(o, x, le); break;
    case 'int32': v.setInt32(o, x, le); break;
    case 'float32': v.setFloat32(o, x, le); break;
    case 'float64': v.setFloat64(o, x, le); break;
  }
}

/**
 * Writes a .npy file (NumPy's format, version 1.0: magic, version, a little-endian u16 header
 * length, the header dict padded with spaces to a multiple of 64 bytes, then the values in C order).
 * `dtype` is the descr, e.g. '<u2'; `values` must be the matching typed array (little-endian host).
 */
export function writeNpy(path: string, values: ArrayBufferView, shape: readonly number[], dtype: string): void {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${dims}), }`;
  dict += ' '.repeat(63 - ((10 + dict.length) % 64)) + '\n';
  const head = new Uint8Array(10);
  head.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(head.buffer).setUint16(8, dict.length, true);
  writeFileSync(path, Buffer.concat([head, Buffer.from(dict, 'latin1'), new Uint8Array(values.buffer, values.byteOffset, values.byteLength)]));
}
