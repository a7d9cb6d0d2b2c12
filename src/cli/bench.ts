// `contrastive bench ...`: each benchmark registers a subcommand of `bench`.
import type { Command } from 'commander';

export function registerBench(p: Command): void {
  p.command('bench').description('measure throughput (see bench/ for the comparisons with PyTorch)');
}
