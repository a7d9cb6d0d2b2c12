// A folder of series, one per file (.csv, .tsv, .npy), optionally in class sub-folders.
import { extname, relative } from 'node:path';
import { pool, scanClassFolders } from '../folder-scan.js';
import { parseCsv, type CsvSeriesOptions, type ParsedSeries } from './csv.js';
import { SeriesFormatError } from './errors.js';
import { readNpy, seriesOfArray } from './npy.js';
import { packSeries, type SeriesCommonOptions, type SeriesItem } from './pack.js';
import type { SeriesDataset } from './series-dataset.js';

/** The files a series folder reads by default. */
export const SERIES_FILE_EXTENSIONS = ['.csv', '.tsv', '.npy'] as const;

export interface SeriesFolderOptions extends SeriesCommonOptions, Pick<CsvSeriesOptions, 'delimiter' | 'header' | 'timeColumn'> {
  /** File extensions read, lower case; default .csv, .tsv, .npy. */
  extensions?: readonly string[];
  /** Told about files ignored (next to class sub-folders); default: a line on stderr. */
  onWarning?: (message: string) => void;
}

/** One file's series: a CSV's rows are its steps and its columns the channels; a .npy is (T) or (T, C). */
async function readOne(file: string, o: SeriesFolderOptions): Promise<ParsedSeries> {
  if (extname(file).toLowerCase() === '.npy') return { ...seriesOfArray(file, await readNpy(file), true), channelNames: null };
  return parseCsv(file, { delimiter: o.delimiter, header: o.header, timeColumn: o.timeColumn, labelColumn: null, idColumn: null }, true);
}

/**
 * Series from a folder, one per file, as torchvision's `ImageFolder` reads images: class
 * sub-folders (searched recursively, sorted by name) are the labels; a folder of files only is
 * unlabelled. A CSV / TSV file is one series: a row per step, a column per channel (a header
 * is detected and names the channels; a `time` column, by name or `timeColumn`, orders the
 * rows); a .npy file holds (T) or (T, C). Every file has the same channels; lengths may differ.
 * Ids are the files' paths relative to the folder.
 */
export async function readSeriesFolder(root: string, o: SeriesFolderOptions = {}): Promise<SeriesDataset> {
  if (typeof o !== 'object' || o === null) throw new TypeError('readSeriesFolder: options must be an object');
  const extensions = new Set((o.extensions ?? SERIES_FILE_EXTENSIONS).map((e) => e.toLowerCase()));
  const warn = o.onWarning ?? ((m: string) => process.stderr.write(`${m}\n`));
  const { files, labels, classes } = await scanClassFolders(root, extensions, { dataset: 'readSeriesFolder', files: 'series files' }, warn);
  const parsed: ParsedSeries[] = new Array(files.length);
  await pool(files, 16, async (file, i) => {
    parsed[i] = await readOne(file, o);
  });
  const first = parsed[0]!;
  const items = parsed.map((p, i): SeriesItem => {
    if (p.channels !== first.channels) throw new SeriesFormatError(files[i]!, null, `${p.channels} channels, but ${files[0]} has ${first.channels}`);
    return { ...p.items[0]!, label: labels ? classes[labels[i]!]! : null, id: relative(root, files[i]!) };
  });
  return packSeries(items, first.channels, root, { ...o, classes: o.classes ?? classes, channelNames: first.channelNames });
}
