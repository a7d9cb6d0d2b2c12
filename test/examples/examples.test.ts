// The examples in examples/ run as users would run them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { METHOD_NAMES } from '../../src/methods/index.js';
import { readRunConfig } from '../../src/run/index.js';
import { randomInit } from '../train/baseline.js';

const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

test('examples/methods.js: every method trains a few steps with finite losses and flat live tensors', () => {
  const out = execFileSync(process.execPath, [example('methods.js'), '--steps', '4'], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split(/\s+/)[0]), [...METHOD_NAMES]);
  for (const l of lines) {
    const m = /loss (-?[\d.]+) -> (-?[\d.]+) over 4 steps; live tensors (\d+) -> (\d+)/.exec(l);
    assert.ok(m, `unexpected line: ${l}`);
    assert.ok(Number.isFinite(Number(m[1])) && Number.isFinite(Number(m[2])), l);
    assert.equal(m[3], m[4], `live tensors grew: ${l}`);
  }
  assert.throws(() => execFileSync(process.execPath, [example('methods.js'), 'nope'], { stdio: 'pipe' }), /unknown method 'nope'/);
});

test('examples/quickstart.js: trains two short epochs, leaves a run folder with its report, and fine-tunes it on 100 labels', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'quickstart-'));
  try {
    const out = execFileSync(process.execPath, [example('quickstart.js'), dir], { encoding: 'utf8' });
    assert.match(out, /epoch 2: loss [\d.]+, kNN top-1 0\.\d+/);
    const evaluation = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as Record<string, number>;
    const before = await randomInit(readRunConfig(dir));
    assert.ok(evaluation['knn_top1']! > before.knn, `kNN top-1 ${evaluation['knn_top1']} on 1,000 test images, ${before.knn} at random initialisation`);
    assert.ok(existsSync(join(dir, 'report.html')), 'the report callback wrote report.html');
    const tuned = /fine-tuned on 100 labels: test top-1 (0\.\d+)/.exec(out);
    assert.ok(tuned && Number(tuned[1]) > 0.3, `fine-tuning on 100 labels of 10 classes: ${tuned?.[1]} (chance is 0.1)`);
    assert.ok(existsSync(join(dir, 'finetune', 'report.html')), 'the fine-tuning report');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
