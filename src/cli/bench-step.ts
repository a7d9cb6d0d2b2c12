// `contrastive bench step`: the throughput of the library's own SimCLR training step (the method
// with its recipe's head, NTXentLoss and LARS, through the trainer's `trainStep`), the figure
// compared with PyTorch by bench/step.ts (bench/step.py builds the same model and step in PyTorch).
import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { createMethod, createOptimizer, optimizerSettings, SimCLR } from '../methods/index.js';
import { createEncoder, encoderNames } from '../nn/index.js';
import { getNumThreads, keep, manualSeed, memory, randn, scope, setNumThreads } from '../tensor/index.js';
import { trainStep } from '../train/index.js';
import { positiveInt } from './options.js';

/** What `bench step` measures. */
export interface BenchStepOptions {
  encoder: string;
  batchSize: number;
  steps: number;
  /** Untimed steps first (allocator and kernel warm-up). */
  warmup?: number;
  imageSize?: number;
  bf16?: boolean;
  channelsLast?: boolean;
  device?: 'cpu' | 'cuda';
  threads?: number;
}

/** The result, as the architecture's contract (`images_per_second`, `ms_per_step`, `peak_rss_mb`) plus the setting. */
export interface BenchStepResult {
  engine: 'contrastive';
  encoder: string;
  batch_size: number;
  steps: number;
  image_size: number;
  bf16: boolean;
  channels_last: boolean;
  device: string;
  threads: number;
  /** The head and optimizer the recipe built: head widths, learning rate. */
  head: [number, number, number];
  lr: number;
  images_per_second: number;
  ms_per_step: number;
  /** Process CPU time (all threads, user + system) per timed step: less sensitive to other load than wall time. */
  cpu_ms_per_step: number;
  /** Of which in the kernel (page faults of fresh allocations, mostly). */
  sys_ms_per_step: number;
  minor_faults_per_step: number;
  peak_rss_mb: number;
  loss_first: number;
  loss_last: number;
  live_tensors_before: number;
  live_tensors_after: number;
}

/** Runs the benchmark: `warmup` untimed steps, then `steps` timed ones. */
export function benchStep(o: BenchStepOptions): BenchStepResult {
  const names = encoderNames();
  if (!names.includes(o.encoder)) throw new Error(`bench step: unknown encoder '${o.encoder}'; known: ${names.join(', ')}`);
  for (const [k, v] of [['batch-size', o.batchSize], ['steps', o.steps]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`bench step: --${k} must be a positive integer, got ${String(v)}`);
  }
  const device = o.device ?? 'cpu';
  const warmup = o.warmup ?? 3;
  const size = o.imageSize ?? 32;
  if (o.threads !== undefined) setNumThreads(o.threads);
  else if (getNumThreads() !== availableParallelism()) {
    process.stderr.write(`bench step: libtorch uses ${getNumThreads()} threads on ${availableParallelism()} cores\n`);
  }
  manualSeed(0);
  const B = o.batchSize;
  // SimCLR as `train` builds it: the recipe's head widths, temperature and optimizer (LARS, 0.075 sqrt(B)).
  const method = createMethod('simclr', { encoder: () => createEncoder(o.encoder, { inChannels: 3, inputDim: 3 * size * size }) });
  method.to({ device, memoryFormat: o.channelsLast ? 'channelsLast' : 'contiguous' });
  const settings = optimizerSettings(SimCLR.recipe, { batchSize: B });
  const optimizer = createOptimizer(method, settings);
  const memoryFormat = o.channelsLast ? 'channelsLast' as const : 'contiguous' as const;
  const views = scope(() => [
    randn([B, 3, size, size], { device }).contiguous(memoryFormat), // view 1 (B, 3, S, S)
    randn([B, 3, size, size], { device }).contiguous(memoryFormat), // view 2
  ]).map((t) => keep(t));
  const step = (): number => scope(() => trainStep(method, views, null, optimizer, { autocast: o.bf16 ? device : null }).item()); // item(): waits for the device

  let lossFirst = NaN;
  for (let i = 0; i < warmup; i++) {
    const l = step();
    if (i === 0) lossFirst = l;
  }
  const before = memory().tensors;
  const cpu0 = process.cpuUsage();
  const faults0 = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  let lossLast = NaN;
  for (let i = 0; i < o.steps; i++) lossLast = step();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const faults = process.resourceUsage().minorPageFault - faults0;
  const after = memory().tensors;
  const result: BenchStepResult = {
    engine: 'contrastive',
    encoder: o.encoder,
    batch_size: B,
    steps: o.steps,
    image_size: size,
    bf16: !!o.bf16,
    channels_last: !!o.channelsLast,
    device,
    threads: getNumThreads(),
    head: [method.backbone.featureDim, method.widths.hidden, method.widths.output],
    lr: settings.lr,
    images_per_second: (B * o.steps) / seconds,
    ms_per_step: (seconds * 1000) / o.steps,
    cpu_ms_per_step: (cpu.user + cpu.system) / 1000 / o.steps,
    sys_ms_per_step: cpu.system / 1000 / o.steps,
    minor_faults_per_step: faults / o.steps,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    loss_first: lossFirst,
    loss_last: lossLast,
    live_tensors_before: before,
    live_tensors_after: after,
  };
  method.dispose();
  optimizer.dispose();
  for (const t of views) t.dispose();
  return result;
}

/** Registers `bench step` under the `bench` command. */
export function registerBenchStep(bench: Command): void {
  bench.command('step')
    .description("time the library's SimCLR training step: two views of B images -> encoder -> the recipe's projection head -> NT-Xent -> LARS, through the trainer's step (images/s counts images, each with two views)")
    .option('--encoder <name>', `encoder (${encoderNames().join(', ')})`, 'resnet18-cifar')
    .option('--batch-size <n>', 'images per step (each gives two views)', positiveInt('--batch-size'), 64)
    .option('--steps <n>', 'timed steps', positiveInt('--steps'), 20)
    .option('--warmup <n>', 'untimed steps first', (v) => Number(v), 3)
    .option('--image-size <n>', 'image height and width', positiveInt('--image-size'), 32)
    .option('--bf16', 'bfloat16 autocast (torch.autocast)')
    .option('--channels-last', 'channels-last (NHWC) memory format for inputs and conv weights')
    .option('--device <device>', 'cpu or cuda', 'cpu')
    .option('--threads <n>', 'intra-op threads (default: all cores)', positiveInt('--threads'))
    .option('--json', 'print one JSON object on stdout')
    .action((o: { encoder: string; batchSize: number; steps: number; warmup: number; imageSize: number; bf16?: boolean; channelsLast?: boolean; device: string; threads?: number; json?: boolean }) => {
      if (o.device !== 'cpu' && o.device !== 'cuda') throw new Error(`--device must be cpu or cuda, got '${o.device}'`);
      if (!Number.isInteger(o.warmup) || o.warmup < 0) throw new Error('--warmup must be a non-negative integer');
      const r = benchStep({ ...o, device: o.device });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r)}\n`);
      } else {
        process.stdout.write(`${r.encoder} batch ${r.batch_size}${r.bf16 ? ' bf16' : ''}${r.channels_last ? ' channels-last' : ''} on ${r.device} (${r.threads} threads): `
          + `${r.images_per_second.toFixed(1)} images/s, ${r.ms_per_step.toFixed(1)} ms/step, peak RSS ${r.peak_rss_mb.toFixed(0)} MB\n`);
      }
    });
}
