// `contrastive report --run DIR`: (re)writes DIR/report.html, the run's self-contained HTML report
// (a pre-training run's, or a fine-tuning run's with its classifier's confusion matrix and mistakes).
import type { Command } from 'commander';
import { writeFinetuneReport, writeReport } from '../report/index.js';
import { isFinetuneRun } from '../run/index.js';
import { int, printJson } from './options.js';

interface ReportFlags { run: string; out?: string; mapPoints?: number; seed?: number; json?: boolean }

/** Whether `dir` holds a fine-tuning run; a folder whose config.json cannot be read is left to `writeReport`, whose error names the problem. */
function finetuneRun(dir: string): boolean {
  try {
    return isFinetuneRun(dir);
  } catch {
    return false;
  }
}

/** Registers `contrastive report` on the program. */
export function registerReport(p: Command): void {
  p.command('report')
    .description('write the HTML report of a run: curves, evaluation, UMAP map of embeddings, neighbours, augmented views (fine-tuning runs: confusion matrix, per-class accuracy, mistakes)')
    .requiredOption('--run <dir>', 'the run folder (from contrastive train or contrastive finetune)')
    .option('--out <file>', 'where to write the report (default DIR/report.html)')
    .option('--map-points <n>', 'test items (images or series) on the embedding map, evenly spaced (default 2000)', int('--map-points'))
    .option('--seed <n>', 'seed of the UMAP layout and the augmentation draw (default: the run\'s seed)', int('--seed'))
    .option('--json', 'print one JSON object on stdout')
    .action(async (f: ReportFlags) => {
      if (f.mapPoints !== undefined && f.mapPoints < 1) throw new Error(`--map-points must be at least 1, got ${f.mapPoints}`);
      const o = { file: f.out, mapPoints: f.mapPoints, seed: f.seed, log: (line: string) => process.stderr.write(`${line}\n`) };
      const r = finetuneRun(f.run) ? await writeFinetuneReport(f.run, o) : await writeReport(f.run, o);
      if (f.json) printJson({ file: r.file, bytes: r.bytes, seconds: r.seconds, timings: r.timings, notes: r.notes });
      else process.stdout.write(`${r.file}\n`);
    });
}
