// `contrastive eval --run DIR`: the evaluation of a trained run (docs/architecture.md's JSON fields).
import type { Command } from 'commander';
import { labelBudget, labelledSubset } from '../data/index.js';
import { evaluateRun, loadRun } from '../run/index.js';
import { bool, int, num, printJson } from './options.js';

interface EvalFlags { run: string; data?: string; linearProbe?: boolean; labelsFraction?: number; labelsPerClass?: number; seed: number; json?: boolean }

export function registerEval(p: Command): void {
  p.command('eval')
    .description('evaluate a run: kNN, linear probe, precision@1, R-precision, MAP@R, MAP, MRR, NMI, AMI')
    .requiredOption('--run <dir>', 'the run folder (from contrastive train)')
    .option('--data <name|path>', 'evaluate on other data than the run trained on (fashion-mnist, mnist, or a folder with train/ and test/)')
    .option('--linear-probe <bool>', 'also train a linear probe (default true)', bool('--linear-probe'))
    .option('--labels-fraction <f>', 'kNN and the linear probe see only this fraction of each class\'s training labels (the subset contrastive finetune takes)', num('--labels-fraction'))
    .option('--labels-per-class <k>', 'kNN and the linear probe see only k training labels per class', int('--labels-per-class'))
    .option('--seed <n>', 'seed of the labelled subset (as contrastive finetune --seed)', int('--seed'), 0)
    .option('--json', 'print one JSON object on stdout')
    .action(async (f: EvalFlags) => {
      if (f.labelsFraction !== undefined && f.labelsPerClass !== undefined) throw new Error('give --labels-fraction or --labels-per-class, not both');
      const overrides = f.data ? { data: f.data, trainLimit: 0, testLimit: 0 } : {};
      const run = await loadRun(f.run, { ...overrides, linearProbe: f.linearProbe ?? true });
      try {
        const budget = labelBudget({ fraction: f.labelsFraction, perClass: f.labelsPerClass });
        if (budget) run.splits.train = labelledSubset(run.splits.train, budget, f.seed, `${run.config.data}'s training split`);
        const r = { ...await evaluateRun(run), labels: run.splits.train.length };
        if (f.json) printJson(r);
        else for (const [k, v] of Object.entries(r)) process.stdout.write(`${k.padEnd(22)} ${Number.isInteger(v) ? v : v.toFixed(4)}\n`);
      } finally {
        run.method.dispose();
      }
    });
}
