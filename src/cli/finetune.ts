// `contrastive finetune`: a classifier from a pre-trained run (or random or given weights) on a
// few labels, evaluated, with its report and a run folder of its own.
import type { Command } from 'commander';
import { PRESETS } from '../augment/index.js';
import { OPTIMIZER_NAMES } from '../methods/index.js';
import { CLASSIFIER_HEADS } from '../nn/index.js';
import { finetuneReportCallback } from '../report/index.js';
import { resolveFinetuneConfig, type FinetuneConfig } from '../run/index.js';
import { finetune } from '../train/index.js';
import { int, num } from './options.js';
import { CONFIG_FLAGS } from './train.js';
import { addFlags, type ConfigFlag, runTraining } from './training.js';

/** The flags fine-tuning shares with `train`, with the same meaning. */
const SHARED = ['data', 'encoder', 'encoderOptions', 'epochs', 'batchSize', 'device', 'seed', 'weightDecay', 'warmupEpochs', 'bf16', 'channelsLast', 'imageSize', 'trainLimit', 'testLimit'] as const;

/** Fine-tuning's own flags: config key, flag, help, parser. */
const FINETUNE_FLAGS: readonly ConfigFlag<keyof FinetuneConfig>[] = [
  ['from', '--run <dir>', 'the pre-training run to fine-tune (its data, encoder and weights)'],
  ['init', '--init <run|random|file>', "the encoder's starting weights: the run's (default with --run), random (from scratch, for comparison), or a .safetensors file"],
  ['labelsFraction', '--labels-fraction <f>', 'use this fraction of each class\'s training labels (class-balanced, seeded), e.g. 0.01', num('--labels-fraction')],
  ['labelsPerClass', '--labels-per-class <k>', 'use k training labels per class (class-balanced, seeded)', int('--labels-per-class')],
  ['head', '--head <kind>', `${CLASSIFIER_HEADS.join(' or ')} (default linear)`],
  ['hiddenDim', '--hidden-dim <n>', "the mlp head's hidden width (default: the encoder's features)", int('--hidden-dim')],
  ['freezeBackbone', '--freeze-backbone', 'train the head alone'],
  ['backboneLrScale', '--backbone-lr-scale <x>', "the backbone's learning rate as a multiple of the head's (default 1)", num('--backbone-lr-scale')],
  ['optimizer', '--optimizer <name>', `${OPTIMIZER_NAMES.join(', ')} (default adamw)`],
  ['lr', '--lr <x>', 'learning rate (default 1e-3)', num('--lr')],
  ['labelSmoothing', '--label-smoothing <x>', 'cross-entropy label smoothing (default 0)', num('--label-smoothing')],
  ['augment', '--augment <name>', `light (default: crop 60-100% and flip; jitter and scaling for sequences), none, or the first view of ${Object.keys(PRESETS).join(', ')}`],
  ['out', '--out <dir>', 'the fine-tuning run folder (default runs/finetune)'],
];

interface FinetuneFlags extends Partial<Record<keyof FinetuneConfig, unknown>> { run?: string; resume?: boolean; json?: boolean; progress?: boolean }

export function registerFinetune(p: Command): void {
  const cmd = p.command('finetune')
    .description('fine-tune a classifier (encoder + head, cross-entropy) from a run, random weights or a weights file, on all or a few labels; evaluate it and write its report');
  addFlags(cmd, [...FINETUNE_FLAGS, ...CONFIG_FLAGS.filter(([k]) => (SHARED as readonly string[]).includes(k))]);
  cmd.option('--resume', 'continue the fine-tuning run in --out from its last checkpoint')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print one JSON object on stdout')
    .action((f: FinetuneFlags) => runTraining('finetune', f.json, (signal) => {
      const keys = [...FINETUNE_FLAGS.map(([k]) => k), ...SHARED];
      const config = resolveFinetuneConfig(Object.fromEntries(keys.map((k) => [k, k === 'from' ? f.run : f[k]]))); // --run sets `from`
      return finetune(config, { resume: f.resume, signal, progress: f.progress, callbacks: [finetuneReportCallback()] });
    }));
}
