// openSeries: the reader a path needs, by its extension or for a folder.
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { readCsvSeries, type CsvSeriesOptions } from './csv.js';
import { readSeriesFolder, type SeriesFolderOptions } from './folder.js';
import { readJsonlSeries, type JsonlSeriesOptions } from './jsonl.js';
import { readNpySeries, type NpySeriesOptions } from './npy.js';
import type { SeriesDataset } from './series-dataset.js';

/** The file extensions `openSeries` reads (a folder of .csv / .tsv / .npy files too). */
export const SERIES_EXTENSIONS = ['.csv', '.tsv', '.jsonl', '.ndjson', '.npy'] as const;

/** Every reader's options; each reader takes the ones it knows. */
export type OpenSeriesOptions = CsvSeriesOptions & JsonlSeriesOptions & NpySeriesOptions & SeriesFolderOptions;

/**
 * Opens time series from a path (a `Dataset` of (T, C) items for the loader, as
 * `torchvision.datasets.ImageFolder` opens images): .csv / .tsv with `readCsvSeries`, .jsonl /
 * .ndjson with `readJsonlSeries`, .npy with `readNpySeries`, a folder (one series per file) with
 * `readSeriesFolder`. Bad input is a `SeriesFormatError` naming the file and line.
 */
export async function openSeries(path: string, o: OpenSeriesOptions = {}): Promise<SeriesDataset> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`openSeries: path must be a file or folder path, got ${JSON.stringify(path)}`);
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new Error(`openSeries: '${path}' does not exist`);
  }
  if (st.isDirectory()) return readSeriesFolder(path, o);
  switch (extname(path).toLowerCase()) {
    case '.csv': case '.tsv': return readCsvSeries(path, o);
    case '.jsonl': case '.ndjson': return readJsonlSeries(path, o);
    case '.npy': return readNpySeries(path, o);
    default: throw new Error(`openSeries: '${path}' is not a file of series (${SERIES_EXTENSIONS.join(', ')}) or a folder`);
  }
}
