// CSV / TSV series: one series per row ('wide'), or one row per time step ('long', multivariate).
import { extname } from 'node:path';
import { SeriesFormatError } from './errors.js';
import { packSeries, type SeriesCommonOptions, type SeriesItem } from './pack.js';
import type { SeriesDataset } from './series-dataset.js';
import { isMissing, parseNumber, readLines, sniffDelimiter, splitFields, type Line } from './text.js';

/** A column: its header name, or its 0-based index (negative: from the end of the row). */
export type Column = string | number;

export interface CsvSeriesOptions extends SeriesCommonOptions {
  /** The field delimiter; default a tab for .tsv / .tab, else the first line's most frequent of tab, comma and semicolon, else runs of whitespace. */
  delimiter?: string;
  /**
   * Whether the first line names the columns. Default: detected, it does when one of its fields
   * is not a number where the next line has a number (a line alone: when none is a number).
   */
  header?: boolean;
  /** 'wide': a series per row; 'long': a row per step (id, time, channels...). Default: 'long' when there is a time column, else 'wide'. */
  layout?: 'wide' | 'long';
  /** The label column; default the header's `label`, `class` or `target` column (any case), else none; null: none. */
  labelColumn?: Column | null;
  /** The series id column (required for 'long'); default the header's `id`, `series`, `series_id`, `sequence` or `sequence_id` column; null: none. */
  idColumn?: Column | null;
  /** 'long': the column that orders a series' steps (numbers or dates); default the header's `time`, `timestamp`, `t`, `step`, `timestep`, `time_step` or `order` column, else file order; null: file order. */
  timeColumn?: Column | null;
}

const NAMES = {
  label: ['label', 'class', 'target'], // not 'y': sensor channels are often x, y, z
  id: ['id', 'series', 'series_id', 'sequence', 'sequence_id'],
  time: ['time', 'timestamp', 't', 'step', 'timestep', 'time_step', 'order'],
} as const;

/** A row of fields and its line. */
interface Row {
  fields: string[];
  line: number;
}

/** Series parsed from one file, before packing. */
export interface ParsedSeries {
  items: SeriesItem[];
  channels: number;
  channelNames: readonly string[] | null;
}

/** Whether `first` names columns: a non-number field over a number of `second` (or, alone, no number at all). */
function looksLikeHeader(first: readonly string[], second: readonly string[] | null): boolean {
  const text = (f: string): boolean => parseNumber(f) === null && !isMissing(f);
  if (second === null) return first.every((f) => parseNumber(f) === null);
  return first.some((f, j) => text(f) && j < second.length && parseNumber(second[j]!) !== null);
}

/** Resolves a column option against the header: an index (negative from the row's end), or null. */
function column(file: string, names: readonly string[] | null, headerLine: number, which: keyof typeof NAMES, given: Column | null | undefined, auto: boolean): number | null {
  const option = `${which}Column`;
  if (given === null || (given === undefined && (!auto || names === null))) return null;
  if (given === undefined) {
    const j = names!.findIndex((n) => (NAMES[which] as readonly string[]).includes(n.toLowerCase()));
    return j < 0 ? null : j;
  }
  if (typeof given === 'number') {
    if (!Number.isInteger(given)) throw new TypeError(`${option} must be a column name or an integer index, got ${given}`);
    return given;
  }
  if (typeof given !== 'string') throw new TypeError(`${option} must be a column name or an integer index, got ${String(given)}`);
  if (names === null) throw new SeriesFormatError(file, null, `${option} '${given}' names a column, but the file has no header row (give its index, or header: true)`);
  let j = names.indexOf(given);
  if (j < 0) j = names.findIndex((n) => n.toLowerCase() === given.toLowerCase());
  if (j < 0) throw new SeriesFormatError(file, headerLine, `no column '${given}' for ${option} (columns: ${names.join(', ')})`);
  return j;
}

/** Field `col` of a row (negative from its end), or undefined when the row is too short. */
const position = (fields: readonly string[], col: number): number => (col < 0 ? fields.length + col : col);
const at = (fields: readonly string[], col: number): string | undefined => fields[position(fields, col)];

/** Reads a CSV / TSV file of series (see `CsvSeriesOptions`; `readCsvSeries` documents the layouts). */
export async function parseCsv(file: string, o: CsvSeriesOptions, single: boolean): Promise<ParsedSeries> {
  if (typeof o !== 'object' || o === null) throw new TypeError('readCsvSeries: options must be an object');
  if (o.layout !== undefined && o.layout !== 'wide' && o.layout !== 'long') throw new TypeError(`layout must be 'wide' or 'long', got '${String(o.layout)}'`);
  if (o.delimiter !== undefined && (typeof o.delimiter !== 'string' || o.delimiter === '')) throw new TypeError(`delimiter must be a non-empty string, got ${JSON.stringify(o.delimiter)}`);
  const lines = readLines(file);
  try {
    return await parseLines(file, lines, o, single);
  } finally {
    await lines.return(undefined); // closes the file when parsing stopped early (an error)
  }
}

