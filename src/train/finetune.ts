// `finetune`: a pre-trained encoder (or a random one, or given weights) becomes a classifier,
// trained with cross-entropy on a labelled subset, on the same loop and callbacks as pre-training.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Loader } from '../data/index.js';
import { classificationMetrics, type ClassifierEvaluation } from '../eval/index.js';
import { saveSafetensors } from '../io/index.js';
import { createOptimizer } from '../methods/index.js';
import { WarmupCosineSchedule, type Optimizer } from '../optim/index.js';
import {
  buildClassifier, buildFinetuneAugmentation, classCount, classifierLogits, encoderFor, finetunePaths, loadFinetuneSplits, readFinetuneConfig, useBf16, writeJson,
  type EpochMetrics, type FinetuneConfig, type FinetunePaths, type LoadedFinetuneRun,
} from '../run/index.js';
import { autocast, F, keep, manualSeed, noGrad, scope, tensor, type Device, type Tensor } from '../tensor/index.js';
import { checkpointCallback, interruptCallback, log, metricsLog, nonFiniteGuard, progressCallback, restoreCheckpoint } from './callbacks/index.js';
import { type Callback, type LoopState, loopState, type LoopStatus, runLoop } from './loop.js';
import { CUDA_LOSS_EVERY, type TrainOptions } from './trainer.js';

/** The state of a fine-tuning run, as its callbacks get it. */
export interface FinetuneContext extends LoopState {
  readonly config: FinetuneConfig;
  readonly paths: FinetunePaths;
  /** The live run: config, the labelled subset and the test split, the classifier being trained. */
  readonly run: LoadedFinetuneRun;
  readonly optimizer: Optimizer<{ lr: number }>;
  readonly schedule: WarmupCosineSchedule;
  /** The classifier's logits (N, K) float32 on the test split after the last epoch (freed when the run returns). */
  testLogits: Tensor | null;
  /** The final evaluation (eval.json). */
  evaluation: ClassifierEvaluation | null;
  log(line: string): void;
}

export interface FinetuneResult {
  out: string;
  status: Exclude<LoopStatus, 'running' | 'failed'>;
  epochs: EpochMetrics[];
  /** The classifier on the test split, once the run completed. */
  evaluation: ClassifierEvaluation | null;
}

/** The classifier's scores of the test logits `logits` (N, K). */
function scoreTest(run: LoadedFinetuneRun, logits: Tensor): ClassifierEvaluation {
  return scope(() => classificationMetrics(logits, tensor(run.splits.test.labels!, { dtype: 'int64', device: logits.device })));
}

/**
 * The test accuracy monitor: after each epoch, the classifier's logits on the test split
 * (`classifierLogits`) and their top-1 into the epoch's `test_top1`; the last epoch's evaluation
 * and logits stay in `s.evaluation` and `s.testLogits`.
 */
function testAccuracy(): Callback<FinetuneContext> {
  return {
    name: 'test-accuracy',
    async onEpochEnd(s, m) {
      const logits = keep(await classifierLogits(s.run, s.run.splits.test));
      s.testLogits?.dispose();
      s.testLogits = logits; // (N, K)
      s.evaluation = scoreTest(s.run, logits);
      m.test_top1 = s.evaluation.top1;
    },
  };
}

/** eval.json when the run completes: the last epoch's `ClassifierEvaluation` and the number of training labels used. */
function evaluationFile(): Callback<FinetuneContext> {
  return {
    name: 'evaluation',
    onTrainEnd(s) {
      if (s.status === 'completed' && s.evaluation) writeJson(s.paths.evaluation, { ...s.evaluation, labels: s.run.splits.train.length });
    },
  };
}

/**
 * Fine-tunes a classifier (`config.init`: the `from` run's encoder, a random one, or weights from
 * a file; plus a `head`) with cross-entropy on the labelled subset of `config.data`
 * (`labelsFraction` / `labelsPerClass`, class-balanced and seeded), and leaves a run folder:
 * config.json (`kind: 'finetune'`), metrics.jsonl (train loss and test top-1 per epoch),
 * checkpoint/last.safetensors (to resume), checkpoint/classifier.safetensors (backbone.* and
 * head.*, PyTorch names), eval.json (`ClassifierEvaluation`); `report.finetuneReportCallback()`
 * adds report.html. The SimCLR paper's semi-supervised protocol (Chen et al. 2020, Sec. 6).
 */
