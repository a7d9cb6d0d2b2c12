// From parsed series to a SeriesDataset: class names to labels, padding to the longest series.
import { SeriesFormatError, type Where } from './errors.js';
import { parseNumber } from './text.js';
import { SeriesDataset } from './series-dataset.js';

/** Options every reader takes. */
export interface SeriesCommonOptions {
  /**
   * The class names, in label order (e.g. the training set's `classes`, so that a test file
   * labels alike); a label outside them is an error. Default: the labels found, sorted
   * (numerically when all are numbers).
   */
  classes?: readonly string[];
  /** Pad every series to this many steps T (e.g. the training set's); a longer one is an error. Default: the longest. */
  padTo?: number;
}

/** One series as a reader parsed it. */
export interface SeriesItem {
  /** (steps, C) row-major. */
  values: Float32Array;
  steps: number;
  label: string | null;
  id: string | null;
  where: Where;
}

/** A label's class name: a number as JS writes it ('1.0' and '1' are one class), else the text. */
function className(label: string): string {
  const v = parseNumber(label);
  return v === null ? label : String(v);
}

/** The class names found, sorted: numerically when all are numbers, else by code point (as ImageFolder's folders). */
function sortedClasses(names: Iterable<string>): string[] {
  const all = [...new Set(names)];
  return all.every((s) => parseNumber(s) !== null) ? all.sort((a, b) => Number(a) - Number(b)) : all.sort();
}

/** Labels of `items` (all labelled or none) as class indices, and the class names. */
function labelsOf(items: readonly SeriesItem[], given: readonly string[] | undefined): { labels: Int32Array | null; classes: string[] } {
  const labelled = items[0]!.label !== null;
  const odd = items.find((it) => (it.label !== null) !== labelled);
  if (odd) {
    const first = items[0]!.where;
    throw new SeriesFormatError(odd.where.file, odd.where.line, labelled ? `no label, but the first series (${where(first)}) has one` : `a label, but the first series (${where(first)}) has none`);
  }
  if (!labelled) return { labels: null, classes: given ? [...given] : [] };
  const classes = given ? [...given] : sortedClasses(items.map((it) => className(it.label!)));
  const index = new Map<string, number>();
  classes.forEach((c, i) => index.set(className(c), i));
  const labels = Int32Array.from(items, (it) => {
    const k = index.get(className(it.label!));
    if (k === undefined) throw new SeriesFormatError(it.where.file, it.where.line, `label '${it.label}' is not one of the classes (${classes.join(', ')})`);
    return k;
  });
  return { labels, classes };
}

function where(w: Where): string {
  return w.line === null ? w.file : `${w.file}:${w.line}`;
}

/**
 * Packs parsed series of `channels` channels into a SeriesDataset (N, T, C), T the longest
 * (or `padTo`), each zero past its end. `source` names the file or folder when it holds none.
 */
export function packSeries(items: readonly SeriesItem[], channels: number, source: string, o: SeriesCommonOptions & { channelNames?: readonly string[] | null }): SeriesDataset {
  if (items.length === 0) throw new SeriesFormatError(source, null, 'holds no series');
  const longest = items.reduce((a, b) => (b.steps > a.steps ? b : a));
  if (o.padTo !== undefined && (!Number.isInteger(o.padTo) || o.padTo < 1)) throw new RangeError(`padTo must be a positive integer, got ${String(o.padTo)}`);
  if (o.padTo !== undefined && longest.steps > o.padTo) throw new SeriesFormatError(longest.where.file, longest.where.line, `${longest.steps} steps, more than padTo (${o.padTo})`);
  const t = o.padTo ?? longest.steps;
  const { labels, classes } = labelsOf(items, o.classes);
  const data = new Float32Array(items.length * t * channels); // (N, T, C), zeros past each end
  items.forEach((it, i) => data.set(it.values.subarray(0, it.steps * channels), i * t * channels));
  const hasIds = items.some((it) => it.id !== null);
  return new SeriesDataset(data, {
    shape: [items.length, t, channels],
    lengths: Int32Array.from(items, (it) => it.steps),
    labels, classes,
    ids: hasIds ? items.map((it, i) => it.id ?? String(i)) : null,
    channelNames: o.channelNames ?? null,
    source,
  });
}
