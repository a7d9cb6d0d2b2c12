// Safetensors files written and read piece by piece, for tensors larger than memory (embeddings
// of a whole dataset): the header goes first, since every tensor's dtype and shape are declared
// up front, then the data streams in, row block by row block, to a temporary file that is renamed
// over the target only when complete. The byte layout is `serializeSafetensors`'s (safetensors.ts),
// so a streamed file equals the one `saveSafetensors` writes for the same tensors, byte for byte.
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Dtype, type Tensor } from '../tensor/index.js';
import {
  bytesOf, CODES, DTYPES, encodeHeader, isNonNegInt, MAX_HEADER, parseHeader, parseSafetensors, SafetensorsError, SIZES, type Entry,
} from './safetensors.js';

/** A tensor declared before its data is written: its name, dtype and full shape. */
export interface TensorSpec {
  name: string;
  dtype: Dtype;
  shape: readonly number[];
}

/** Where one tensor's bytes lie in a file: [begin, end) counted from the start of the data section. */
export type SafetensorsEntry = Entry;

/** A file's header: the tensors in data order, the string metadata and where the data starts. */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file (8 + the header length). */
  dataStart: number;
}

/**
 * The header bytes (8-byte length, then the JSON padded with spaces to a multiple of 8) for
 * tensors laid out as `serializeSafetensors` lays them out: largest element size first, then by
 * name. Returns the entries in data order.
 */
