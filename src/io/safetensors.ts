// The safetensors format (Hugging Face), read and written in TypeScript from its published
// specification (github.com/huggingface/safetensors, "Format"): an 8-byte little-endian
// unsigned header length N, N bytes of UTF-8 JSON mapping each tensor name to
// { dtype, shape, data_offsets: [begin, end] } (offsets into the data that follows the header)
// plus an optional "__metadata__" map of strings, then the raw little-endian tensor data,
// indexed entirely and without holes or overlaps.
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { type Dtype, Tensor, scope, tensor } from '../tensor/index.js';
import { writeFileAtomic } from './atomic.js';

/** The dtype codes this implementation reads and writes. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Our dtypes' safetensors codes, and back, and each code's element size in bytes. */
export const CODES: Record<Dtype, SafetensorsDtype> = {
  float64: 'F64', float32: 'F32', float16: 'F16', bfloat16: 'BF16', int64: 'I64',
  int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};
export const DTYPES = Object.fromEntries(Object.entries(CODES).map(([d, c]) => [c, d])) as Record<SafetensorsDtype, Dtype>;
export const SIZES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** The largest header accepted (the reference implementation's limit). */
export const MAX_HEADER = 100_000_000;

/** A malformed, torn or unsupported safetensors file; the message names the source and the problem. */
export class SafetensorsError extends Error {
  constructor(source: string, problem: string) {
    super(`safetensors: ${source}: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

/** What a file holds: tensors by name (in file order) and the string metadata. */
export interface Safetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

function checkHost(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: this implementation needs a little-endian host');
}

/** The raw little-endian bytes of `t`, row-major (float16/bfloat16 bit patterns preserved). */
export function bytesOf(t: Tensor): Uint8Array {
  return scope(() => {
    const src = t.dtype === 'float16' || t.dtype === 'bfloat16' ? t.contiguous().view('int16') : t;
    const data = src.data();
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  });
}

/**
 * Serialises tensors (and optional string metadata) to safetensors bytes. Tensors are laid out
 * by element size, largest first, then by name, with the header padded with spaces to a
 * multiple of 8 bytes, so every tensor's data is aligned to its element size.
 */
export function serializeSafetensors(
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array[] {
  checkHost();
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors ?? {});
  if (typeof metadata !== 'object' || metadata === null) throw new TypeError('serializeSafetensors: metadata must be an object of strings');
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TypeError(`serializeSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
  }
  for (const [name, t] of entries) {
    if (name === '__metadata__' || name === '') throw new TypeError(`serializeSafetensors: '${name}' cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new TypeError(`serializeSafetensors: '${name}' is not a Tensor`);
    if (t.isDisposed) throw new Error(`serializeSafetensors: '${name}' has been disposed`);
  }
  const sorted = [...entries].sort(([na, a], [nb, b]) => SIZES[CODES[b.dtype]] - SIZES[CODES[a.dtype]] || (na < nb ? -1 : na > nb ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of sorted) {
    const b = bytesOf(t);
    header[name] = { dtype: CODES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + b.byteLength] };
    offset += b.byteLength;
    blobs.push(b);
  }
  return [...encodeHeader(header), ...blobs];
}

/** The 8-byte header length and the header JSON padded with spaces to a multiple of 8 bytes. */
export function encodeHeader(header: Record<string, unknown>): [Buffer, Buffer] {
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  if (padded > json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  return [head, json];
}

/** Writes a safetensors file atomically (temporary file, fsync, rename). */
export function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/** Where one tensor's bytes lie: [begin, end) counted from the start of the data section. */
export interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

export function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Validates the header completely before any tensor is made. `bytes` holds the file from its
 * start; `dataBytes` is the size of the data section when `bytes` holds only the header (a
 * reader that streams the data), else what follows the header in `bytes`.
 */
export function parseHeader(bytes: Uint8Array, source: string, dataBytes?: number): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  if (bytes.byteLength < 8) {
    throw new SafetensorsError(source, `${bytes.byteLength} bytes is too short to hold the 8-byte header length (truncated file?)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(bytes.byteLength - 8)) {
    throw new SafetensorsError(source, `the header length (${n64} bytes) exceeds the ${bytes.byteLength - 8} bytes after it (truncated or not a safetensors file)`);
  }
  const n = Number(n64);
  if (n > MAX_HEADER) throw new SafetensorsError(source, `the header length ${n} exceeds the limit of ${MAX_HEADER} bytes`);
  if (n < 2) throw new SafetensorsError(source, `the header length ${n} is too small for a JSON object`);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(8, 8 + n));
  if (!text.startsWith('{')) throw new SafetensorsError(source, 'the header does not start with \'{\' (not a safetensors file?)');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(source, `the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SafetensorsError(source, 'the header is not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SafetensorsError(source, '__metadata__ must be an object of strings');
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') throw new SafetensorsError(source, `__metadata__ '${k}' must be a string`);
        metadata[k] = s;
      }
      continue;
    }
    const where = `tensor '${name}'`;
    if (typeof v !== 'object' || v === null) throw new SafetensorsError(source, `${where}: the entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = v as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in SIZES)) {
      throw new SafetensorsError(source, `${where}: unsupported dtype '${String(dtype)}' (supported: ${Object.keys(SIZES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegInt)) throw new SafetensorsError(source, `${where}: shape must be an array of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt) || offsets[0] > offsets[1]) {
      throw new SafetensorsError(source, `${where}: data_offsets must be [begin, end] with 0 <= begin <= end`);
    }
    const numel = shape.reduce((a: number, b: number) => a * b, 1);
    const need = numel * SIZES[dtype as SafetensorsDtype];
    if (!Number.isSafeInteger(need) || offsets[1] - offsets[0] !== need) {
      throw new SafetensorsError(source, `${where}: data_offsets span ${offsets[1] - offsets[0]} bytes, but ${dtype} of shape [${shape.join(', ')}] needs ${need}`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin: offsets[0], end: offsets[1] });
  }
  const dataStart = 8 + n;
  const available = dataBytes ?? bytes.byteLength - dataStart;
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  const needed = byOffset.reduce((m, e) => Math.max(m, e.end), 0);
  if (needed > available) {
    const last = byOffset.find((e) => e.end > available)!;
    throw new SafetensorsError(source, `the data is truncated: tensor '${last.name}' ends at byte ${last.end} of the data, which holds only ${available} bytes`);
  }
  let pos = 0;
  for (const e of byOffset) {
    if (e.begin < pos) throw new SafetensorsError(source, `tensor '${e.name}' overlaps the tensor before it (data_offsets [${e.begin}, ${e.end}], previous end ${pos})`);
    if (e.begin > pos) throw new SafetensorsError(source, `the data has a hole before tensor '${e.name}' (bytes ${pos} to ${e.begin} unindexed)`);
    pos = e.end;
  }
  if (pos !== available) throw new SafetensorsError(source, `${available - pos} bytes of data after the last tensor are not indexed by the header`);
  return { entries, metadata, dataStart };
}

