// `contrastive bench ...`: each benchmark registers a subcommand of `bench`.
import type { Command } from 'commander';
import { registerBenchStep } from './bench-step.js';
import { registerBenchAugment } from './bench-augment.js';

export function registerBench(p: Command): void {
  const bench = p.command('bench').description('measure throughput (see bench/ for the comparisons with PyTorch)');
  registerBenchStep(bench);
  registerBenchAugment(bench);
}
