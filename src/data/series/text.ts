// Text files of series, line by line (Node's readline): fields, numbers, delimiters.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { SeriesFormatError } from './errors.js';

/** A line of a text file and its 1-based number. */
export interface Line {
  text: string;
  line: number;
}

/** Checks that `file` is a non-empty regular file (named errors instead of a stream's ENOENT). */
export async function checkFile(file: string): Promise<void> {
  let st;
  try {
    st = await stat(file);
  } catch {
    throw new SeriesFormatError(file, null, 'no such file');
  }
  if (!st.isFile()) throw new SeriesFormatError(file, null, 'is not a file');
  if (st.size === 0) throw new SeriesFormatError(file, null, 'empty file');
}

/** The non-blank lines of `file` (a UTF-8 text file; a byte-order mark is dropped), streamed. */
export async function* readLines(file: string): AsyncGenerator<Line> {
  await checkFile(file);
  const input = createReadStream(file, { encoding: 'utf8' });
  let failure: Error | null = null;
  input.on('error', (e) => (failure = e));
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of rl) {
      line++;
      const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() !== '') yield { text, line };
    }
  } finally {
    rl.close();
    input.destroy();
  }
  if (failure) throw new SeriesFormatError(file, line || null, `cannot be read (${(failure as Error).message})`);
}

/**
 * The delimiter of a line (a string, or 'whitespace' for runs of spaces and tabs, as UCR's old
 * .txt files have): the most frequent of tab, comma and semicolon; else runs of
 * whitespace when the line has any between fields; else a comma (one column).
 */
export function sniffDelimiter(text: string): string {
  let best = ',';
  let most = 0;
  for (const d of ['\t', ',', ';']) {
    const n = text.split(d).length - 1;
    if (n > most) [best, most] = [d, n];
  }
  if (most === 0 && /\S\s+\S/.test(text)) return 'whitespace';
  return best;
}

/** Splits a line into fields, honouring RFC 4180 quotes ("a,b", "" for a quote) within the line. */
export function splitFields(text: string, delimiter: string, file: string, line: number): string[] {
  if (delimiter === 'whitespace') return text.trim().split(/\s+/);
  if (!text.includes('"')) return text.split(delimiter);
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') (field += '"'), i++;
      else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (text.startsWith(delimiter, i)) {
      out.push(field);
      field = '';
      i += delimiter.length - 1;
    } else field += ch;
  }
  if (quoted) throw new SeriesFormatError(file, line, 'a quoted field is not closed (fields may not span lines)');
  out.push(field);
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The value of a decimal number field (spaces around allowed), or null when it is not one. */
export function parseNumber(field: string): number | null {
  const s = field.trim();
  return NUMBER.test(s) ? Number(s) : null;
}

/** Whether a field is empty or NaN: a missing value (only trailing ones are allowed: the series ends early). */
export function isMissing(field: string): boolean {
  const s = field.trim();
  return s === '' || s.toLowerCase() === 'nan';
}
