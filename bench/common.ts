// What the side-by-side benchmarks share: their flags, the machine's load, medians, and running
// one side in its own process.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The value of `--name` on the command line, or `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** The 1-minute load average (/proc/loadavg), recorded around each run: these machines are noisy. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** The median of `xs`. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `command args` (one side of a benchmark, with `env` added; stderr passes through) and parses the JSON its last stdout line holds, with the load average before and after. */
export function runSide<R>(command: string, args: readonly string[], env: Record<string, string> = {}): R & { load_before: number; load_after: number } {
  const before = loadAverage();
  const out = execFileSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const r = JSON.parse(out.toString().trim().split('\n').pop()!) as R;
  return { ...r, load_before: before, load_after: loadAverage() };
}
