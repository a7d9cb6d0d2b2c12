// `contrastive eval --run DIR`: the evaluation of a trained run (DESIGN.md's JSON fields).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadCheckpoint } from '../io/index.js';
import { scope, type Device } from '../tensor/index.js';
import { buildMethod, evaluateRun, loadSplits, readRunConfig, runPaths, useBf16 } from '../train/index.js';
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
      const saved = readRunConfig(f.run);
      const c = { ...saved, data: f.data ?? saved.data, linearProbe: f.linearProbe ?? true, trainLimit: f.data ? 0 : saved.trainLimit, testLimit: f.data ? 0 : saved.testLimit };
      const ckpt = runPaths(f.run).checkpoint;
      if (!existsSync(ckpt)) throw new Error(`run ${f.run}: no checkpoint at ${ckpt}`);
      const splits = await loadSplits(c);
      if (!splits.test?.labels || !splits.train.labels) throw new Error(`eval needs labelled train and test splits; ${c.data} has none (use a folder with train/ and test/ class folders)`);
      const method = buildMethod(c, splits.train.sampleShape[0] ?? 1, 1);
      scope(() => method.loadStateDict(loadCheckpoint(ckpt).model));
      const device = c.device as Device;
      method.to({ device, memoryFormat: c.channelsLast ? 'channelsLast' : 'contiguous' });
      const r = await evaluateRun(method, splits.train, splits.test, c, { device, bf16: useBf16(c) });
      if (f.json) printJson(r);
      else for (const [k, v] of Object.entries(r)) process.stdout.write(`${k.padEnd(16)} ${v.toFixed(4)}\n`);
      method.dispose();
    });
}
