// Parsers for command-line values: a bad value is an error naming the flag.
import { InvalidArgumentError } from 'commander';

export function int(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${flag} expects an integer, got '${v}'`);
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
