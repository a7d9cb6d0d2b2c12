// JSON-lines series: one JSON value per line, a series with its label and id.
import { SeriesFormatError } from './errors.js';
import { packSeries, type SeriesCommonOptions, type SeriesItem } from './pack.js';
import type { SeriesDataset } from './series-dataset.js';
import { readLines } from './text.js';

export interface JsonlSeriesOptions extends SeriesCommonOptions {
  /** The key of the steps; default 'values'. */
  valuesKey?: string;
  /** The key of the label (a string or a number); default 'label'. */
  labelKey?: string;
  /** The key of the series' id (a string or a number); default 'id'. */
  idKey?: string;
}

/** The steps of one line: [v, ...] (univariate) or [[v1, ..., vC], ...] (T steps of C channels), as (steps, C). */
function stepsOf(file: string, line: number, values: unknown, channels: number | null): { values: Float32Array; steps: number; channels: number } {
  if (!Array.isArray(values) || values.length === 0) throw new SeriesFormatError(file, line, `the values must be a non-empty array of numbers or of steps (arrays of numbers), got ${JSON.stringify(values)?.slice(0, 40)}`);
  const multi = Array.isArray(values[0]);
  const c = multi ? (values[0] as unknown[]).length : 1;
  if (c === 0) throw new SeriesFormatError(file, line, 'step 0 has no values');
  if (channels !== null && c !== channels) throw new SeriesFormatError(file, line, `${c} channels, but the first series has ${channels}`);
  const out = new Float32Array(values.length * c); // (steps, C)
  values.forEach((step: unknown, s) => {
    const row = multi ? step : [step];
    if (!Array.isArray(row)) throw new SeriesFormatError(file, line, `step ${s} is not an array of ${c} channels (step 0 is)`);
    if (row.length !== c) throw new SeriesFormatError(file, line, `step ${s} has ${row.length} channels, step 0 has ${c} (a ragged series)`);
    row.forEach((v: unknown, ch) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new SeriesFormatError(file, line, `step ${s}${multi ? `, channel ${ch}` : ''}: ${JSON.stringify(v)} is not a number`);
      out[s * c + ch] = v;
    });
  });
  return { values: out, steps: values.length, channels: c };
}

/** A label or id field: a string or a number, as text; null when absent. */
function nameOf(file: string, line: number, key: string, v: unknown): string | null {
  if (v === undefined) return null;
  if ((typeof v === 'string' && v.trim() !== '') || (typeof v === 'number' && Number.isFinite(v))) return String(v).trim();
  throw new SeriesFormatError(file, line, `"${key}" must be a non-empty string or a number, got ${JSON.stringify(v)}`);
}

/**
 * Series from a JSON-lines file (jsonlines.org; Node's readline, streamed): one series per line,
 * `{"values": [...], "label": ..., "id": ...}` (the keys are options; label and id optional,
 * strings or numbers), or a bare array of values. The values are the steps, `[v, ...]` for a
 * univariate series or `[[v1, ..., vC], ...]` for C channels; every series has the same C, and
 * series may differ in length. Blank lines are skipped. Bad input (not JSON, a ragged step, a
 * non-number, a label on some lines only) is a `SeriesFormatError` naming the file and line.
 */
export async function readJsonlSeries(file: string, o: JsonlSeriesOptions = {}): Promise<SeriesDataset> {
  if (typeof o !== 'object' || o === null) throw new TypeError('readJsonlSeries: options must be an object');
  const keys = { values: o.valuesKey ?? 'values', label: o.labelKey ?? 'label', id: o.idKey ?? 'id' };
  const items: SeriesItem[] = [];
  let channels: number | null = null;
  for await (const { text, line } of readLines(file)) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new SeriesFormatError(file, line, `not JSON (${(e as Error).message})`);
    }
    const obj = Array.isArray(v) ? { [keys.values]: v } : v;
    if (typeof obj !== 'object' || obj === null) throw new SeriesFormatError(file, line, `expected an object with "${keys.values}" or an array, got ${text.slice(0, 40)}`);
    const record = obj as Record<string, unknown>;
    if (!(keys.values in record)) throw new SeriesFormatError(file, line, `no "${keys.values}" key (keys: ${Object.keys(record).join(', ')})`);
    const s = stepsOf(file, line, record[keys.values], channels);
    channels = s.channels;
    items.push({ values: s.values, steps: s.steps, label: nameOf(file, line, keys.label, record[keys.label]), id: nameOf(file, line, keys.id, record[keys.id]), where: { file, line } });
  }
  return packSeries(items, channels ?? 1, file, o);
}
