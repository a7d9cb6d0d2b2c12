// Approximate nearest-neighbour search: an HNSW graph (USearch, Unum) over the rows of an
// embeddings file, by cosine similarity. The index is saved as USearch's own file plus a small
// JSON manifest (`INDEX.json`) recording its settings, the embeddings it was built from and a
// SHA-256 of the index file: USearch aborts the process on a truncated file, so a file is only
// handed to it once its size and checksum match the manifest.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type * as USearch from 'usearch';
import { writeFileAtomic } from '../io/atomic.js';
import type { Tensor } from '../tensor/index.js';
import type { EmbeddingsFile } from './embeddings.js';
import type { Hit } from './exact.js';

// USearch's ES-module entry has no __dirname: it looks for its native build from the calling
// package's root, where it finds our own build/ (the addon's) and fails. Its CommonJS entry
// looks from its own folder, so it is loaded through require, on first use.
let lib: typeof USearch | null = null;
function usearch(): typeof USearch {
  lib ??= createRequire(import.meta.url)('usearch') as typeof USearch;
  return lib;
}

/** The format marker and version of a manifest. */
export const ANN_FORMAT = 'contrastive-ann-index';

/** HNSW settings (USearch's names in camelCase). */
export interface AnnOptions {
  /** Graph edges per node, M (default 16). */
  connectivity?: number;
  /** Candidates kept while inserting, efConstruction (default 128). */
  expansionAdd?: number;
  /** Candidates kept while searching, ef (default 64; at least k is used). */
  expansionSearch?: number;
  /** Threads for building and batch search; 0 = all cores (default). */
  threads?: number;
}

/** What `INDEX.json` records. */
export interface AnnManifest {
  format: typeof ANN_FORMAT;
  version: 1;
  metric: 'cos';
  dim: number;
  count: number;
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  /** The USearch file: its name (beside the manifest), size and SHA-256. */
  index: { file: string; bytes: number; sha256: string };
  /** The embeddings file the rows come from (relative to the manifest's folder), and its size then. */
  embeddings: { file: string; bytes: number };
  buildSeconds: number;
}

const DEFAULTS = { connectivity: 16, expansionAdd: 128, expansionSearch: 64, threads: 0 };

