// `contrastive export`: placeholder until issue 7's implementation lands in this file.
import type { Command } from 'commander';

export function registerExport(p: Command): void {
  p.command('export').description('(not yet implemented)').action(() => {
    throw new Error('contrastive export: not implemented yet');
  });
}
