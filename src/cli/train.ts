// `contrastive train`: trains, evaluates, writes the report and leaves a run folder.
import type { Command } from 'commander';
import { METHOD_NAMES, type MethodOptionName, OPTIMIZER_NAMES, recipeOf } from '../methods/index.js';
import { PRESETS } from '../augment/index.js';
import { encoderNames } from '../nn/index.js';
import { reportCallback } from '../report/index.js';
import { readConfigFile, resolveConfig, type TrainConfig } from '../run/index.js';
import { train } from '../train/index.js';
import { DEFAULT_MASTER, DEFAULT_TIMEOUT_SECONDS, distributedFromEnv, launch } from '../distributed/index.js';
import { LOSS_NAMES, MINER_NAMES } from '../losses/index.js';
import { bandTriple, bool, int, keyValues, num, pair } from './options.js';
import { addFlags, type ConfigFlag, runTraining } from './training.js';

/** The methods whose recipe takes `option`, for the help text. */
function takenBy(option: MethodOptionName): string {
  return METHOD_NAMES.filter((m) => option in recipeOf(m).defaults).join(', ');
}

/** Each config key's flag, help and parser. */
export const CONFIG_FLAGS: readonly ConfigFlag<keyof TrainConfig>[] = [
  ['data', '--data <name|path>', 'fashion-mnist, mnist, fashion-mnist-seq (28 steps of 28 features), a file of series (.csv, .tsv, .jsonl, .npy), or a folder of images or series'],
  ['method', '--method <name>', METHOD_NAMES.join(', ')],
  ['encoder', '--encoder <name>', `auto (convnet28 for 28x28 images, else convnet-small; gru for sequences), ${encoderNames().join(', ')}`],
  ['encoderOptions', '--encoder-options <k=v,...>', "the encoder's options, e.g. hiddenSize=128,bidirectional=false,pooling=mean", keyValues('--encoder-options')],
  ['epochs', '--epochs <n>', 'epochs', int('--epochs')],
  ['batchSize', '--batch-size <n>', 'samples per step', int('--batch-size')],
  ['device', '--device <name>', 'cpu, cuda or cuda:N'],
  ['seed', '--seed <n>', 'random seed', int('--seed')],
  ['out', '--out <dir>', 'the run folder'],
  ['optimizer', '--optimizer <name>', `${OPTIMIZER_NAMES.join(', ')} (default: the method's recipe)`],
  ['lr', '--lr <x>', "learning rate (default: the recipe's rule for the batch size)", num('--lr')],
  ['weightDecay', '--weight-decay <x>', 'weight decay', num('--weight-decay')],
  ['warmupEpochs', '--warmup-epochs <x>', 'linear warm-up epochs', num('--warmup-epochs')],
  ['lrSchedule', '--lr-schedule <name>', 'the learning rate after the warm-up: cosine (decays to 0, default) or constant'],
  ['temperature', '--temperature <x>', `loss temperature (${takenBy('temperature')})`, num('--temperature')],
  ['queueSize', '--queue-size <n>', `memory bank entries (${takenBy('queueSize')})`, int('--queue-size')],
  ['tau', '--tau <x>', `base EMA decay of the target network (${takenBy('tau')})`, num('--tau')],
  ['hiddenDim', '--hidden-dim <n>', 'hidden width of the heads', int('--hidden-dim')],
  ['outputDim', '--output-dim <n>', 'output width of the projection head', int('--output-dim')],
  ['viewBatchNorm', '--view-bn <mode>', "how the views meet BatchNorm: joint (one pass over all views), per-view (one pass each, lightly's examples), auto (the method's paper's)"],
  ['loss', '--loss <name>', `method metric's loss: ${LOSS_NAMES.join(', ')} (default ${recipeOf('metric').loss})`],
  ['lossOptions', '--loss-options <k=v,...>', "the loss's options, e.g. margin=0.2,scale=30 (default: its paper's)", keyValues('--loss-options')],
  ['lossLrScale', '--loss-lr-scale <x>', "learning rate of the loss's proxies as a multiple of the model's (default: the loss's paper's)", num('--loss-lr-scale')],
  ['miner', '--miner <name>', `method metric's miner: ${MINER_NAMES.join(', ')} (default: none, every pair or triplet)`],
  ['minerOptions', '--miner-options <k=v,...>', "the miner's options, e.g. margin=0.2", keyValues('--miner-options')],
  ['sampler', '--sampler <name>', 'random, or m-per-class (--samples-per-class items of each of batch-size / samples-per-class classes)'],
  ['samplesPerClass', '--samples-per-class <n>', 'items per class in a batch with --sampler m-per-class (default 4)', int('--samples-per-class')],
  ['bf16', '--bf16 <bool>', 'bf16 autocast (default: where the CPU supports it)', bool('--bf16')],
  ['channelsLast', '--channels-last <bool>', 'channels-last memory format', bool('--channels-last')],
  ['augment', '--augment <preset>', `auto, ${Object.keys(PRESETS).join(', ')}`],
  ['cropScale', '--crop-scale <min,max>', "the crop's area range as fractions of the image (default: the preset's)", pair('--crop-scale')],
  ['colorStrength', '--color-strength <s>', "colour-distortion strength s: jitter 0.8 s, 0 for none (default: the preset's)", num('--color-strength')],
  ['imageSize', '--image-size <n>', 'image side', int('--image-size')],
  ['rgbBands', '--rgb-bands <r,g,b>', "multi-band images: the red, green and blue bands (0-based) for the report's composite and colour augmentations (default auto: B4,B3,B2 by Sentinel-2 band names, else the first three)", bandTriple('--rgb-bands')],
  ['folderCache', '--folder-cache <mode>', 'image folders: memory (decode once, keep), none (decode every batch from the files: any folder size), auto (memory when they fit 1 GiB)'],
  ['trainLimit', '--train-limit <n>', 'use only n training samples, spread evenly', int('--train-limit')],
  ['testLimit', '--test-limit <n>', 'use only n test samples, spread evenly', int('--test-limit')],
  ['linearProbe', '--linear-probe <bool>', 'run the linear probe in the final evaluation', bool('--linear-probe')],
  ['init', '--init <file>', "start the encoder from these weights (.safetensors: an encoder's, a run's checkpoint, a classifier's)"],
  ['syncBatchNorm', '--sync-bn <bool>', 'distributed runs: BatchNorm with the global batch\'s statistics (SyncBatchNorm)', bool('--sync-bn')],
];

