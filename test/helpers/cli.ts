// Running the built `contrastive` command in tests: a result, a --json object, or a clean failure.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI (this file compiles to dist/test/helpers/cli.js). */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Runs `contrastive ...args` to completion. */
export function runCli(args: string[]): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command that must succeed with --json and returns its object. */
export function cliJson<T>(args: string[]): T {
  const r = runCli([...args, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

/** Runs a command that must fail cleanly (status 1, no signal: no native crash) with a message matching `message`. */
export async function cliFails(args: string[], message: RegExp): Promise<void> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const [status, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('close', (c, s) => resolve([c, s])));
  assert.equal(signal, null, `killed by ${signal}: ${stderr}`);
  assert.equal(status, 1, `${args.join(' ')}: ${stderr}`);
  assert.match(stderr, message);
}