/** A tensor of `e` from its bytes (copied into libtorch memory). */
function makeTensor(bytes: Uint8Array, e: Entry, dataStart: number, source: string): Tensor {
  const size = SIZES[e.dtype];
  const start = bytes.byteOffset + dataStart + e.begin;
  const length = (e.end - e.begin) / size;
  const aligned = start % size === 0;
  const buf = aligned ? bytes.buffer : bytes.buffer.slice(start, start + (e.end - e.begin));
  const off = aligned ? start : 0;
  switch (e.dtype) {
    case 'F64': return tensor(new Float64Array(buf, off, length), { shape: e.shape });
    case 'F32': return tensor(new Float32Array(buf, off, length), { shape: e.shape });
    case 'I64': return tensor(new BigInt64Array(buf, off, length), { shape: e.shape });
    case 'I32': return tensor(new Int32Array(buf, off, length), { shape: e.shape });
    case 'I16': return tensor(new Int16Array(buf, off, length), { shape: e.shape });
    case 'I8': return tensor(new Int8Array(buf, off, length), { shape: e.shape });
    case 'U8': return tensor(new Uint8Array(buf, off, length), { shape: e.shape });
    case 'F16': case 'BF16':
      return scope(() => tensor(new Int16Array(buf, off, length), { shape: e.shape }).view(DTYPES[e.dtype]));
    case 'BOOL': {
      const u8 = new Uint8Array(buf, off, length);
      const bad = u8.findIndex((x) => x > 1);
      if (bad >= 0) throw new SafetensorsError(source, `tensor '${e.name}': BOOL element ${bad} has byte value ${u8[bad]} (must be 0 or 1)`);
      return scope(() => tensor(u8, { shape: e.shape }).to('bool'));
    }
  }
}

/**
 * Parses safetensors bytes. The header is validated completely first (lengths, JSON, dtypes,
 * shapes, offsets in range, no overlaps or holes), so a torn or corrupt file gives a
 * `SafetensorsError` and never a partial result. The tensors are created in the current scope.
 */
export function parseSafetensors(bytes: Uint8Array, source = 'buffer'): Safetensors {
  checkHost();
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parseSafetensors: bytes must be a Uint8Array or Buffer');
  const { entries, metadata, dataStart } = parseHeader(bytes, source);
  return scope(() => {
    const tensors: Record<string, Tensor> = {};
    for (const e of entries) tensors[e.name] = makeTensor(bytes, e, dataStart, source);
    return { tensors, metadata };
  });
}

/** Reads a safetensors file (see `parseSafetensors`); the tensors are created in the current scope. */
export function loadSafetensors(path: string): Safetensors {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SafetensorsError(path, `cannot read the file (${(e as Error).message})`);
  }
  return parseSafetensors(bytes, path);
}
