// What the training commands (`train`, `finetune`) share: declaring their config flags, and running
// a run with SIGINT handling and one-line errors.
import type { Command } from 'commander';
import { ConfigError, RunError } from '../run/index.js';
import { NonFiniteLossError } from '../train/index.js';
import { MissingPackageError } from '../tensor/index.js';
import { printJson, sigintSignal } from './options.js';

/** A config key's flag (commander names its value by the key: `--batch-size` is `batchSize`), its help and its parser. */
export type ConfigFlag<K extends string> = readonly [key: K, flag: string, help: string, parse?: (v: string) => unknown];

/** Declares each flag on `cmd`. */
export function addFlags(cmd: Command, flags: readonly ConfigFlag<string>[]): void {
  for (const [, flag, help, parse] of flags) {
    if (parse) cmd.option(flag, help, parse);
    else cmd.option(flag, help);
  }
}

/**
 * Runs `body` (a training run) with a SIGINT signal: the first Ctrl-C finishes the current step
 * and writes a checkpoint. Prints the result as JSON with `json` (unless `body` returns undefined). A config error, a run folder
 * problem or a diverged loss is one line on stderr, `contrastive NAME: ...`, and exit code 2
 * (config) or 1; anything else is rethrown.
 */
export async function runTraining(name: string, json: boolean | undefined, body: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
  const sigint = sigintSignal('finishing the current step, then writing a checkpoint');
  try {
    const r = await body(sigint.signal);
    if (json && r !== undefined) printJson(r);
  } catch (e) {
    if (e instanceof NonFiniteLossError || e instanceof ConfigError || e instanceof RunError || e instanceof MissingPackageError) {
      process.stderr.write(`contrastive ${name}: ${e.message}\n`);
      process.exitCode = e instanceof ConfigError || e instanceof MissingPackageError ? 2 : 1;
      return;
    }
    throw e;
  } finally {
    sigint.release();
  }
}
