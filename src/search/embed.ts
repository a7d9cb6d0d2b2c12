// Embedding a whole dataset into a file, streaming: rows are written as they are computed, so
// memory stays flat whatever the dataset's size. The forward pass is the evaluation's own
// `embedDataset` (eval mode, bf16 autocast, channels-last as the run was trained), run on one
// block of the dataset at a time.
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { ImageFolder, subsetRange, type Dataset } from '../data/index.js';
import { embedItems, NoItemsReadError, type EmbeddedItems, type EmbedOptions } from '../eval/index.js';
import { SafetensorsWriter } from '../io/safetensors-stream.js';
import type { Encoder } from '../nn/index.js';
import { EMBEDDINGS_TENSOR, IDS_FORMAT, idsPath, writeIds, type EmbeddingIds } from './embeddings.js';

/** How `embedToFile` runs the encoder (the run's `embedOptions(config)`), and what it records about the data. */
export interface EmbedToFileOptions extends EmbedOptions {
  /** Rows per block: one forward pass and one write each (default 1024, embedDataset's batch). */
  batchSize?: number;
  /** What the rows are, for the ids file. */
  source: { data: string; split: 'train' | 'test' | null; run: string };
  /** Called after each block with the rows written so far. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops after the current block; nothing is left at the output paths. */
  signal?: AbortSignal;
}

/** What `embedToFile` wrote. */
export interface EmbedToFileResult {
  /** Rows written. */
  count: number;
  /** Items left out because they could not be read (count + skipped = the dataset's length). */
  skipped: number;
  dim: number;
  /** The safetensors file: one float32 tensor `embeddings` (count, dim). */
  embeddings: string;
  /** The ids file beside it (`idsPath(embeddings)`). */
  ids: string;
}

/** The name of each item: an image folder's paths relative to its root, else the item's index. */
export function datasetIds(ds: Dataset): (string | number)[] {
  if (ds instanceof ImageFolder) return Array.from({ length: ds.length }, (_, i) => ds.relativePath(i));
  return Array.from({ length: ds.length }, (_, i) => i);
}

/**
 * Embeds every item of `ds` with `encoder` and writes the (N, D) float32 matrix to the
 * safetensors file `path` (tensor `embeddings`) block by block, and the ids file beside it
 * (`idsPath(path)`: row names, labels, classes). D is the backbone's `featureDim` and N the
 * dataset's length, less the items that cannot be read: an image that fails to decode during the
 * run (corrupt, truncated, deleted) is left out, its row and id with it, and counted in
 * `skipped`; the header, written first, is then cut to the rows written. The file appears
 * complete or not at all (a temporary file renamed at the end; removed on error or abort). Rows
 * equal `embedDataset`'s.
 */
export async function embedToFile(encoder: Encoder, ds: Dataset, path: string, o: EmbedToFileOptions): Promise<EmbedToFileResult> {
  const n = ds.length;
  const dim = encoder.featureDim;
  const batch = o.batchSize ?? 1024;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`embedToFile: batchSize must be a positive integer, got ${String(o.batchSize)}`);
  if (n === 0) throw new RangeError('embedToFile: the dataset is empty');
  const ids = idsPath(path);
  const writer = await SafetensorsWriter.open(path, [{ name: EMBEDDINGS_TENSOR, dtype: 'float32', shape: [n, dim] }], {
    format: 'contrastive-embeddings', data: o.source.data, split: o.source.split ?? '', run: o.source.run, ids: basename(ids),
  });
  const kept: number[] = []; // the dataset index of each row written
  try {
    for (let start = 0; start < n; start += batch) {
      if (o.signal?.aborted) throw new Error(`embedToFile: aborted after ${start} of ${n} rows; nothing was written to ${path}`);
      const len = Math.min(batch, n - start);
      let block: EmbeddedItems | null = null;
      try {
        block = await embedItems(encoder, subsetRange(ds, start, len), { device: o.device, bf16: o.bf16, channelsLast: o.channelsLast, batchSize: len }); // (≤ len, D)
      } catch (e) {
        if (!(e instanceof NoItemsReadError)) throw e; // else no item of the block could be read
      }
      if (block) {
        try {
          if (block.embeddings.shape[1] !== dim) throw new Error(`embedToFile: items ${start}-${start + len - 1} gave embeddings [${block.embeddings.shape.join(', ')}], expected ${dim} columns`);
          await writer.append(EMBEDDINGS_TENSOR, block.embeddings);
        } finally {
          block.embeddings.dispose();
        }
        for (const i of block.indices) kept.push(start + i);
      }
      o.onProgress?.(start + len, n);
    }
    if (kept.length === 0) throw new Error(`embedToFile: none of the ${n} items could be read; nothing was written to ${path}`);
    if (kept.length < n) await writer.endRows(EMBEDDINGS_TENSOR, kept.length);
    const names = datasetIds(ds);
    const record: EmbeddingIds = {
      format: IDS_FORMAT, version: 1, embeddings: basename(path), count: kept.length, dim,
      data: o.source.data, split: o.source.split, run: o.source.run,
      ids: kept.map((i) => names[i]!), labels: ds.labels ? kept.map((i) => ds.labels![i]!) : null, classes: [...ds.classes],
    };
    writeIds(ids, record); // before the rename: a complete embeddings file always has its ids
    try {
      await writer.close();
    } catch (e) {
      rmSync(ids, { force: true });
      throw e;
    }
  } finally {
    await writer.abort();
  }
  return { count: kept.length, skipped: n - kept.length, dim, embeddings: path, ids };
}
