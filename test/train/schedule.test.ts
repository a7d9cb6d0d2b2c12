// The learning-rate schedule a config asks for: warm-up, then cosine decay to 0 (the default) or a
// constant rate (lightly's examples: a plain optimizer without a scheduler).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DEFAULT_CONFIG, resolveConfig, type TrainConfig, validateConfig } from '../../src/run/index.js';
import { setNumThreads } from '../../src/tensor/index.js';
import { train } from '../../src/train/index.js';

setNumThreads(2);
const root = mkdtempSync(join(tmpdir(), 'contrastive-schedule-'));
after(() => rmSync(root, { recursive: true, force: true }));

const tiny = (o: Partial<TrainConfig>): TrainConfig => ({
  ...DEFAULT_CONFIG, encoder: 'convnet-small', optimizer: 'adam', lr: 1e-3, epochs: 2, batchSize: 64, trainLimit: 256, testLimit: 200, bf16: false, ...o,
});

test("lrSchedule 'constant' keeps the base rate after the warm-up; 'cosine' decays it to 0 by the last step", async () => {
  const flat = await train(tiny({ lrSchedule: 'constant', warmupEpochs: 0, out: join(root, 'constant') }), { progress: false });
  assert.deepEqual(flat.epochs.map((e) => e.lr), [1e-3, 1e-3]);
  const cosine = await train(tiny({ lrSchedule: 'cosine', warmupEpochs: 0, out: join(root, 'cosine') }), { progress: false });
  assert.ok(cosine.epochs[0]!.lr < 1e-3 && cosine.epochs[0]!.lr > 4e-4, `half-way down the cosine after epoch 1, got ${cosine.epochs[0]!.lr}`);
  assert.ok(cosine.epochs[1]!.lr < 1e-5, `about 0 at the end, got ${cosine.epochs[1]!.lr}`);
});

test('lrSchedule: cosine by default, also for a config.json written before the key existed; anything else is an error naming it', () => {
  assert.equal(resolveConfig(undefined, {}).lrSchedule, 'cosine');
  const { lrSchedule: _, ...old } = DEFAULT_CONFIG;
  assert.equal(validateConfig(old).lrSchedule, 'cosine');
  assert.throws(() => resolveConfig(undefined, { lrSchedule: 'step' }), /'lrSchedule'/);
});
