// `contrastive train`: trains, evaluates and leaves a run folder (DESIGN.md).
import type { Command } from 'commander';
import { ConfigError, NonFiniteLossError, readConfigFile, resolveConfig, train, type TrainConfig } from '../train/index.js';
import { bool, int, num, pair, printJson, sigintSignal } from './options.js';

interface TrainFlags {
  config?: string; data?: string; method?: string; encoder?: string; epochs?: number; batchSize?: number; device?: string;
  seed?: number; out?: string; resume?: boolean; json?: boolean; lr?: number; optimizer?: string; weightDecay?: number;
  warmupEpochs?: number; temperature?: number; queueSize?: number; bf16?: boolean; channelsLast?: boolean;
  augment?: string; cropScale?: [number, number]; colorStrength?: number; imageSize?: number; trainLimit?: number; testLimit?: number; linearProbe?: boolean; progress?: boolean;
}

export function registerTrain(p: Command): void {
  p.command('train')
    .description('train a model and evaluate it (with no options: SimCLR on Fashion-MNIST)')
    .option('--config <file>', 'a JSON or YAML file of settings (flags override it)')
    .option('--data <name|path>', 'fashion-mnist, mnist, or a folder of images')
    .option('--method <name>', 'simclr, nnclr, byol, supcon, moco, simsiam, barlowtwins, vicreg')
    .option('--encoder <name>', 'convnet-small, convnet28, resnet18, resnet18-cifar, resnet34, resnet50, mlp, ...')
    .option('--epochs <n>', 'epochs', int('--epochs'))
    .option('--batch-size <n>', 'images per step', int('--batch-size'))
    .option('--device <name>', 'cpu, cuda or cuda:N')
    .option('--seed <n>', 'random seed', int('--seed'))
    .option('--out <dir>', 'the run folder')
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--lr <x>', 'base learning rate', num('--lr'))
    .option('--optimizer <name>', 'lars, sgd, adam or adamw')
    .option('--weight-decay <x>', 'weight decay', num('--weight-decay'))
    .option('--warmup-epochs <x>', 'linear warm-up epochs', num('--warmup-epochs'))
    .option('--temperature <x>', 'loss temperature', num('--temperature'))
    .option('--queue-size <n>', 'memory bank entries (NNCLR, MoCo)', int('--queue-size'))
    .option('--bf16 <bool>', 'bf16 autocast (default: where the CPU supports it)', bool('--bf16'))
    .option('--channels-last <bool>', 'channels-last memory format', bool('--channels-last'))
    .option('--augment <preset>', 'auto, mnist28, cifar32, simclr, byol')
    .option('--crop-scale <min,max>', "the crop's area range as fractions of the image (default: the preset's)", pair('--crop-scale'))
    .option('--color-strength <s>', "colour-distortion strength s: jitter 0.8 s, 0 for none (default: the preset's)", num('--color-strength'))
    .option('--image-size <n>', 'image side', int('--image-size'))
    .option('--train-limit <n>', 'use only the first n training images', int('--train-limit'))
    .option('--test-limit <n>', 'use only the first n test images', int('--test-limit'))
    .option('--linear-probe <bool>', 'run the linear probe in the final evaluation', bool('--linear-probe'))
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print one JSON object on stdout')
    .action(async (f: TrainFlags) => {
      const sigint = sigintSignal('finishing the current step, then writing a checkpoint');
      try {
        const config = resolveConfig(f.config ? readConfigFile(f.config) : undefined, {
          data: f.data, method: f.method, encoder: f.encoder, epochs: f.epochs, batchSize: f.batchSize, device: f.device, seed: f.seed,
          out: f.out, lr: f.lr, optimizer: f.optimizer, weightDecay: f.weightDecay, warmupEpochs: f.warmupEpochs,
          temperature: f.temperature, queueSize: f.queueSize, bf16: f.bf16, channelsLast: f.channelsLast, augment: f.augment,
          cropScale: f.cropScale, colorStrength: f.colorStrength, imageSize: f.imageSize, trainLimit: f.trainLimit, testLimit: f.testLimit, linearProbe: f.linearProbe,
        } satisfies Partial<Record<keyof TrainConfig, unknown>>);
        const r = await train(config, { resume: f.resume, signal: sigint.signal, progress: f.progress });
        if (f.json) printJson(r);
      } catch (e) {
        if (e instanceof NonFiniteLossError || e instanceof ConfigError) {
          process.stderr.write(`contrastive train: ${e.message}\n`);
          process.exitCode = e instanceof ConfigError ? 2 : 1;
          return;
        }
        throw e;
      } finally {
        sigint.release();
      }
    });
}
