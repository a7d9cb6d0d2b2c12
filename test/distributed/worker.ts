// One rank of the data-parallel equivalence tests (equivalence.test.ts starts two, and one alone as
// the reference): for each case, three optimizer steps of a method on fixed global batches, then
// its parameters (and memory bank) into a JSON file, when the tests start it with
// CONTRASTIVE_TEST_WORKER.
import { writeFileSync } from 'node:fs';
import { DataParallel, Distributed, DistributedLoss } from '../../src/distributed/index.js';
import { TripletMarginLoss } from '../../src/losses/index.js';
import { BatchHardMiner } from '../../src/losses/miners/index.js';
import { createMethod, createOptimizer, type MethodName, optimizerSettings, recipeOf } from '../../src/methods/index.js';
import { MLP } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { cat, manualSeed, memory, randint, randn, scope, setNumThreads, type Tensor } from '../../src/tensor/index.js';
import { DEFAULT_CONFIG } from '../../src/run/index.js';
import { train, trainStep } from '../../src/train/index.js';
import { tensorCounts } from '../train/baseline.js';

/** One training to compare. */
export interface WorkerCase {
  /** A method, or 'triplet': an MLP and the triplet loss with the batch-hard miner (through DistributedLoss). */
  method: MethodName | 'triplet';
  /**
   * 'recipe': gather as the recipe says. The bugs the tests must see: 'none' gathers nothing
   * (local negatives, unsynchronised memory banks); 'local-backward' gathers with a backward that
   * keeps only this rank's own gradient (lightly #59: the gradient comes out scaled by 1 / W).
   */
  gather: 'recipe' | 'none' | 'local-backward';
  /** SyncBatchNorm in every BatchNorm (the encoder's and the heads'); false: each rank normalises its share alone. */
  syncBatchNorm: boolean;
}

export interface WorkerSpec {
  cases: WorkerCase[];
  rank: number;
  /** 1: the one-process reference (no process group). */
  world: number;
  port: number;
  out: string;
  /** Then `train()` a short Fashion-MNIST run into this folder as a rank of the same job. */
  trainOut?: string;
}

/** Per case: each parameter's (and queue's) values, and the live tensor count after each step. */
export type WorkerResult = { state: Record<string, number[]>; counts: number[] }[];

/** What a worker writes: its cases, and with `trainOut` the live tensors of its `train()` run (per step of epoch 2 on rank 0, and left after it). */
export interface WorkerOutput {
  cases: WorkerResult;
  train?: { counts: number[]; leaked: number };
}

export const GLOBAL_BATCH = 16;
export const STEPS = 3;

/**
 * Runs `step` on this rank's share of each of the three global batches (view 1, view 2, labels)
 * in a scope; returns the live tensor count after each.
 */
function steps(rank: number, world: number, step: (views: Tensor[], labels: Tensor) => void): number[] {
  const share = GLOBAL_BATCH / world;
  return Array.from({ length: STEPS }, (_, i) => {
    scope(() => {
      manualSeed(100 + i); // the same global batch on every rank and in the reference
      const slice = (t: Tensor) => t.narrow(0, rank * share, share).contiguous();
      step([slice(randn([GLOBAL_BATCH, 12])), slice(randn([GLOBAL_BATCH, 12]))], slice(randint(0, 3, [GLOBAL_BATCH])));
    });
    return memory().tensors;
  });
}

/** Live tensors after each step, and every tensor's values at the end. */
function result(named: [string, Tensor][], counts: number[]): WorkerResult[number] {
  const state = scope(() => Object.fromEntries(named.map(([k, t]) => [k, Array.from(t.detach().to('float64').flatten().data() as Float64Array)])));
  return { state, counts };
}

