// Time series: the dataset, its readers (CSV / TSV, JSON-lines, .npy, folders) and openSeries.
export { SeriesDataset, type SeriesDatasetOptions } from './series-dataset.js';
export { SeriesFormatError } from './errors.js';
export type { SeriesCommonOptions } from './pack.js';
export { readCsvSeries, type CsvSeriesOptions, type Column } from './csv.js';
export { readJsonlSeries, type JsonlSeriesOptions } from './jsonl.js';
export { parseNpyHeader, readNpy, readNpySeries, type NpyArray, type NpyHeader, type NpySeriesOptions } from './npy.js';
export { readSeriesFolder, SERIES_FILE_EXTENSIONS, type SeriesFolderOptions } from './folder.js';
export { openSeries, SERIES_EXTENSIONS, type OpenSeriesOptions } from './open.js';