/** `parseCsv` on the lines of `file`. */
async function parseLines(file: string, lines: AsyncGenerator<Line>, o: CsvSeriesOptions, single: boolean): Promise<ParsedSeries> {
  const next = async (): Promise<Line | null> => {
    const n = await lines.next();
    return n.done ? null : n.value;
  };
  const firstLine = await next();
  if (firstLine === null) throw new SeriesFormatError(file, null, 'holds only blank lines');
  const ext = extname(file).toLowerCase();
  const delimiter = o.delimiter ?? (ext === '.tsv' || ext === '.tab' ? '\t' : sniffDelimiter(firstLine.text));
  const toRow = (l: Line): Row => ({ fields: splitFields(l.text, delimiter, file, l.line), line: l.line });
  const first = toRow(firstLine);
  const secondLine = await next();
  const second = secondLine && toRow(secondLine);
  const header = o.header ?? looksLikeHeader(first.fields, second?.fields ?? null);
  const names = header ? first.fields.map((f) => f.trim()) : null;
  const hl = first.line;
  const time = column(file, names, hl, 'time', o.timeColumn, single || o.layout !== 'wide');
  const layout = single ? 'long' : o.layout ?? (time !== null ? 'long' : 'wide');
  const cols = {
    label: column(file, names, hl, 'label', o.labelColumn, !single),
    id: single ? null : column(file, names, hl, 'id', o.idColumn, true),
    time,
  };
  if (layout === 'wide' && cols.time !== null) throw new TypeError("timeColumn is for layout 'long' (a row per time step)");
  async function* rows(): AsyncGenerator<Row> {
    if (!header) yield first;
    if (second) yield second;
    for (let l = await next(); l !== null; l = await next()) yield toRow(l);
  }
  const parsed = layout === 'wide' ? await parseWide(file, rows(), names, cols) : await parseLong(file, rows(), names, hl, cols, single);
  if (parsed.items.length === 0) throw new SeriesFormatError(file, null, header ? `no data rows after the header (line ${hl})` : 'holds no series');
  return parsed;
}

/** 'wide': each row a univariate series, its value fields the steps; trailing empty or NaN fields end it early. */
async function parseWide(file: string, rows: AsyncIterable<Row>, names: readonly string[] | null, cols: { label: number | null; id: number | null }): Promise<ParsedSeries> {
  const items: SeriesItem[] = [];
  for await (const { fields, line } of rows) {
    if (names && fields.length > names.length) throw new SeriesFormatError(file, line, `${fields.length} fields, but the header has ${names.length}`);
    const special = new Set<number>();
    const field = (col: number | null, what: string): string | null => {
      if (col === null) return null;
      const v = at(fields, col)?.trim();
      if (v === undefined) throw new SeriesFormatError(file, line, `no ${what}: the row has ${fields.length} fields, the ${what} is column ${col < 0 ? col : col + 1}`);
      if (v === '') throw new SeriesFormatError(file, line, `empty ${what} (column ${position(fields, col) + 1})`);
      special.add(position(fields, col));
      return v;
    };
    const label = field(cols.label, 'label');
    const id = field(cols.id, 'id');
    const valueCols = [...fields.keys()].filter((j) => !special.has(j));
    let end = valueCols.length;
    while (end > 0 && isMissing(fields[valueCols[end - 1]!]!)) end--;
    if (end === 0) throw new SeriesFormatError(file, line, 'the row has no values');
    const values = new Float32Array(end);
    for (let k = 0; k < end; k++) values[k] = numberAt(file, line, fields, valueCols[k]!, names, true);
    items.push({ values, steps: end, label, id, where: { file, line } });
  }
  return { items, channels: 1, channelNames: null };
}

/** A finite number at column j, else an error naming the line, the column and the field (`wide`: a missing one lies inside a row's series). */
function numberAt(file: string, line: number, fields: readonly string[], j: number, names: readonly string[] | null, wide = false): number {
  const v = parseNumber(fields[j]!);
  if (v !== null && Number.isFinite(v)) return v;
  const col = `column ${j + 1}${names?.[j] ? ` ('${names[j]}')` : ''}`;
  if (isMissing(fields[j]!)) throw new SeriesFormatError(file, line, `${col}: missing value${wide ? " inside the series (only trailing empty or NaN fields may end a row's series early)" : ''}`);
  throw new SeriesFormatError(file, line, `${col}: '${fields[j]!.trim()}' is not a number`);
}

/** A time field: a number, or a date `Date.parse` reads. */
function timeAt(file: string, line: number, field: string): number {
  const v = parseNumber(field) ?? Date.parse(field.trim());
  if (Number.isNaN(v)) throw new SeriesFormatError(file, line, `time '${field.trim()}' is neither a number nor a date`);
  return v;
}

