#!/usr/bin/env node
// The package's install step: build the native addon against the libtorch that scripts/libtorch.mjs
// finds. With no libtorch, one paragraph says where it can come from, and the install stops.
// `npm rebuild contrastive` runs this again once libtorch is there. CONTRASTIVE_ADDON=FILE installs
// an addon built before (for the same libtorch) instead of compiling one.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const prebuilt = process.env.CONTRASTIVE_ADDON;
if (prebuilt) {
  if (!existsSync(prebuilt)) {
    process.stderr.write(`contrastive: CONTRASTIVE_ADDON=${prebuilt}: no such file\n`);
    process.exit(1);
  }
  mkdirSync(join(root, 'build', 'Release'), { recursive: true });
  copyFileSync(prebuilt, join(root, 'build', 'Release', 'contrastive.node'));
  process.exit(0);
}
try {
  execFileSync(process.execPath, ['scripts/libtorch.mjs', 'source'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
} catch {
  process.stderr.write([
    '',
    'contrastive: no libtorch found to build the native addon against. It looks, in order, for',
    '  1. LIBTORCH: a libtorch folder (with include/ and lib/), e.g. LIBTORCH=/opt/libtorch npm rebuild contrastive;',
    "  2. python3's PyTorch (pip install torch), whose headers and libraries it uses;",
    "  3. Debian's libtorch-dev: sudo apt-get install libtorch-dev libgloo-dev (Gloo's headers add data-parallel training).",
    'Install one, then run `npm rebuild contrastive`.',
    '',
  ].join('\n') + '\n');
  process.exit(1);
}
// npm hands its own node-gyp to install scripts; otherwise the dependency's.
const gyp = process.env.npm_config_node_gyp || createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
const r = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
