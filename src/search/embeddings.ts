// An embeddings file: a safetensors file holding one float32 matrix `embeddings` (N, D), and beside
// it an ids file (JSON) naming each row: an image's path relative to its folder, or an index into
// a built-in dataset's split, with the labels and class names when the data has them.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { SafetensorsReader, type SafetensorsEntry } from '../io/safetensors-stream.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Tensor } from '../tensor/index.js';

/** The tensor name `contrastive embed` writes the (N, D) matrix under. */
export const EMBEDDINGS_TENSOR = 'embeddings';
/** The format marker of the ids file. */
export const IDS_FORMAT = 'contrastive-embedding-ids';

/** What the ids file beside an embeddings file holds. Row i of the matrix is `ids[i]`. */
export interface EmbeddingIds {
  format: typeof IDS_FORMAT;
  version: 1;
  /** The embeddings file's name (in the same folder). */
  embeddings: string;
  /** Rows and columns of the matrix. */
  count: number;
  dim: number;
  /** 'fashion-mnist', 'mnist' or the image folder embedded. */
  data: string;
  /** The split embedded ('train' or 'test'), or null for a folder without train/ and test/. */
  split: 'train' | 'test' | null;
  /** The run folder whose backbone made the embeddings. */
  run: string;
  /** Row names: the index in the split (built-in data) or the path relative to the folder (images). */
  ids: (string | number)[];
  /** The class of each row, or null for unlabelled data. */
  labels: number[] | null;
  /** Class names: label i is classes[i]; empty when unlabelled. */
  classes: string[];
}

/** The ids file of an embeddings file: its extension replaced by `.ids.json` (`emb.safetensors` -> `emb.ids.json`). */
export function idsPath(embeddingsFile: string): string {
  const ext = extname(embeddingsFile);
  const stem = ext ? basename(embeddingsFile, ext) : basename(embeddingsFile);
  return join(dirname(embeddingsFile), `${stem}.ids.json`);
}

/** Writes an ids file atomically after checking it against itself. */
export function writeIds(path: string, ids: EmbeddingIds): void {
  checkIds(ids, path);
  writeFileAtomic(path, [Buffer.from(`${JSON.stringify(ids)}\n`)]);
}

function checkIds(v: EmbeddingIds, source: string): void {
  const bad = (what: string): never => {
    throw new Error(`ids file ${source}: ${what}`);
  };
  if (v.format !== IDS_FORMAT) bad(`not a contrastive ids file (format '${String(v.format)}', expected '${IDS_FORMAT}')`);
  if (!Number.isSafeInteger(v.count) || v.count < 0 || !Number.isSafeInteger(v.dim) || v.dim < 1) bad('count and dim must be integers');
  if (!Array.isArray(v.ids) || v.ids.length !== v.count) bad(`${Array.isArray(v.ids) ? v.ids.length : 'no'} ids for ${v.count} rows`);
  if (!v.ids.every((x) => typeof x === 'string' || Number.isSafeInteger(x))) bad('ids must be strings or integers');
  if (new Set(v.ids.map(String)).size !== v.ids.length) bad('ids must be unique');
  if (v.labels !== null && (!Array.isArray(v.labels) || v.labels.length !== v.count || !v.labels.every(Number.isInteger))) bad(`labels must be null or ${v.count} integers`);
  if (!Array.isArray(v.classes)) bad('classes must be an array');
}

