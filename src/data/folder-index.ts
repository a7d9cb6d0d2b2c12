// The index of a folder dataset: each file's size, mtime and header (its decoder's `probe`),
// cached as JSON beside the data (or in the cache folder when the data is read-only), so that
// opening a folder again stats its files and probes only the new or changed ones.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { MissingPackageError } from '../tensor/index.js';
import { cacheDir } from './binary-cache.js';
import type { FileDecoder, FileInfo } from './decoder.js';
import { pool } from './folder-scan.js';
import { writeFileAtomicSync } from './write-atomic.js';

/** The index file's name in a dataset's root (a dot-file: the folder scan skips it). */
export const INDEX_FILE = '.contrastive-index.json';

const FORMAT = 'contrastive-folder-index';

/** One file of the index: where it is, what it was when probed, and its header (or why it could not be read). */
export interface IndexEntry {
  /** Relative to the root, '/'-separated as the OS gives it. */
  path: string;
  /** Its class, or -1 when the folder is unlabelled. */
  label: number;
  size: number;
  mtimeMs: number;
  /** The decoder that probed it (its `name`). */
  decoder: string;
  /** The header; absent when the probe failed (`error` says why). */
  info?: FileInfo;
  error?: string;
}

/** What `updateIndex` found: an entry per file still there (scan order), and what it cost. */
export interface FolderIndex {
  entries: IndexEntry[];
  /** Files probed now (new or changed since the cached index). */
  probed: number;
  /** Where the index was written, or null when nothing changed (or it could not be written). */
  written: string | null;
}

/** Where a root's index may live: in the root, else in the cache folder under a hash of the absolute root. */
export function indexLocations(root: string): [string, string] {
  const abs = resolve(root);
  const hash = createHash('sha256').update(abs).digest('hex').slice(0, 16);
  return [join(abs, INDEX_FILE), join(cacheDir(), 'folder-index', `${hash}.json`)];
}

function validInfo(i: unknown): i is FileInfo {
  const o = i as FileInfo;
  const dim = (n: unknown): boolean => Number.isInteger(n) && (n as number) > 0;
  return typeof o === 'object' && o !== null && dim(o.channels) && dim(o.height) && dim(o.width) && typeof o.sampleType === 'string'
    && (o.bandNames === undefined || (Array.isArray(o.bandNames) && o.bandNames.every((b) => typeof b === 'string')));
}

function validEntry(e: unknown): e is IndexEntry {
  const o = e as IndexEntry;
  return typeof o === 'object' && o !== null && typeof o.path === 'string' && Number.isFinite(o.size) && Number.isFinite(o.mtimeMs)
    && typeof o.decoder === 'string' && (validInfo(o.info) || typeof o.error === 'string');
}

/**
 * The entries of an index file by path; empty for a missing, torn or corrupt one (never throws).
 * `root`: the absolute root a cache-folder index must name (null for the root's own index, which
 * stays valid when the folder moves).
 */
function readIndex(file: string, root: string | null): Map<string, IndexEntry> {
  const out = new Map<string, IndexEntry>();
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; root?: unknown; entries?: unknown };
    if (j?.format !== FORMAT || !Array.isArray(j.entries)) return out;
    if (root !== null && j.root !== root) return out; // a cache-folder index of another root (hash clash)
    for (const e of j.entries) if (validEntry(e)) out.set(e.path, e);
  } catch {
    // missing, unreadable or not JSON: rebuilt
  }
  return out;
}


/** Writes the index in the root, else in the cache folder; the path written, or null (the index is only a cache). */
function writeIndex(root: string, entries: IndexEntry[]): string | null {
  const text = JSON.stringify({ format: FORMAT, version: 1, root, entries });
  const [inRoot, inCache] = indexLocations(root);
  for (const file of [inRoot, inCache]) {
    try {
      if (file === inCache) mkdirSync(join(inCache, '..'), { recursive: true });
      writeFileAtomicSync(file, text);
      if (file === inRoot) rmSync(inCache, { force: true }); // an older copy from when the root was read-only
      return file;
    } catch {
      // a read-only root: try the cache folder
    }
  }
  return null;
}

/**
 * The index of `files` (absolute, in dataset order, with their labels) under `root`: each file is
 * stat'ed; one whose size and mtime match the cached index (and the same decoder) keeps its
 * entry, a new or changed one is probed (`decoderOf(file).probe`, `concurrency` at once; a failed
 * probe is recorded with its reason). Files that vanished are dropped, also those gone before
 * their stat. The index is rewritten (atomically) only when something changed.
 */
export async function updateIndex(root: string, files: readonly string[], labels: Int32Array | null, decoderOf: (file: string) => FileDecoder, concurrency: number): Promise<FolderIndex> {
  const abs = resolve(root);
  const cached = new Map<string, IndexEntry>();
  const [inRoot, inCache] = indexLocations(abs);
  for (const [k, v] of [...readIndex(inCache, abs), ...readIndex(inRoot, null)]) cached.set(k, v); // the root's own wins
  const found: (IndexEntry | null)[] = new Array<IndexEntry | null>(files.length).fill(null);
  let probed = 0;
  let reused = 0;
  await pool(files, concurrency, async (file, i) => {
    let st;
    try {
      st = await stat(file);
    } catch {
      return; // vanished since the scan
    }
    const path = relative(abs, file);
    const decoder = decoderOf(file);
    const label = labels ? labels[i]! : -1;
    const old = cached.get(path);
    if (old && old.size === st.size && old.mtimeMs === st.mtimeMs && old.decoder === decoder.name) {
      found[i] = { ...old, label };
      reused++;
      return;
    }
    probed++;
    const entry: IndexEntry = { path, label, size: st.size, mtimeMs: st.mtimeMs, decoder: decoder.name };
    try {
      entry.info = await decoder.probe(file);
    } catch (e) {
      if (e instanceof MissingPackageError) throw e; // the decoder's optional package is not installed: no file is readable
      entry.error = (e as Error).message;
    }
    found[i] = entry;
  });
  const entries = found.filter((e): e is IndexEntry => e !== null);
  const changed = probed > 0 || reused !== cached.size || entries.some((e) => e.label !== cached.get(e.path)?.label);
  return { entries, probed, written: changed ? writeIndex(abs, entries) : null };
}