export function encodeSafetensorsHeader(specs: readonly TensorSpec[], metadata: Record<string, string> = {}): { bytes: Buffer; entries: SafetensorsEntry[] } {
  const names = new Set<string>();
  for (const s of specs) {
    if (typeof s.name !== 'string' || s.name === '' || s.name === '__metadata__') throw new TypeError(`safetensors: '${String(s.name)}' cannot name a tensor`);
    if (names.has(s.name)) throw new TypeError(`safetensors: tensor '${s.name}' is declared twice`);
    names.add(s.name);
    if (!(s.dtype in CODES)) throw new TypeError(`safetensors: tensor '${s.name}': unsupported dtype '${String(s.dtype)}'`);
    if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new TypeError(`safetensors: tensor '${s.name}': shape must be non-negative integers, got [${String(s.shape)}]`);
    }
  }
  for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new TypeError(`safetensors: metadata '${k}' must be a string, got ${typeof v}`);
  const size = (s: TensorSpec): number => SIZES[CODES[s.dtype]];
  const sorted = [...specs].sort((a, b) => size(b) - size(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const entries: SafetensorsEntry[] = [];
  let offset = 0;
  for (const s of sorted) {
    const bytes = s.shape.reduce((a, b) => a * b, 1) * size(s);
    header[s.name] = { dtype: CODES[s.dtype], shape: [...s.shape], data_offsets: [offset, offset + bytes] };
    entries.push({ name: s.name, dtype: CODES[s.dtype], shape: [...s.shape], begin: offset, end: offset + bytes });
    offset += bytes;
  }
  return { bytes: Buffer.concat(encodeHeader(header)), entries };
}

/**
 * Writes a safetensors file whose tensors are declared up front and whose data arrives in
 * pieces (`append`), in data order (`entries`), so that no tensor need ever be whole in memory.
 * The bytes go to a temporary file beside `path`; `close()` checks that every declared byte was
 * written, flushes and renames it over `path`. `abort()` (or a failed `append`/`close`) removes
 * the temporary file: `path` is never left torn, and an older file there stays as it was.
 *
 * ```ts
 * const w = await SafetensorsWriter.open('emb.safetensors', [{ name: 'embeddings', dtype: 'float32', shape: [n, d] }]);
 * try { for (const rows of blocks) await w.append('embeddings', rows); await w.close(); } finally { await w.abort(); }
 * ```
 */
export class SafetensorsWriter {
  /** The file written (once closed). */
  readonly path: string;
  /** The declared tensors, in the order their bytes must be appended. */
  readonly entries: readonly SafetensorsEntry[];
  readonly #metadata: Record<string, string>;
  readonly #tmp: string;
  readonly #dataStart: number;
  #fh: FileHandle | null;
  #entry = 0;
  #offset = 0; // bytes of data written
  #state: 'open' | 'closed' | 'aborted' = 'open';

  private constructor(path: string, tmp: string, fh: FileHandle, entries: SafetensorsEntry[], dataStart: number, metadata: Record<string, string>) {
    this.path = path;
    this.#metadata = metadata;
    this.#tmp = tmp;
    this.#fh = fh;
    this.entries = entries;
    this.#dataStart = dataStart;
  }

  /** Creates the temporary file beside `path` and writes the header of the declared tensors. */
  static async open(path: string, specs: readonly TensorSpec[], metadata: Record<string, string> = {}): Promise<SafetensorsWriter> {
    if (typeof path !== 'string' || path === '') throw new TypeError('SafetensorsWriter: path must be a non-empty string');
    const { bytes, entries } = encodeSafetensorsHeader(specs, metadata);
    const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
    let fh: FileHandle;
    try {
      fh = await open(tmp, 'wx', 0o644);
    } catch (e) {
      throw new Error(`SafetensorsWriter: cannot create a file in ${dirname(path)} (${(e as Error).message})`);
    }
    const w = new SafetensorsWriter(path, tmp, fh, entries, bytes.byteLength, { ...metadata });
    try {
      await w.#write(bytes);
    } catch (e) {
      await w.abort();
      throw e;
    }
    return w;
  }

  /** Bytes of tensor data written so far. */
  get bytesWritten(): number {
    return this.#offset;
  }

  /** The tensor the next `append` continues, or null when all are complete. */
  get current(): SafetensorsEntry | null {
    this.#skipComplete();
    return this.entries[this.#entry] ?? null;
  }

  #skipComplete(): void {
    while (this.#entry < this.entries.length && this.#offset >= this.entries[this.#entry]!.end) this.#entry++;
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.byteLength) {
      const { bytesWritten } = await this.#fh!.write(bytes, off, bytes.byteLength - off);
      off += bytesWritten;
    }
  }

  /**
   * Appends the next piece of tensor `name` (which must be the current one): a Tensor of its
   * dtype (rows of it, any device, any layout) or raw little-endian bytes. A piece may not run
   * past the tensor's end. On error the file is aborted.
   */
  async append(name: string, data: Tensor | Uint8Array): Promise<void> {
    if (this.#state !== 'open') throw new Error(`SafetensorsWriter: ${this.path} is already ${this.#state}`);
    try {
      const named = this.entries.find((x) => x.name === name);
      if (!named) throw new RangeError(`SafetensorsWriter: no tensor '${name}' was declared (declared: ${this.entries.map((x) => x.name).join(', ')})`);
      if (!(data instanceof Uint8Array) && CODES[data.dtype] !== named.dtype) {
        throw new TypeError(`SafetensorsWriter: tensor '${name}' is ${named.dtype}, got a ${data.dtype} piece`);
      }
      const bytes = data instanceof Uint8Array ? data : bytesOf(data);
      // An empty piece of the tensor being written (or of an empty tensor at this point) adds nothing.
      if (bytes.byteLength === 0 && named.begin <= this.#offset && this.#offset <= named.end) return;
      const e = this.current;
      if (!e) throw new RangeError(`SafetensorsWriter: every declared tensor of ${this.path} is complete; nothing more can be appended`);
      if (name !== e.name) throw new RangeError(`SafetensorsWriter: expected data of tensor '${e.name}' next (tensors are written in data order), got '${name}'`);
      if (this.#offset + bytes.byteLength > e.end) {
        throw new RangeError(`SafetensorsWriter: ${bytes.byteLength} bytes run past the end of tensor '${name}' (${e.end - this.#offset} bytes left of [${e.shape.join(', ')}])`);
      }
      await this.#write(bytes);
      this.#offset += bytes.byteLength;
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /**
   * Ends the last tensor (in data order) at `rows` rows, fewer than declared, when the rest will
   * never come (items that could not be read): its shape's first dimension becomes `rows`, and
   * the header is rewritten in place, padded with spaces to its old length (the format allows a
   * space-padded header, and the data does not move). Every row up to `rows` must be written.
   */
  async endRows(name: string, rows: number): Promise<void> {
    if (this.#state !== 'open') throw new Error(`SafetensorsWriter: ${this.path} is already ${this.#state}`);
    try {
      const last = this.entries[this.entries.length - 1];
      if (!last || last.name !== name) throw new RangeError(`SafetensorsWriter: only the last tensor in data order (${last?.name ?? 'none'}) can end early, not '${name}'`);
      const declared = last.shape[0];
      if (declared === undefined || !Number.isSafeInteger(rows) || rows < 0 || rows > declared) {
        throw new RangeError(`SafetensorsWriter: tensor '${name}' [${last.shape.join(', ')}] cannot end at ${String(rows)} rows`);
      }
      const end = last.begin + (declared === 0 ? 0 : ((last.end - last.begin) / declared) * rows);
      if (this.#offset !== end) throw new RangeError(`SafetensorsWriter: tensor '${name}' can end at ${rows} rows only once they are written (${this.#offset - last.begin} of ${end - last.begin} bytes are)`);
      const specs = this.entries.map((e) => ({ name: e.name, dtype: DTYPES[e.dtype], shape: e === last ? [rows, ...e.shape.slice(1)] : e.shape }));
      const { bytes, entries } = encodeSafetensorsHeader(specs, this.#metadata);
      const json = bytes.subarray(8); // never longer than before: every number in it only shrank
      const header = Buffer.alloc(this.#dataStart, 0x20);
      header.writeBigUInt64LE(BigInt(this.#dataStart - 8));
      json.copy(header, 8);
      await this.#fh!.write(header, 0, header.byteLength, 0);
      (this.entries as SafetensorsEntry[]).splice(0, this.entries.length, ...entries);
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Checks that every declared byte was written, flushes, and renames the file into place. */
  async close(): Promise<void> {
    if (this.#state !== 'open') throw new Error(`SafetensorsWriter: ${this.path} is already ${this.#state}`);
    try {
      const total = this.entries.reduce((m, e) => Math.max(m, e.end), 0);
      if (this.#offset !== total) {
        const e = this.current!;
        throw new RangeError(`SafetensorsWriter: ${this.path} is incomplete: ${total - this.#offset} of ${total} data bytes were never written (tensor '${e.name}' [${e.shape.join(', ')}] ends at ${e.end}, written up to ${this.#offset})`);
      }
      await this.#fh!.sync();
      await this.#fh!.close();
      this.#fh = null;
      await rename(this.#tmp, this.path);
      this.#state = 'closed';
    } catch (err) {
      await this.abort();
      throw err;
    }
    try {
      const dfd = openSync(dirname(this.path), 'r');
      try { fsyncSync(dfd); } finally { closeSync(dfd); }
    } catch {
      // Some file systems cannot fsync a directory; the rename itself is still atomic.
    }
  }

  /** Gives up: closes and removes the temporary file (`path` is untouched). Idempotent; a no-op once closed. */
  async abort(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    const fh = this.#fh;
    this.#fh = null;
    if (fh) await fh.close().catch(() => undefined);
    await unlink(this.#tmp).catch(() => undefined);
  }

  /** Byte offset in the file where the data section starts. */
  get dataStart(): number {
    return this.#dataStart;
  }
}

/**
 * Reads tensors of a safetensors file piece by piece (row blocks), without loading the file:
 * the header is read and checked on `open` (the same checks as `parseSafetensors`: lengths,
 * JSON, dtypes, shapes, offsets covering the data exactly), then `rows` reads only the bytes
 * asked for. Close it when done.
 */
export class SafetensorsReader {
  readonly path: string;
  readonly header: SafetensorsHeader;
  #fh: FileHandle | null;

  private constructor(path: string, fh: FileHandle, header: SafetensorsHeader) {
    this.path = path;
    this.#fh = fh;
    this.header = header;
  }

  /** Opens `path` and validates its header. */
  static async open(path: string): Promise<SafetensorsReader> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      throw new SafetensorsError(path, `cannot read the file (${(e as Error).message})`);
    }
    try {
      return new SafetensorsReader(path, fh, await readHeader(fh, path));
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** The entry named `name`, or an error naming the tensors the file holds. */
  entry(name: string): SafetensorsEntry {
    const e = this.header.entries.find((x) => x.name === name);
    if (!e) throw new SafetensorsError(this.path, `no tensor '${name}' (the file holds: ${this.header.entries.map((x) => x.name).join(', ') || 'none'})`);
    return e;
  }

  /**
   * Rows [start, start + count) of tensor `name` (along its first dimension), as a CPU tensor
   * created in the current scope.
   */
  async rows(name: string, start: number, count: number): Promise<Tensor> {
    if (!this.#fh) throw new Error(`SafetensorsReader: ${this.path} is closed`);
    const e = this.entry(name);
    const n = e.shape[0];
    if (n === undefined) throw new SafetensorsError(this.path, `tensor '${name}' is a scalar; it has no rows`);
    if (!isNonNegInt(start) || !isNonNegInt(count) || start + count > n) {
      throw new RangeError(`SafetensorsReader: rows [${start}, ${start + count}) are out of range for tensor '${name}' with ${n} rows`);
    }
    const rowBytes = n === 0 ? 0 : (e.end - e.begin) / n;
    const data = Buffer.alloc(count * rowBytes);
    let off = 0;
    while (off < data.byteLength) {
      const { bytesRead } = await this.#fh.read(data, off, data.byteLength - off, this.header.dataStart + e.begin + start * rowBytes + off);
      if (bytesRead === 0) throw new SafetensorsError(this.path, `the file ended while reading tensor '${name}' (truncated while open?)`);
      off += bytesRead;
    }
    // A one-tensor safetensors image of the block, parsed by the regular reader (every dtype, BOOL checks).
    const { bytes: head } = encodeSafetensorsHeader([{ name, dtype: DTYPES[e.dtype], shape: [count, ...e.shape.slice(1)] }]);
    return parseSafetensors(Buffer.concat([head, data]), `${this.path} (rows ${start}-${start + count} of '${name}')`).tensors[name]!;
  }

  /** Closes the file. Idempotent. */
  async close(): Promise<void> {
    const fh = this.#fh;
    this.#fh = null;
    if (fh) await fh.close();
  }
}

/** Reads and validates the header of an open file. */
async function readHeader(fh: FileHandle, source: string): Promise<SafetensorsHeader> {
  const { size } = await fh.stat();
  if (size < 8) throw new SafetensorsError(source, `${size} bytes is too short to hold the 8-byte header length (truncated file?)`);
  const lenBuf = Buffer.alloc(8);
  await fh.read(lenBuf, 0, 8, 0);
  const n64 = lenBuf.readBigUInt64LE(0);
  if (n64 > BigInt(size - 8)) throw new SafetensorsError(source, `the header length (${n64} bytes) exceeds the ${size - 8} bytes after it (truncated or not a safetensors file)`);
  const n = Number(n64);
  if (n > MAX_HEADER) throw new SafetensorsError(source, `the header length ${n} exceeds the limit of ${MAX_HEADER} bytes`);
  if (n < 2) throw new SafetensorsError(source, `the header length ${n} is too small for a JSON object`);
  const text = Buffer.alloc(n);
  await fh.read(text, 0, n, 8);
  const { entries, metadata, dataStart } = parseHeader(Buffer.concat([lenBuf, text]), source, size - 8 - n);
  return { entries: entries.sort((x, y) => x.begin - y.begin), metadata, dataStart };
}
