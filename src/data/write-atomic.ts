// Writing a file so that a crash leaves the old file or the new one, never half of one.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/**
 * Writes `parts` (a string is UTF-8) back to back to `file` atomically: a temporary file beside
 * it (unique to this process and call), flushed to disk, then renamed over `file`. On failure the
 * temporary file is removed and the error rethrown.
 */
export function writeFileAtomicSync(file: string, ...parts: (string | Uint8Array)[]): void {
  const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    const fd = openSync(tmp, 'wx');
    try {
      for (const part of parts) {
        const b = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
        let off = 0;
        while (off < b.length) off += writeSync(fd, b, off, b.length - off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