/** Reads and checks an ids file. */
export function readIds(path: string): EmbeddingIds {
  let v: EmbeddingIds;
  try {
    v = JSON.parse(readFileSync(path, 'utf8')) as EmbeddingIds;
  } catch (e) {
    throw new Error(`ids file ${path}: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null) throw new Error(`ids file ${path}: not a JSON object`);
  checkIds(v, path);
  return v;
}

/**
 * An embeddings file opened for reading in row blocks: the (N, D) float32 matrix (the tensor
 * `embeddings`, or the file's only tensor) and the row names from its ids file, when there is one.
 */
export class EmbeddingsFile {
  readonly path: string;
  readonly reader: SafetensorsReader;
  readonly entry: SafetensorsEntry;
  /** The ids file's contents, or null when there is none (rows are then named by their index). */
  readonly ids: EmbeddingIds | null;
  readonly #byId: Map<string, number>;

  private constructor(path: string, reader: SafetensorsReader, entry: SafetensorsEntry, ids: EmbeddingIds | null) {
    this.path = path;
    this.reader = reader;
    this.entry = entry;
    this.ids = ids;
    this.#byId = new Map((ids?.ids ?? []).map((id, i) => [String(id), i]));
  }

  /** Opens `path` and its ids file (`idsPath(path)`, if present), checking that they agree. */
  static async open(path: string): Promise<EmbeddingsFile> {
    if (!existsSync(path)) throw new Error(`embeddings: no such file: ${path}`);
    const reader = await SafetensorsReader.open(path);
    try {
      const { entries } = reader.header;
      const entry = entries.find((e) => e.name === EMBEDDINGS_TENSOR) ?? (entries.length === 1 ? entries[0]! : null);
      if (!entry) throw new Error(`embeddings: ${path} holds no tensor '${EMBEDDINGS_TENSOR}' (it holds: ${entries.map((e) => e.name).join(', ') || 'none'})`);
      if (entry.dtype !== 'F32' || entry.shape.length !== 2) {
        throw new Error(`embeddings: ${path}: '${entry.name}' must be a float32 matrix (N, D), got ${entry.dtype} [${entry.shape.join(', ')}]`);
      }
      if (entry.shape[0] === 0 || entry.shape[1] === 0) throw new Error(`embeddings: ${path}: the matrix is empty ([${entry.shape.join(', ')}])`);
      const ip = idsPath(path);
      const ids = existsSync(ip) ? readIds(ip) : null;
      if (ids && (ids.count !== entry.shape[0] || ids.dim !== entry.shape[1])) {
        throw new Error(`embeddings: ${ip} describes ${ids.count} x ${ids.dim} embeddings but ${path} holds [${entry.shape.join(', ')}]`);
      }
      return new EmbeddingsFile(path, reader, entry, ids);
    } catch (e) {
      await reader.close();
      throw e;
    }
  }

  /** Rows N. */
  get count(): number {
    return this.entry.shape[0]!;
  }

  /** Columns D. */
  get dim(): number {
    return this.entry.shape[1]!;
  }

  /** Rows [start, start + count) as a (count, D) float32 CPU tensor in the current scope. */
  rows(start: number, count: number): Promise<Tensor> {
    return this.reader.rows(this.entry.name, start, count);
  }

  /** The name of row `i`: its id, or the index itself without an ids file. */
  idOf(i: number): string | number {
    return this.ids ? this.ids.ids[i]! : i;
  }

  /** The label and class name of row `i`, when known. */
  labelOf(i: number): { label: number; class: string | null } | null {
    const label = this.ids?.labels?.[i];
    if (label === undefined) return null;
    return { label, class: this.ids!.classes[label] ?? null };
  }

  /** The row named `id` (an id from the ids file; without one, a row index). */
  rowOf(id: string): number {
    if (this.ids) {
      const row = this.#byId.get(id);
      if (row === undefined) {
        const examples = this.ids.ids.slice(0, 3).map((x) => JSON.stringify(String(x))).join(', ');
        throw new Error(`unknown id '${id}': not in ${idsPath(this.path)} (${this.count} ids, e.g. ${examples})`);
      }
      return row;
    }
    const n = Number(id);
    if (!/^\d+$/.test(id) || n >= this.count) throw new Error(`unknown id '${id}': ${this.path} has no ids file, so ids are row numbers 0..${this.count - 1}`);
    return n;
  }

  /** Closes the file. */
  close(): Promise<void> {
    return this.reader.close();
  }
}
