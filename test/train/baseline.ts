// What a trained run is compared with: the same encoder at its random initialisation, measured
// on the same data in the same test (a floor like "kNN > 0.3" says nothing about learning).
import { disposeSplits, embedSplits, weightedKnn, type EmbeddedSplits } from '../../src/eval/index.js';
import type { Encoder } from '../../src/nn/index.js';
import { buildMethod, embedOptions, loadSplits, type TrainConfig } from '../../src/run/index.js';
import assert from 'node:assert/strict';
import { F, manualSeed, memory, scope, type Tensor } from '../../src/tensor/index.js';
import type { Callback, LoopState } from '../../src/train/index.js';

/** kNN top-1 (the run's k and T) and the spread of the test features, of `encoder` on the config's splits. */
export async function measure(encoder: Encoder, c: TrainConfig): Promise<{ knn: number; spread: number }> {
  const { train, test } = await loadSplits(c);
  const e: EmbeddedSplits = await embedSplits(encoder, train, test!, embedOptions(c));
  try {
    return {
      knn: weightedKnn(e.train, e.test, { k: c.knnK, temperature: c.knnTemperature }).top1,
      spread: spread(e.test.embeddings),
    };
  } finally {
    disposeSplits(e);
  }
}

/**
 * The mean over feature dimensions of the standard deviation across samples of the L2-normalised
 * features (SimSiam, Chen & He 2021, Sec. 4.1: it is 0 when the representation collapses to a
 * constant, about 1/sqrt(D) when the unit vectors spread over the sphere).
 */
export function spread(x: Tensor): number {
  return scope(() => F.normalize(x.to('float32')).std(0).mean().item());
}

/**
 * The run's method as `train` starts it (the same seed, the same draws): its encoder measured,
 * then freed. The backbone is built first, so its weights depend only on what the key holds: runs
 * that share those (the methods on one encoder) share one measurement.
 */
export async function randomInit(c: TrainConfig): Promise<{ knn: number; spread: number }> {
  const key = JSON.stringify([c.data, c.encoder, c.encoderOptions, c.seed, c.trainLimit, c.testLimit, c.channelsLast, c.bf16, c.device, c.knnK, c.knnTemperature]);
  let m = measured.get(key);
  if (!m) measured.set(key, m = measureRandomInit(c));
  return m;
}

const measured = new Map<string, Promise<{ knn: number; spread: number }>>();

async function measureRandomInit(c: TrainConfig): Promise<{ knn: number; spread: number }> {
  const { train } = await loadSplits(c);
  manualSeed(c.seed);
  const method = buildMethod(c, train, 1);
  try {
    method.to({ memoryFormat: c.channelsLast ? 'channelsLast' : 'contiguous' });
    return await measure(method.backbone, c);
  } finally {
    method.dispose();
  }
}

/**
 * Records the live tensor count after every step of the second epoch (the optimizer's state
 * exists by then); `assertFlat(min)` checks there were more than `min` steps, all with the same count.
 */
export function tensorCounts(): Callback<LoopState> & { counts: number[]; assertFlat: (min: number) => void } {
  const counts: number[] = [];
  return {
    name: 'tensor-counts',
    counts,
    onStepEnd: (s) => { if (s.epoch === 1) counts.push(memory().tensors); },
    assertFlat: (min) => assert.ok(counts.length > min && counts.every((n) => n === counts[0]), `live tensors per step: ${counts.join(', ')}`),
  };
}
