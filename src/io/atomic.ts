// Atomic file writes: a temporary file in the same folder, flushed, then renamed over the target.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/**
 * Writes `chunks` to `path` so that readers see either the old file or the complete new one,
 * never a torn one: the data goes to a temporary file beside it, is flushed to disk (fsync),
 * and is renamed over `path` (rename is atomic within a file system). On failure the
 * temporary file is removed and the error rethrown.
 */
export function writeFileAtomic(path: string, chunks: readonly Uint8Array[]): void {
  if (typeof path !== 'string' || path === '') throw new TypeError('writeFileAtomic: path must be a non-empty string');
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    for (const c of chunks) {
      let off = 0;
      while (off < c.byteLength) off += writeSync(fd, c, off, c.byteLength - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) {
      try { closeSync(fd); } catch { /* already failing */ }
    }
    try { unlinkSync(tmp); } catch { /* not created */ }
    throw e;
  }
  try {
    const dfd = openSync(dirname(path), 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch {
    // Some file systems cannot fsync a directory; the rename itself is still atomic.
  }
}