export async function finetune(config: FinetuneConfig, o: TrainOptions<FinetuneContext> = {}): Promise<FinetuneResult> {
  const paths = finetunePaths(config.out);
  const asked = o.resume ? { ...readFinetuneConfig(config.out), epochs: config.epochs } : config;
  if (o.resume && !existsSync(paths.checkpoint)) throw new Error(`--resume: no checkpoint at ${paths.checkpoint}`);
  const splits = await loadFinetuneSplits(asked);
  const shape = splits.train.sampleShape;
  const resolved: FinetuneConfig = { ...asked, encoder: encoderFor(asked, shape), bandStats: splits.bandStats ?? null };
  const augmentation = buildFinetuneAugmentation(resolved, shape);
  const { classifier, ignored, headLoaded } = buildClassifier(resolved, shape, classCount(splits), { initWeights: !o.resume });
  const c: FinetuneConfig = { ...resolved, hiddenDim: classifier.hiddenDim }; // config.json names the encoder and the head width built
  mkdirSync(join(c.out, 'checkpoint'), { recursive: true });
  writeJson(paths.config, c);
  manualSeed(c.seed);

  const device = c.device as Device;
  const batchSize = Math.min(c.batchSize, splits.train.length); // a few labels still make whole batches
  const loader = new Loader(splits.train, { batchSize, shuffle: true, seed: c.seed, dropLast: true, device });
  const totalSteps = loader.length * c.epochs;
  const frozen = c.freezeBackbone;
  if (frozen) classifier.backbone.requiresGrad_(false);
  classifier.to({ device, memoryFormat: c.channelsLast ? 'channelsLast' : 'contiguous' });
  const optimizer = createOptimizer([{ module: classifier.backbone, lrScale: frozen ? 0 : c.backboneLrScale }, { module: classifier.head, lrScale: 1 }],
    { name: c.optimizer, lr: c.lr, weightDecay: c.weightDecay });
  const schedule = new WarmupCosineSchedule(optimizer, { warmupSteps: Math.round(c.warmupEpochs * loader.length), totalSteps });
  const bf16 = useBf16(c);
  const s: FinetuneContext = loopState(c.epochs, loader.length, {
    config: c, paths, run: { config: c, splits, classifier }, optimizer, schedule, testLogits: null, evaluation: null, log,
  });

  try {
    const start = o.resume ? restoreCheckpoint(s, classifier) : { epoch: 0, step: 0 };
    if (o.resume) log(`resuming ${c.out} at epoch ${start.epoch + 1}, step ${start.step}`);
    const source = c.init === 'run' ? `run ${c.from}` : c.init === 'random' ? 'random init' : c.init;
    log(`fine-tuning ${c.encoder} + ${c.head} head from ${source} on ${c.data}: ${splits.train.length} of ${splits.all.length} labels, `
      + `${c.epochs} epochs of ${loader.length} steps, ${c.optimizer} lr ${c.lr}${frozen ? ' (backbone frozen)' : c.backboneLrScale !== 1 ? ` (backbone x${c.backboneLrScale})` : ''}, `
      + `${augmentation?.name ?? 'no augmentation'}${bf16 ? ', bf16 autocast' : ''}`);
    if (headLoaded) log(`init: the mlp head starts from the first block of ${c.from}'s projection head (${c.hiddenDim} wide)`);
    if (ignored.length) log(`init: left out ${ignored.length} tensors of ${c.init} that the encoder does not have (${ignored.slice(0, 4).join(', ')}${ignored.length > 4 ? ', ...' : ''})`);
    const callbacks: Callback<FinetuneContext>[] = [
      nonFiniteGuard(),
      ...(o.signal ? [interruptCallback(o.signal)] : []),
      testAccuracy(),
      metricsLog(),
      checkpointCallback<FinetuneContext>({
        model: () => classifier,
        final: () => saveSafetensors(paths.classifier, classifier.stateDict(), { format: 'contrastive-classifier', encoder: c.encoder, head: c.head }),
      }),
      progressCallback({ bar: o.progress ?? true }),
      evaluationFile(),
      ...(o.callbacks ?? []),
    ];
    const status = await runLoop(s, {
      batches: (epoch) => loader.epoch(epoch),
      step: (b) => {
        classifier.train();
        if (frozen) classifier.backbone.eval(); // a frozen backbone keeps its BatchNorm statistics
        let x = augmentation ? augmentation.apply(b.x, b.lengths) : b.x; // (B, C, H, W) or (B, T, C)
        if (c.channelsLast && x.ndim === 4) x = x.contiguous('channelsLast');
        const forward = (): Tensor => {
          const h = frozen ? noGrad(() => classifier.backbone.forward(x, b.lengths)) : classifier.backbone.forward(x, b.lengths); // (B, D)
          return F.crossEntropy(classifier.head.forward(h).to('float32'), b.y!, { labelSmoothing: c.labelSmoothing }); // logits (B, K)
        };
        const loss = bf16 ? autocast(device.startsWith('cuda') ? 'cuda' : 'cpu', forward) : forward();
        loss.backward();
        optimizer.step();
        optimizer.zeroGrad();
        schedule.step();
        return loss;
      },
      items: (b) => b.x.shape[0]!,
      lr: () => optimizer.paramGroups[optimizer.paramGroups.length - 1]!.lr, // the head's
      start,
      lossEvery: device.startsWith('cuda') ? CUDA_LOSS_EVERY : 1,
    }, callbacks);
    return { out: c.out, status: status === 'interrupted' ? 'interrupted' : 'completed', epochs: s.history, evaluation: s.evaluation };
  } finally {
    s.testLogits?.dispose();
    classifier.dispose();
    optimizer.dispose();
  }
}
