// `contrastive embed`: placeholder until issue 7's implementation lands in this file.
import type { Command } from 'commander';

export function registerEmbed(p: Command): void {
  p.command('embed').description('(not yet implemented)').action(() => {
    throw new Error('contrastive embed: not implemented yet');
  });
}