/** 'long': the channel columns of rows of `width` fields, every column but the id, time and label (checked to lie within the row). */
function valueColumns(file: string, line: number, width: number, cols: Record<'label' | 'id' | 'time', number | null>): number[] {
  const special = new Set<number>();
  for (const [name, col] of Object.entries(cols)) {
    if (col === null) continue;
    const j = col < 0 ? width + col : col;
    if (j < 0 || j >= width) throw new SeriesFormatError(file, line, `${name}Column ${col} is outside the row's ${width} fields`);
    if (special.has(j)) throw new TypeError('idColumn, timeColumn and labelColumn must be different columns');
    special.add(j);
  }
  const values = [...Array(width).keys()].filter((j) => !special.has(j));
  if (values.length === 0) throw new SeriesFormatError(file, line, 'no value columns besides the id, time and label');
  return values;
}

interface Group {
  id: string;
  label: string | null;
  line: number;
  times: number[];
  lines: number[];
  values: number[];
}

/** 'long': a row per step of a series (id, optional time and label, channel values); `single`: the whole file is one series. */
async function parseLong(file: string, rows: AsyncIterable<Row>, names: readonly string[] | null, headerLine: number, cols: { label: number | null; id: number | null; time: number | null }, single: boolean): Promise<ParsedSeries> {
  if (!single && cols.id === null) {
    throw new SeriesFormatError(file, names ? headerLine : null, `layout 'long' needs a series id column: idColumn, or a header column named ${NAMES.id.join(', ')}`);
  }
  const groups = new Map<string, Group>();
  let width = names?.length ?? -1;
  let channelCols: number[] = [];
  for await (const { fields, line } of rows) {
    if (width < 0) width = fields.length;
    if (fields.length !== width) throw new SeriesFormatError(file, line, `${fields.length} fields, expected ${width} as ${names ? 'the header has' : 'the first row has'} (a ragged row)`);
    if (channelCols.length === 0) channelCols = valueColumns(file, line, width, cols);
    const id = cols.id === null ? '' : at(fields, cols.id)!.trim();
    if (cols.id !== null && id === '') throw new SeriesFormatError(file, line, `empty series id (column ${position(fields, cols.id) + 1})`);
    const label = cols.label === null ? null : at(fields, cols.label)!.trim();
    if (label === '') throw new SeriesFormatError(file, line, `empty label (column ${position(fields, cols.label!) + 1})`);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { id, label, line, times: [], lines: [], values: [] }));
    else if (g.label !== label) throw new SeriesFormatError(file, line, `series '${id}' has label '${label}' here but '${g.label}' at line ${g.line}`);
    g.times.push(cols.time === null ? g.times.length : timeAt(file, line, at(fields, cols.time)!));
    g.lines.push(line);
    for (const j of channelCols) g.values.push(numberAt(file, line, fields, j, names));
  }
  const c = channelCols.length;
  const items = [...groups.values()].map((g): SeriesItem => {
    const order = [...g.times.keys()];
    if (cols.time !== null) order.sort((a, b) => g.times[a]! - g.times[b]! || a - b);
    const values = new Float32Array(order.length * c); // (steps, C)
    order.forEach((r, k) => {
      if (k > 0 && g.times[r] === g.times[order[k - 1]!]) {
        throw new SeriesFormatError(file, g.lines[r]!, `${single ? 'the series' : `series '${g.id}'`} has this time step already, at line ${g.lines[order[k - 1]!]}`);
      }
      for (let ch = 0; ch < c; ch++) values[k * c + ch] = g.values[r * c + ch]!;
    });
    return { values, steps: order.length, label: g.label, id: single ? null : g.id, where: { file, line: g.line } };
  });
  return { items, channels: c, channelNames: names ? channelCols.map((j) => names[j]!) : null };
}

/**
 * Series from a CSV / TSV file (Node's readline: streamed, any size). Two layouts:
 * - 'wide' (the default; UCR's archive): one univariate series per row, its fields the steps.
 *   Rows may differ in length, and trailing empty or NaN fields end a series early. An id and a
 *   label column are left out of the values (UCR files put the label first: `labelColumn: 0`).
 * - 'long' (multivariate): one row per time step: a series id column, an optional time column
 *   (numbers or dates; steps are sorted by it, else kept in file order), an optional label (the
 *   same on every row of a series) and the channel values, every other column. Rows of a series
 *   may interleave with other series'. Chosen when a time column exists (by name or option).
 * A header row is detected (see `header`), and names the label, id and time columns by the
 * usual names, so the common files need no option. Bad input (a non-number, a missing value
 * inside a series, a ragged row, a missing label, an empty file) is a `SeriesFormatError`
 * naming the file and line.
 */
export async function readCsvSeries(file: string, o: CsvSeriesOptions = {}): Promise<SeriesDataset> {
  const { items, channels, channelNames } = await parseCsv(file, o, false);
  return packSeries(items, channels, file, { ...o, channelNames });
}
