// NumPy .npy files: a small parser of the format's header, and series from (N, T) or (N, T, C) arrays.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SeriesFormatError } from './errors.js';
import { packSeries, type SeriesCommonOptions, type SeriesItem } from './pack.js';
import type { SeriesDataset } from './series-dataset.js';
import { checkFile } from './text.js';

/** An array read from a .npy file: numbers (any numeric dtype, as float64) or strings ('U' / 'S' dtypes), C order. */
export interface NpyArray {
  shape: number[];
  /** The dtype as the header wrote it, e.g. '<f4'. */
  descr: string;
  values: Float64Array | string[];
}

const MAGIC = '\x93NUMPY';

/**
 * Reads a .npy file (NumPy's format, versions 1.0, 2.0 and 3.0 headers): numeric dtypes (bool,
 * int8-64, uint8-64, float16/32/64, either byte order) and fixed-width strings ('U', 'S'), in C
 * order. Fortran order, structured and object (pickled) arrays are a `SeriesFormatError`.
 */
/** A .npy header: the array's shape and dtype, and where its values start. */
export interface NpyHeader {
  shape: number[];
  /** The dtype as the header wrote it, e.g. '<f4'. */
  descr: string;
  /** Byte offset of the first value. */
  dataOffset: number;
}

/**
 * Parses the header of a .npy file (NumPy's format, versions 1.0, 2.0 and 3.0) from `buf`, the
 * file's first bytes (all of the header, or more); a malformed, cut or Fortran-order header is a
 * `SeriesFormatError` naming `file`.
 */
export function parseNpyHeader(file: string, buf: Buffer): NpyHeader {
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== MAGIC) throw new SeriesFormatError(file, null, 'not a .npy file (no \\x93NUMPY magic)');
  const major = buf[6]!;
  if (major < 1 || major > 3) throw new SeriesFormatError(file, null, `unsupported .npy version ${major}.${buf[7]}`);
  if (major > 1 && buf.length < 12) throw new SeriesFormatError(file, null, 'the header is cut short');
  const [len, start] = major === 1 ? [buf.readUInt16LE(8), 10] : [buf.readUInt32LE(8), 12];
  if (start + len > buf.length) throw new SeriesFormatError(file, null, 'the header is cut short');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + len);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined) throw new SeriesFormatError(file, null, `unsupported dtype (structured arrays are not series): ${header.trim()}`);
  if (fortran === undefined || shapeText === undefined) throw new SeriesFormatError(file, null, `a malformed header: ${header.trim()}`);
  if (fortran === 'True') throw new SeriesFormatError(file, null, 'Fortran order is not supported: save the array in C order (np.ascontiguousarray)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SeriesFormatError(file, null, `a malformed shape (${shapeText})`);
  return { shape, descr, dataOffset: start + len };
}

/**
 * Reads a .npy file (NumPy's format, versions 1.0, 2.0 and 3.0 headers): numeric dtypes (bool,
 * int8-64, uint8-64, float16/32/64, either byte order) and fixed-width strings ('U', 'S'), in C
 * order. Fortran order, structured and object (pickled) arrays are a `SeriesFormatError`.
 */
export async function readNpy(file: string): Promise<NpyArray> {
  await checkFile(file);
  const buf = await readFile(file);
  const { shape, descr, dataOffset: data } = parseNpyHeader(file, buf);
  const m = /^([<>|=]?)([biufUS])(\d+)$/.exec(descr);
  if (!m) throw new SeriesFormatError(file, null, `unsupported dtype '${descr}' (numbers and fixed-width strings only; object arrays are pickled)`);
  const [, order, kind, sizeText] = m as unknown as [string, string, string, string];
  const size = Number(sizeText);
  const count = shape.reduce((a, b) => a * b, 1);
  const item = kind === 'U' ? 4 * size : size;
  if (data + count * item > buf.length) throw new SeriesFormatError(file, null, `cut short: ${count} values of '${descr}' need ${count * item} bytes, the file holds ${buf.length - data}`);
  const view = new DataView(buf.buffer, buf.byteOffset + data, count * item);
  const le = order !== '>';
  if (kind === 'U' || kind === 'S') {
    const decode = kind === 'U'
      ? (k: number) => String.fromCodePoint(...Array.from({ length: size }, (_, j) => view.getUint32(k * item + 4 * j, le)).filter((cp) => cp !== 0))
      : (k: number) => buf.toString('latin1', data + k * item, data + (k + 1) * item).replace(/\0+$/, '');
    return { shape, descr, values: Array.from({ length: count }, (_, k) => decode(k)) };
  }
  const get = reader(view, kind, size, le);
  if (!get) throw new SeriesFormatError(file, null, `unsupported dtype '${descr}'`);
  const values = new Float64Array(count);
  for (let k = 0; k < count; k++) values[k] = get(k * size);
  return { shape, descr, values };
}

/** Reads one value of a numeric dtype at a byte offset. */
function reader(v: DataView, kind: string, size: number, le: boolean): ((at: number) => number) | null {
  const key = `${kind}${size}`;
  switch (key) {
    case 'b1': case 'u1': return (at) => v.getUint8(at);
    case 'i1': return (at) => v.getInt8(at);
    case 'i2': return (at) => v.getInt16(at, le);
    case 'u2': return (at) => v.getUint16(at, le);
    case 'i4': return (at) => v.getInt32(at, le);
    case 'u4': return (at) => v.getUint32(at, le);
    case 'i8': return (at) => Number(v.getBigInt64(at, le));
    case 'u8': return (at) => Number(v.getBigUint64(at, le));
    case 'f2': return (at) => half(v.getUint16(at, le));
    case 'f4': return (at) => v.getFloat32(at, le);
    case 'f8': return (at) => v.getFloat64(at, le);
    default: return null;
  }
}

