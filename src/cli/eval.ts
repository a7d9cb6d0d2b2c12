// `contrastive eval --run DIR`: the evaluation of a trained run (DESIGN.md's JSON fields).
import type { Command } from 'commander';
import type { Device } from '../tensor/index.js';
import { evaluateRun, loadRun, useBf16 } from '../train/index.js';
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
      const { config: c, splits, method } = await loadRun(f.run, { ...overrides, linearProbe: f.linearProbe ?? true });
      try {
        if (!splits.test?.labels || !splits.train.labels) throw new Error(`eval needs labelled train and test splits; ${c.data} has none (use a folder with train/ and test/ class folders)`);
        const r = await evaluateRun(method, splits.train, splits.test, c, { device: c.device as Device, bf16: useBf16(c) });
        if (f.json) printJson(r);
        else for (const [k, v] of Object.entries(r)) process.stdout.write(`${k.padEnd(16)} ${v.toFixed(4)}\n`);
      } finally {
        method.dispose();
      }
    });
}
