// Embedding a whole dataset into a file, streaming: rows are written as they are computed, so
// memory stays flat whatever the dataset's size. The forward pass is the evaluation's own
// `embedDataset` (eval mode, bf16 autocast, channels-last as the run was trained), run on one
// block of the dataset at a time.
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { ImageFolder, subsetRange, type Dataset } from '../data/index.js';
import { embedDataset, type EmbedOptions } from '../eval/index.js';
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
  count: number;
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
 * (`idsPath(path)`: row names, labels, classes). N is the dataset's length and D the backbone's
 * `featureDim`, so the header is written first; the file appears complete or not at all
 * (a temporary file renamed at the end; removed on error or abort). Rows equal `embedDataset`'s.
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
  try {
    for (let start = 0; start < n; start += batch) {
      if (o.signal?.aborted) throw new Error(`embedToFile: aborted after ${start} of ${n} rows; nothing was written to ${path}`);
      const len = Math.min(batch, n - start);
      const rows = await embedDataset(encoder, subsetRange(ds, start, len), { device: o.device, bf16: o.bf16, channelsLast: o.channelsLast, batchSize: len }); // (len, D)
      try {
        if (rows.shape[0] !== len || rows.shape[1] !== dim) {
          throw new Error(`embedToFile: items ${start}-${start + len - 1} gave embeddings [${rows.shape.join(', ')}], expected [${len}, ${dim}] (unreadable images?)`);
        }
        await writer.append(EMBEDDINGS_TENSOR, rows);
      } finally {
        rows.dispose();
      }
      o.onProgress?.(start + len, n);
    }
    const record: EmbeddingIds = {
      format: IDS_FORMAT, version: 1, embeddings: basename(path), count: n, dim,
      data: o.source.data, split: o.source.split, run: o.source.run,
      ids: datasetIds(ds), labels: ds.labels ? Array.from(ds.labels) : null, classes: [...ds.classes],
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
  return { count: n, dim, embeddings: path, ids };
}