/** The launcher's flags (torchrun's): `--nproc` starts the workers, which get the rest of the command line. */
const LAUNCH_FLAGS = ['--nproc', '--nnodes', '--node-rank', '--master-addr', '--master-port'] as const;

/** argv without the launcher's flags and their values (`--nproc 2` and `--nproc=2`). */
function workerArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((LAUNCH_FLAGS as readonly string[]).includes(a)) i++;
    else if (!LAUNCH_FLAGS.some((f) => a.startsWith(`${f}=`))) out.push(a);
  }
  return out;
}

interface TrainFlags extends Partial<Record<keyof TrainConfig, unknown>> {
  config?: string; resume?: boolean; json?: boolean; progress?: boolean;
  nproc?: number; nnodes?: number; nodeRank?: number; masterAddr?: string; masterPort?: number; distTimeout?: number;
}

export function registerTrain(p: Command): void {
  const cmd = p.command('train')
    .description('train a model, evaluate it and write its report (with no options: SimCLR on Fashion-MNIST)')
    .option('--config <file>', 'a JSON or YAML file of settings (flags override it)');
  addFlags(cmd, CONFIG_FLAGS);
  cmd.option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print one JSON object on stdout')
    .option('--nproc <n>', 'data-parallel workers on this machine (c10d, Gloo on CPUs; --batch-size is the global batch)', int('--nproc'))
    .option('--nnodes <n>', 'machines in the job (each runs the same command with its --node-rank)', int('--nnodes'))
    .option('--node-rank <n>', "this machine's place in [0, --nnodes)", int('--node-rank'))
    .option('--master-addr <host>', `the address of rank 0's machine (default ${DEFAULT_MASTER.addr})`)
    .option('--master-port <n>', `rank 0's port (default: a free one for one machine, else ${DEFAULT_MASTER.port})`, int('--master-port'))
    .option('--dist-timeout <s>', `seconds a worker waits for the others before failing (default ${DEFAULT_TIMEOUT_SECONDS})`, num('--dist-timeout'))
    .action(async (f: TrainFlags) => {
      if (f.nproc !== undefined && distributedFromEnv() === null) return launchWorkers(f);
      return runTraining('train', f.json, async (signal) => {
        const flags = Object.fromEntries(CONFIG_FLAGS.map(([key]) => [key, f[key]]));
        const config = resolveConfig(f.config ? readConfigFile(f.config) : undefined, flags);
        const env = distributedFromEnv();
        const distributed = env ? { ...env, timeoutSeconds: f.distTimeout } : undefined;
        const r = await train(config, { resume: f.resume, signal, progress: f.progress, callbacks: [reportCallback()], distributed });
        return env && env.rank !== 0 ? undefined : r; // rank 0 prints the result
      });
    });
}

/** `--nproc N`: this command's workers, each the same command without the launcher's flags. */
async function launchWorkers(f: TrainFlags): Promise<void> {
  const r = await launch({
    args: workerArgs(process.argv.slice(1)), nproc: f.nproc!, nnodes: f.nnodes, nodeRank: f.nodeRank, masterAddr: f.masterAddr, masterPort: f.masterPort,
  });
  process.exitCode = r.code;
}
