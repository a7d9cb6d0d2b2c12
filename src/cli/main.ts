#!/usr/bin/env node
// The `contrastive` command. Each subcommand lives in its own file and registers itself here.
// Every command takes --json: one JSON object on stdout; progress and logs go to stderr.
import { Command } from 'commander';
import { MissingPackageError } from '../tensor/index.js';
import { registerBench } from './bench.js';
import { registerEmbed } from './embed.js';
import { registerEval } from './eval.js';
import { registerExport } from './export.js';
import { registerFinetune } from './finetune.js';
import { registerReport } from './report.js';
import { registerSearch } from './search.js';
import { registerTrain } from './train.js';

export function program(): Command {
  const p = new Command('contrastive')
    .description('Contrastive representation learning on libtorch')
    .showHelpAfterError();
  registerTrain(p);
  registerFinetune(p);
  registerEval(p);
  registerReport(p);
  registerEmbed(p);
  registerSearch(p);
  registerExport(p);
  registerBench(p);
  return p;
}

program().parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`contrastive: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = e instanceof MissingPackageError ? 2 : 1; // an optional package to install: a usage problem
});
