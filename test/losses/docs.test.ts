// Runs every code block of docs/losses.md, against the API as src/index.ts will export it
// (`losses`, `miners`, `distances`, `reducers` namespaces).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as losses from '../../src/losses/index.js';

const here = fileURLToPath(new URL('.', import.meta.url)); // dist/test/losses/
const root = resolve(here, '..', '..', '..');
const doc = readFileSync(join(root, 'docs', 'losses.md'), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

test('docs/losses.md documents every loss, miner and reducer with a heading or a table row, and runs each in an example', () => {
  const base = ['MetricLoss', 'ProxyLoss', 'MarginSoftmaxLoss', 'BaseMiner', 'BaseReducer'];
  const names = Object.keys(losses).filter((k) => /^[A-Z]\w*(Loss|Miner|Reducers?)$/.test(k) && !base.includes(k))
    .concat('NegativeCosineSimilarity', 'CrossBatchMemory');
  for (const name of names) {
    assert.match(doc, new RegExp(`^(###.*\\b${name}\\b|\\| \`${name}[\`(])`, 'm'), `${name} has a section or a table row`);
    assert.ok(blocks.some((b) => new RegExp(`\\b${name}\\b`).test(b)), `${name} appears in an example`);
  }
  assert.ok(blocks.length >= 40, `found ${blocks.length} examples`);
});

test('every example in docs/losses.md runs and prints finite numbers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'contrastive-docs-'));
  const dist = (p: string): string => pathToFileURL(join(root, 'dist', 'src', p)).href;
  const shim = join(dir, 'contrastive.mjs');
  writeFileSync(shim, [
    `export * from '${dist('index.js')}';`,
    `export * as losses from '${dist('losses/index.js')}';`,
    `export * as miners from '${dist('losses/miners/index.js')}';`,
    `export * as distances from '${dist('losses/distances/index.js')}';`,
    `export * as reducers from '${dist('losses/reducers/index.js')}';`,
  ].join('\n'));
  const log = console.log;
  try {
    for (const [i, code] of blocks.entries()) {
      assert.match(code, /from 'contrastive'/, `example ${i} imports the package`);
      assert.ok(code.trim().split('\n').length <= 7, `example ${i} is short`);
      const file = join(dir, `example-${i}.mjs`);
      writeFileSync(file, code.replaceAll("from 'contrastive'", `from '${pathToFileURL(shim).href}'`));
      const printed: unknown[][] = [];
      console.log = (...args: unknown[]) => void printed.push(args);
      await import(pathToFileURL(file).href);
      console.log = log;
      assert.ok(printed.length > 0, `example ${i} prints`);
      const numbers: string[] = JSON.stringify(printed).match(/-?\d+(\.\d+)?(e-?\d+)?|NaN|null/g) ?? [];
      assert.ok(numbers.length > 0 && !numbers.includes('NaN') && !numbers.includes('null'), `example ${i} printed ${JSON.stringify(printed)}`);
    }
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
});
