// The one error of the series readers: bad input, named by its file and line.

/**
 * Bad series input: a non-number, a ragged row, an empty file, a missing label... `file` is the
 * path read and `line` the 1-based line of a text file (null for .npy files and whole-file
 * problems); the message starts `file:line:` (or `file:`), as compilers write it.
 */
export class SeriesFormatError extends Error {
  readonly file: string;
  readonly line: number | null;
  constructor(file: string, line: number | null, problem: string) {
    super(`${line === null ? file : `${file}:${line}`}: ${problem}`);
    this.name = 'SeriesFormatError';
    this.file = file;
    this.line = line;
  }
}

/** Where an item was read, for errors found after parsing (labels, lengths): its file and line. */
export interface Where {
  file: string;
  line: number | null;
}
