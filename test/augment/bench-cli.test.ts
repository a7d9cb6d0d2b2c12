// `contrastive bench augment --json` prints docs/architecture.md's { images_per_second } (and the setting),
// and the benchmark leaves no tensor behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { benchAugment, syntheticImages } from '../../src/cli/bench-augment.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('contrastive bench augment --preset simclr --image-size S --json', () => {
  const out = execFileSync(process.execPath, [MAIN, 'bench', 'augment', '--preset', 'simclr', '--image-size', '16', '--batch-size', '8', '--steps', '2', '--warmup', '0', '--json'], { encoding: 'utf8' });
  const r = JSON.parse(out) as Record<string, unknown>;
  assert.equal(typeof r['images_per_second'], 'number');
  assert.ok((r['images_per_second'] as number) > 0);
  assert.deepEqual([r['preset'], r['image_size'], r['batch_size'], r['views']], ['simclr', 16, 8, 2]);
  assert.equal(r['live_tensors_after'], r['live_tensors_before']);
  assert.throws(() => execFileSync(process.execPath, [MAIN, 'bench', 'augment', '--preset', 'nope'], { stdio: 'pipe' }), /--preset must be one of simclr, byol, cifar32, mnist28/);
});

test('benchAugment on given images; synthetic images are deterministic and not constant', () => {
  const images = syntheticImages(4, 8, 3);
  assert.deepEqual(images, syntheticImages(4, 8, 3));
  assert.notDeepEqual(images, syntheticImages(4, 8, 4));
  assert.ok(new Set(images).size > 50);
  const r = benchAugment({ preset: 'byol', imageSize: 8, batchSize: 4, steps: 1, warmup: 0, images });
  assert.equal(r.views, 2);
  assert.throws(() => benchAugment({ preset: 'simclr', imageSize: 8, images: new Uint8Array(5) }), /images must hold \(N, 3, 8, 8\) bytes/);
});