/** An MLP trained with the triplet loss and the batch-hard miner on the global batch. */
function runTriplet(c: WorkerCase, rank: number, world: number, dist: Distributed | null): WorkerResult[number] {
  manualSeed(1);
  const model = new MLP({ inputDim: 12, hiddenDims: [24] });
  const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const parallel = dist ? new DataParallel(dist, model, model.parameters(), { syncBatchNorm: c.syncBatchNorm }) : null;
  const triplet = new TripletMarginLoss({ margin: 0.2, miner: new BatchHardMiner() });
  const loss = dist && c.gather === 'recipe' ? new DistributedLoss(triplet, dist) : triplet;
  const counts = steps(rank, world, (views, labels) => {
    const l = loss.forward(model.forward(views[0]!), labels);
    parallel?.beforeBackward(l);
    l.backward();
    optimizer.step();
    optimizer.zeroGrad();
  });
  const r = result(model.namedParameters(), counts);
  parallel?.close();
  model.dispose();
  optimizer.dispose();
  return r;
}

function runCase(c: WorkerCase, rank: number, world: number, dist: Distributed | null): WorkerResult[number] {
  if (c.method === 'triplet') return runTriplet(c, rank, world, dist);
  manualSeed(1);
  const method = createMethod(c.method, {
    encoder: () => new MLP({ inputDim: 12, hiddenDims: [24] }), hiddenDim: 32, outputDim: 8, totalSteps: STEPS,
    ...(recipeOf(c.method).defaults.queueSize ? { queueSize: 24 } : {}),
  });
  // SGD, not the recipes' LARS, whose trust ratio would hide a gradient scaled by the world size.
  const optimizer = createOptimizer(method, optimizerSettings(method.recipe, { batchSize: GLOBAL_BATCH, optimizer: 'sgd', lr: 0.05, weightDecay: 0 }));
  const parallel = dist ? new DataParallel(dist, method, method.trainableParameters(), { syncBatchNorm: c.syncBatchNorm }) : null;
  if (dist && c.gather === 'recipe') method.distribute((t, d) => dist.gather(t, d));
  if (dist && c.gather === 'local-backward') {
    method.distribute((t, d) => {
      const all = dist.gather(t, false);
      if (!d) return all;
      const n = t.shape[0]!;
      return cat([all.narrow(0, 0, rank * n), t, all.narrow(0, (rank + 1) * n, all.shape[0]! - (rank + 1) * n)]);
    });
  }
  const counts = steps(rank, world, (views, labels) => {
    trainStep(method, views, method.needsLabels ? labels : null, optimizer, { beforeBackward: parallel ? (l) => parallel.beforeBackward(l) : undefined });
  });
  const r = result(method.namedParameters().concat(method.namedBuffers().filter(([k]) => /queue|supportSet/.test(k))), counts);
  parallel?.close();
  method.dispose();
  optimizer.dispose();
  return r;
}

/** The trainer's distributed loop (sharded batches, the per-step agreement, rank sync): its live tensors. */
async function runTrain(out: string, dist: Distributed | null): Promise<WorkerOutput['train']> {
  const counter = tensorCounts();
  const before = memory().tensors;
  const config = { ...DEFAULT_CONFIG, epochs: 2, trainLimit: 512, testLimit: 128, batchSize: 64, out };
  await train(config, { distributed: dist ?? undefined, progress: false, callbacks: [counter] });
  return { counts: counter.counts, leaked: memory().tensors - before };
}

async function run(spec: WorkerSpec): Promise<void> {
  setNumThreads(1);
  const dist = spec.world > 1 ? new Distributed({ rank: spec.rank, worldSize: spec.world, masterPort: spec.port, timeoutSeconds: 30 }) : null;
  const result: WorkerOutput = { cases: spec.cases.map((c) => runCase(c, spec.rank, spec.world, dist)) };
  if (spec.trainOut) result.train = await runTrain(spec.trainOut, dist);
  writeFileSync(spec.out, JSON.stringify(result));
  dist?.close();
}

const raw = process.env['CONTRASTIVE_TEST_WORKER'];
if (raw) await run(JSON.parse(raw) as WorkerSpec);
