// `contrastive report`: placeholder until issue 7's implementation lands in this file.
import type { Command } from 'commander';

export function registerReport(p: Command): void {
  p.command('report').description('(not yet implemented)').action(() => {
    throw new Error('contrastive report: not implemented yet');
  });
}