/** An IEEE 754 half-precision value from its bits. */
function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export interface NpySeriesOptions extends SeriesCommonOptions {
  /**
   * The labels: a .npy file of N integers or strings, or an array of N labels; null: none.
   * Default: a sibling file, the first that exists of `NAME.labels.npy`, `NAME_labels.npy` and,
   * for `X...npy`, `y...npy` (X_train.npy and y_train.npy, the scikit-learn naming).
   */
  labels?: string | readonly (string | number)[] | null;
}

/**
 * The series of an array: (N, T) univariate or (N, T, C), or (T) / (T, C) for one series
 * (`single`). NaN steps (every channel NaN) at the end of a series pad it: it ends before them;
 * a NaN or infinity elsewhere is an error naming the series and step.
 */
export function seriesOfArray(file: string, a: NpyArray, single: boolean): { items: SeriesItem[]; channels: number } {
  if (!(a.values instanceof Float64Array)) throw new SeriesFormatError(file, null, `holds strings ('${a.descr}'), not numbers`);
  const dims = single ? [1, ...a.shape] : a.shape;
  if (dims.length !== 2 && dims.length !== 3) {
    throw new SeriesFormatError(file, null, `shape (${a.shape.join(', ')}) is not ${single ? '(T) or (T, C)' : '(N, T) or (N, T, C)'}`);
  }
  const [n, t, c] = [dims[0]!, dims[1]!, dims[2] ?? 1];
  if (n === 0 || t === 0 || c === 0) throw new SeriesFormatError(file, null, `shape (${a.shape.join(', ')}) holds no values`);
  const v = a.values;
  const items: SeriesItem[] = [];
  const name = (i: number): string => (single ? 'the series' : `series ${i}`);
  for (let i = 0; i < n; i++) {
    const base = i * t * c;
    const allNaN = (s: number): boolean => {
      for (let ch = 0; ch < c; ch++) if (!Number.isNaN(v[base + s * c + ch]!)) return false;
      return true;
    };
    let steps = t;
    while (steps > 0 && allNaN(steps - 1)) steps--;
    if (steps === 0) throw new SeriesFormatError(file, null, `${name(i)} is all NaN`);
    const values = Float32Array.from(v.subarray(base, base + steps * c)); // (steps, C)
    const bad = values.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new SeriesFormatError(file, null, `${name(i)}, step ${Math.floor(bad / c)}: ${values[bad]} (NaN may only pad the end of a series, every channel of its steps)`);
    items.push({ values, steps, label: null, id: null, where: { file, line: null } });
  }
  return { items, channels: c };
}

/** The sibling labels file of `file`, if one exists. */
function siblingLabels(file: string): string | null {
  const dir = dirname(file);
  const stem = basename(file).replace(/\.npy$/i, '');
  const names = [`${stem}.labels.npy`, `${stem}_labels.npy`, ...(/^[Xx]/.test(stem) ? [`y${stem.slice(1)}.npy`] : [])];
  const found = names.map((n) => join(dir, n)).find((p) => existsSync(p));
  return found ?? null;
}

/** The labels option (or sibling file) as N label texts, or null. */
async function labelsFor(file: string, n: number, given: NpySeriesOptions['labels']): Promise<string[] | null> {
  const source = given === undefined ? siblingLabels(file) : given;
  if (source === null) return null;
  let labels: string[];
  let from: string;
  if (typeof source === 'string') {
    const a = await readNpy(source);
    if (!(a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1))) throw new SeriesFormatError(source, null, `labels must have shape (N) or (N, 1), got (${a.shape.join(', ')})`);
    if (a.values instanceof Float64Array) {
      const bad = a.values.findIndex((x) => !Number.isInteger(x));
      if (bad >= 0) throw new SeriesFormatError(source, null, `label ${bad} is ${a.values[bad]}: labels must be integers or strings`);
    }
    labels = Array.from(a.values as ArrayLike<number | string>, String);
    from = source;
  } else if (Array.isArray(source)) {
    labels = source.map((l, i) => {
      if ((typeof l === 'string' && l !== '') || (typeof l === 'number' && Number.isFinite(l))) return String(l);
      throw new TypeError(`labels[${i}] must be a non-empty string or a number, got ${JSON.stringify(l)}`);
    });
    from = 'the labels option';
  } else {
    throw new TypeError(`labels must be a .npy path, an array of labels or null, got ${String(source)}`);
  }
  if (labels.length !== n) throw new SeriesFormatError(typeof source === 'string' ? source : file, null, `${labels.length} labels (${from}) for the ${n} series of ${file}`);
  return labels;
}

/**
 * Series from a .npy file (`readNpy`): (N, T) univariate or (N, T, C) float or integer arrays,
 * C order; NaN steps at the end of a series mark its end (shorter series padded with NaN, as
 * tslearn's `to_time_series_dataset` writes them). Labels from the `labels` option or a sibling
 * .npy (see `NpySeriesOptions.labels`).
 */
export async function readNpySeries(file: string, o: NpySeriesOptions = {}): Promise<SeriesDataset> {
  if (typeof o !== 'object' || o === null) throw new TypeError('readNpySeries: options must be an object');
  const { items, channels } = seriesOfArray(file, await readNpy(file), false);
  const labels = await labelsFor(file, items.length, o.labels);
  if (labels) items.forEach((it, i) => (it.label = labels[i]!));
  return packSeries(items, channels, file, o);
}