function checkSetting(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`AnnIndex: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** The manifest of an index path (`INDEX.json`); given the manifest itself, the same path. */
export function annManifestPath(index: string): string {
  return index.endsWith('.json') ? index : `${index}.json`;
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * A cosine HNSW index over N vectors of dimension D, whose keys are row numbers 0..N-1 of the
 * embeddings they were built from. Build with `AnnIndex.build` (from a file, in row blocks) or
 * `AnnIndex.fromVectors`; `save` and `AnnIndex.load` round-trip it with its manifest.
 */
export class AnnIndex {
  readonly dim: number;
  readonly settings: Required<AnnOptions>;
  /** Seconds spent adding the vectors (0 for a loaded index until rebuilt). */
  buildSeconds = 0;
  readonly #index: USearch.Index;
  /** The embeddings this index was built from, when known (recorded by `save`). */
  embeddingsPath: string | null = null;

  private constructor(dim: number, settings: Required<AnnOptions>) {
    this.dim = dim;
    this.settings = settings;
    const { Index, MetricKind, ScalarKind } = usearch();
    this.#index = new Index({
      dimensions: dim, metric: MetricKind.Cos, quantization: ScalarKind.F32, connectivity: settings.connectivity,
      expansion_add: settings.expansionAdd, expansion_search: settings.expansionSearch, multi: false,
    });
  }

  static #settings(o: AnnOptions): Required<AnnOptions> {
    return {
      connectivity: checkSetting('connectivity', o.connectivity ?? DEFAULTS.connectivity, 2),
      expansionAdd: checkSetting('expansionAdd', o.expansionAdd ?? DEFAULTS.expansionAdd, 1),
      expansionSearch: checkSetting('expansionSearch', o.expansionSearch ?? DEFAULTS.expansionSearch, 1),
      threads: checkSetting('threads', o.threads ?? DEFAULTS.threads, 0),
    };
  }

  /** An index of the rows of `vectors` (N x dim, row-major); row i gets key i. */
  static fromVectors(vectors: Float32Array, dim: number, o: AnnOptions = {}): AnnIndex {
    checkSetting('dim', dim, 1);
    if (!(vectors instanceof Float32Array) || vectors.length === 0 || vectors.length % dim !== 0) {
      throw new RangeError(`AnnIndex.fromVectors: vectors must be a non-empty Float32Array of N x ${dim} values`);
    }
    const index = new AnnIndex(dim, AnnIndex.#settings(o));
    const t0 = performance.now();
    index.#add(0, vectors);
    index.buildSeconds = (performance.now() - t0) / 1000;
    return index;
  }

  /** An index of every row of an embeddings file, read and added `blockRows` rows at a time. */
  static async build(file: EmbeddingsFile, o: AnnOptions & { blockRows?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<AnnIndex> {
    const index = new AnnIndex(file.dim, AnnIndex.#settings(o));
    const blockRows = checkSetting('blockRows', o.blockRows ?? 16384, 1);
    const t0 = performance.now();
    for (let start = 0; start < file.count; start += blockRows) {
      const len = Math.min(blockRows, file.count - start);
      const rows = await file.rows(start, len);
      let data: Float32Array;
      try {
        data = rows.data() as Float32Array;
      } finally {
        rows.dispose();
      }
      index.#add(start, data);
      o.onProgress?.(start + len, file.count);
    }
    index.buildSeconds = (performance.now() - t0) / 1000;
    index.embeddingsPath = resolve(file.path);
    return index;
  }

  #add(start: number, data: Float32Array): void {
    const n = data.length / this.dim;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new RangeError(`AnnIndex: row ${start + Math.floor(i / this.dim)} holds a NaN or infinite value`);
    }
    const keys = BigUint64Array.from({ length: n }, (_, i) => BigInt(start + i));
    this.#index.add(keys, data, this.settings.threads);
  }

  /** Vectors indexed. */
  get size(): number {
    return Number(this.#index.size());
  }

  /**
   * The k nearest rows to each query (cosine similarity, best first): `queries` is (Nq, dim) as a
   * Tensor or row-major Float32Array. `exclude[i]` (a row, or -1) is left out of query i's
   * results (a query that is itself a row). Each query gets min(k, N) hits, less the excluded one.
   */
  search(queries: Tensor | Float32Array, k: number, o: { exclude?: Int32Array } = {}): Hit[][] {
    const data = queries instanceof Float32Array ? queries : (queries.to('float32').data() as Float32Array);
    if (!(queries instanceof Float32Array) && (queries.ndim !== 2 || queries.shape[1] !== this.dim)) {
      throw new RangeError(`AnnIndex.search: queries must be (Nq, ${this.dim}), got [${queries.shape.join(', ')}]: the index holds ${this.dim}-dimensional vectors`);
    }
    if (data.length === 0 || data.length % this.dim !== 0) {
      throw new RangeError(`AnnIndex.search: ${data.length} query values are not a whole number of ${this.dim}-dimensional vectors (dimension mismatch with the index?)`);
    }
    for (const v of data) if (!Number.isFinite(v)) throw new RangeError('AnnIndex.search: a query holds a NaN or infinite value');
    const n = this.size;
    if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`AnnIndex.search: k must be an integer from 1 to ${n} (the vectors indexed), got ${String(k)}`);
    const nq = data.length / this.dim;
    const exclude = o.exclude ?? null;
    if (exclude && exclude.length !== nq) throw new RangeError(`AnnIndex.search: exclude has ${exclude.length} entries for ${nq} queries`);
    const kk = Math.min(n, k + (exclude ? 1 : 0));
    const out: Hit[][] = [];
    // One query at a time returns Matches; several, BatchMatches (keys padded to kk per query).
    const m: USearch.BatchMatches | USearch.Matches = this.#index.search(data, kk, this.settings.threads);
    const batch = m instanceof usearch().BatchMatches ? m : null;
    const counts: BigUint64Array = batch ? batch.counts : BigUint64Array.of(BigInt(m.keys.length));
    const stride = batch ? kk : m.keys.length;
    for (let i = 0; i < nq; i++) {
      const hits: Hit[] = [];
      const c = Number(counts[i]!);
      for (let j = 0; j < c && hits.length < k; j++) {
        const row = Number(m.keys[i * stride + j]!);
        if (exclude && row === exclude[i]) continue;
        hits.push({ row, score: 1 - m.distances[i * stride + j]! });
      }
      out.push(hits);
    }
    return out;
  }

  /**
   * Writes the USearch file to `path` (through a temporary file, renamed) and the manifest to
   * `annManifestPath(path)` (atomically), naming the embeddings file the rows came from.
   */
  async save(path: string, embeddingsFile = this.embeddingsPath): Promise<AnnManifest> {
    if (!embeddingsFile) throw new Error('AnnIndex.save: name the embeddings file the index was built from');
    if (path.endsWith('.json')) throw new Error(`AnnIndex.save: ${path}: the index file may not end in .json (its manifest is INDEX.json)`);
    if (!existsSync(dirname(resolve(path))) || !statSync(dirname(resolve(path))).isDirectory()) throw new Error(`AnnIndex.save: no such folder: ${dirname(resolve(path))}`);
    if (existsSync(path) && statSync(path).isDirectory()) throw new Error(`AnnIndex.save: ${path} is a folder; name the index file`);
    const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
    try {
      this.#index.save(tmp);
      const bytes = statSync(tmp).size;
      const hash = await sha256(tmp);
      await rename(tmp, path);
      const dir = dirname(resolve(path));
      const manifest: AnnManifest = {
        format: ANN_FORMAT, version: 1, metric: 'cos', dim: this.dim, count: this.size,
        connectivity: this.settings.connectivity, expansionAdd: this.settings.expansionAdd, expansionSearch: this.settings.expansionSearch,
        index: { file: basename(path), bytes, sha256: hash },
        embeddings: { file: relative(dir, resolve(embeddingsFile)), bytes: statSync(embeddingsFile).size },
        buildSeconds: this.buildSeconds,
      };
      writeFileAtomic(annManifestPath(path), [Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)]);
      return manifest;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /**
   * Opens a saved index (`path` is the index file or its manifest). The manifest is checked
   * first, then the file's size and SHA-256 against it: a missing, truncated or altered file is
   * an Error naming it, never handed to USearch. `expansionSearch` overrides the saved setting.
   */
  static async load(path: string, o: { expansionSearch?: number; threads?: number } = {}): Promise<{ index: AnnIndex; manifest: AnnManifest; embeddingsPath: string }> {
    const mp = annManifestPath(path);
    if (!existsSync(mp)) {
      throw new Error(existsSync(path)
        ? `index ${path}: no manifest ${mp} beside it (build the index with \`contrastive search build\`)`
        : `index: no such file: ${path}`);
    }
    let m: AnnManifest;
    try {
      m = JSON.parse(readFileSync(mp, 'utf8')) as AnnManifest;
    } catch (e) {
      throw new Error(`index manifest ${mp} is corrupt: ${(e as Error).message}`);
    }
    const ok = typeof m === 'object' && m !== null && m.format === ANN_FORMAT && m.version === 1 && m.metric === 'cos'
      && Number.isInteger(m.dim) && m.dim > 0 && Number.isInteger(m.count) && m.count > 0
      && typeof m.index?.file === 'string' && Number.isInteger(m.index.bytes) && typeof m.index.sha256 === 'string'
      && typeof m.embeddings?.file === 'string';
    if (!ok) throw new Error(`index manifest ${mp} is corrupt or not a contrastive index manifest`);
    const dir = dirname(resolve(mp));
    const file = join(dir, m.index.file);
    if (!existsSync(file)) throw new Error(`index: no such file: ${file} (named by ${mp})`);
    const size = statSync(file).size;
    if (size !== m.index.bytes) throw new Error(`index ${file} is corrupt: ${size} bytes, the manifest records ${m.index.bytes} (truncated or overwritten; rebuild it)`);
    if ((await sha256(file)) !== m.index.sha256) throw new Error(`index ${file} is corrupt: its SHA-256 differs from the manifest's (altered after it was built; rebuild it)`);
    const index = new AnnIndex(m.dim, AnnIndex.#settings({
      connectivity: m.connectivity, expansionAdd: m.expansionAdd, expansionSearch: o.expansionSearch ?? m.expansionSearch, threads: o.threads ?? 0,
    }));
    index.#index.load(file);
    if (Number(index.#index.dimensions()) !== m.dim || index.size !== m.count) {
      throw new Error(`index ${file} holds ${index.size} vectors of dimension ${index.#index.dimensions()}, the manifest records ${m.count} of ${m.dim}`);
    }
    const embeddingsPath = isAbsolute(m.embeddings.file) ? m.embeddings.file : join(dir, m.embeddings.file);
    index.embeddingsPath = embeddingsPath;
    return { index, manifest: m, embeddingsPath };
  }
}
