// `contrastive eval --run DIR`: the evaluation of a trained run (docs/architecture.md's JSON fields).
import type { Command } from 'commander';
import { evaluateRun, loadRun } from '../run/index.js';
import { bool, printJson } from './options.js';

interface EvalFlags { run: string; data?: string; linearProbe?: boolean; json?: boolean }

export function registerEval(p: Command): void {
  p.command('eval')
    .description('evaluate a run: kNN, linear probe, precision@1, R-precision, MAP@R, NMI')
    .requiredOption('--run <dir>', 'the run folder (from contrastive train)')
    .option('--data <name|path>', 'evaluate on other data than the run trained on (fashion-mnist, mnist, or a folder with train/ and test/)')
    .option('--linear-probe <bool>', 'also train a linear probe (default true)', bool('--linear-probe'))
    .option('--json', 'print one JSON object on stdout')
    .action(async (f: EvalFlags) => {
      const overrides = f.data ? { data: f.data, trainLimit: 0, testLimit: 0 } : {};
      const run = await loadRun(f.run, { ...overrides, linearProbe: f.linearProbe ?? true });
      try {
        const r = await evaluateRun(run);
        if (f.json) printJson(r);
        else for (const [k, v] of Object.entries(r)) process.stdout.write(`${k.padEnd(16)} ${v.toFixed(4)}\n`);
      } finally {
        run.method.dispose();
      }
    });
}
