// Parsers for command-line values: a bad value is an error naming the flag.
import { InvalidArgumentError } from 'commander';

export function int(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${flag} expects an integer, got '${v}'`);
    return n;
  };
}

/** An integer >= 1. */
export function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer, got '${v}'`);
    return n;
  };
}

export function num(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} expects a number, got '${v}'`);
    return n;
  };
}

/** Two numbers 'a,b' (e.g. a range). */
export function pair(flag: string) {
  return (v: string): [number, number] => {
    const parts = v.split(',').map((x) => x.trim());
    const [a, b] = parts.map(Number);
    if (parts.length !== 2 || parts.some((x) => x === '') || !Number.isFinite(a) || !Number.isFinite(b)) {
      throw new InvalidArgumentError(`${flag} expects two numbers 'min,max', got '${v}'`);
    }
    return [a!, b!];
  };
}

/** Three band indices 'r,g,b' (e.g. `--rgb-bands 3,2,1`), or 'auto'. */
export function bandTriple(flag: string) {
  return (v: string): [number, number, number] | 'auto' => {
    if (v.trim() === 'auto') return 'auto';
    const parts = v.split(',').map((x) => x.trim());
    const bands = parts.map(Number);
    if (parts.length !== 3 || parts.some((x) => x === '') || !bands.every((b) => Number.isInteger(b) && b >= 0)) {
      throw new InvalidArgumentError(`${flag} expects three band indices 'r,g,b' (0-based, e.g. 3,2,1) or auto, got '${v}'`);
    }
    return bands as [number, number, number];
  };
}

/**
 * Settings 'key=value,key=value' (or one JSON object): each value is read as JSON (numbers,
 * true/false, [lists]) and otherwise kept as a string: `hiddenSize=128,bidirectional=true,pooling=mean`.
 */
export function keyValues(flag: string) {
  return (v: string): Record<string, unknown> => {
    const text = v.trim();
    if (text.startsWith('{')) {
      let o: unknown;
      try {
        o = JSON.parse(text);
      } catch (e) {
        throw new InvalidArgumentError(`${flag}: not a JSON object (${(e as Error).message}): '${v}'`);
      }
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InvalidArgumentError(`${flag} expects a JSON object, got '${v}'`);
      return o as Record<string, unknown>;
    }
    const out: Record<string, unknown> = {};
    for (const part of text.split(/,(?=\s*[A-Za-z_]\w*\s*=)/)) {
      const m = /^\s*([A-Za-z_]\w*)\s*=\s*(.*?)\s*$/.exec(part);
      if (!m || m[2] === '') throw new InvalidArgumentError(`${flag} expects key=value pairs separated by commas, got '${part}' in '${v}'`);
      try {
        out[m[1]!] = JSON.parse(m[2]!);
      } catch {
        out[m[1]!] = m[2];
      }
    }
    return out;
  };
}

export function bool(flag: string) {
  return (v: string): boolean => {
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new InvalidArgumentError(`${flag} expects true or false, got '${v}'`);
  };
}

/** Prints `value` as the one JSON object on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * A signal that the first Ctrl-C aborts (after printing what happens next); a second Ctrl-C
 * exits at once. `release()` removes the handler.
 */
export function sigintSignal(what: string): { signal: AbortSignal; release: () => void } {
  const abort = new AbortController();
  const onSigint = (): void => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write(`\nSIGINT: ${what} (Ctrl-C again to quit now)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: abort.signal, release: () => process.off('SIGINT', onSigint) };
}
