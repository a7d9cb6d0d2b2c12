// The architecture docs/architecture.md describes, checked: no import cycle in src/, and every
// folder imports only the layers below it (report, search, export and the CLI's run folders
// never go through the trainer; the trainer never imports the report).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseCircular, parseDependencyTree } from 'dpdm';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** What each folder of src/ may import, besides itself (docs/architecture.md's layer table). */
const ALLOWED: Record<string, readonly string[]> = {
  tensor: [],
  nn: ['tensor'],
  optim: ['tensor', 'nn'],
  io: ['tensor', 'nn', 'optim'],
  losses: ['tensor', 'nn'],
  augment: ['tensor'],
  data: ['tensor', 'augment'],
  eval: ['tensor', 'nn', 'losses', 'data'],
  methods: ['tensor', 'nn', 'optim', 'losses', 'eval'],
  distributed: ['tensor', 'nn'],
  run: ['tensor', 'nn', 'optim', 'io', 'losses', 'augment', 'data', 'eval', 'methods'],
  search: ['tensor', 'nn', 'io', 'data', 'eval', 'run'],
  export: ['tensor', 'nn', 'io', 'data', 'eval', 'run'],
  train: ['tensor', 'nn', 'optim', 'io', 'losses', 'augment', 'data', 'eval', 'methods', 'run', 'distributed'],
  report: ['tensor', 'nn', 'io', 'augment', 'data', 'eval', 'run'],
  cli: ['tensor', 'nn', 'optim', 'io', 'losses', 'augment', 'data', 'eval', 'methods', 'run', 'search', 'export', 'train', 'report', 'distributed'],
};

const tree = await parseDependencyTree(['src/**/*.ts'], { cwd: root, tsconfig: `${root}/tsconfig.json`, transform: false, skipDynamicImports: false });

test('src/ has no import cycle (type-only imports included)', () => {
  const cycles = parseCircular(tree);
  assert.deepEqual(cycles.map((c) => c.join(' -> ')), []);
  assert.ok(Object.keys(tree).filter((f) => f.startsWith('src/')).length > 150, 'the whole of src/ was read');
});

test('each layer imports only the layers below it', () => {
  const wrong: string[] = [];
  for (const [file, deps] of Object.entries(tree)) {
    const from = /^src\/([^/]+)\//.exec(file)?.[1];
    if (!from || !deps) continue;
    assert.ok(from in ALLOWED, `${file}: src/${from}/ is not in the layer table`);
    for (const d of deps) {
      const to = d.id ? /^src\/([^/]+)\//.exec(d.id)?.[1] : undefined;
      if (to && to !== from && !ALLOWED[from]!.includes(to)) wrong.push(`${file} imports ${d.id} (${from} -> ${to})`);
      if (d.id === 'src/index.ts') wrong.push(`${file} imports the package root`);
    }
  }
  assert.deepEqual(wrong, []);
});
