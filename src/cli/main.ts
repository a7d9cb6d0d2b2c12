#!/usr/bin/env node
// The `contrastive` command. Each subcommand lives in its own file and registers itself here.
// Every command takes --json: one JSON object on stdout; progress and logs go to stderr.
import { Command } from 'commander';
import { registerBench } from './bench.js';

export function program(): Command {
  const p = new Command('contrastive')
    .description('Contrastive representation learning on libtorch')
    .showHelpAfterError();
  p.command('train')
    .description('train a model (SimCLR on Fashion-MNIST by default)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('contrastive train: not implemented yet (methods, trainer and the train command are issue 6)\n');
      process.exitCode = 1;
    });
  registerBench(p);
  return p;
}

program().parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`contrastive: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
