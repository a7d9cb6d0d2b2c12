// `contrastive search`: placeholder until issue 7's implementation lands in this file.
import type { Command } from 'commander';

export function registerSearch(p: Command): void {
  p.command('search').description('(not yet implemented)').action(() => {
    throw new Error('contrastive search: not implemented yet');
  });
}
