// The typed API is the only way into ATen: library code outside src/tensor/ calls typed methods,
// F functions and tensor-layer functions, never `run('...')` with an op name as a string; and
// every op name src/tensor/ itself uses exists in this libtorch, so a typo fails here rather
// than in a user's run. Both read the TypeScript sources (the tests run from dist/test/).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { opSchema } from '../../src/index.js';

/** The repository root: the first folder above this file holding src/tensor/tensor.ts. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'src', 'tensor', 'tensor.ts'))) return dir;
  }
  throw new Error('the TypeScript sources (src/tensor/tensor.ts) were not found above the test');
}

const ROOT = repoRoot();

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Source lines with their file and number, comments blanked (so prose may mention `run(`). */
function codeLines(file: string): { where: string; code: string }[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
  return text.split('\n').map((line, i) => ({ where: `${relative(ROOT, file)}:${i + 1}`, code: line.replace(/(^|[^:'"`])\/\/.*$/, '$1') }));
}

test('no file under src/ outside src/tensor/ calls the ATen runner by op name', () => {
  const files = tsFiles(join(ROOT, 'src')).filter((f) => !relative(join(ROOT, 'src'), f).startsWith('tensor'));
  assert.ok(files.length > 100, `only ${files.length} source files found under ${ROOT}/src`);
  const offences: string[] = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    // Importing the runner (or the dispatcher under it) from the tensor layer or the package root.
    for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']*)'/g)) {
      const names = m[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]);
      const engine = /tensor\/(index|tensor|dispatch|native)\.js$|^(\.\.\/)+index\.js$|^\.\/index\.js$/.test(m[2]!);
      for (const n of names) if (engine && ['run', 'runInPlace', 'runOut', 'opId', 'native'].includes(n!)) offences.push(`${relative(ROOT, f)} imports ${n} from '${m[2]}'`);
    }
    for (const { where, code } of codeLines(f)) {
      // A bare call run('...') / run<T>('...'); `session.run(...)` and method definitions `run(x) {` are others.
      if (/(?<![.\w$])run\s*(<[^>]*>)?\(\s*'/.test(code)) offences.push(`${where}: ${code.trim()}`);
      if (/\bnative\.call\(|\bopId\(/.test(code)) offences.push(`${where}: ${code.trim()}`);
    }
  }
  assert.deepEqual(offences, [], `ATen ops called by name outside src/tensor/ (add a typed method, an F function or a tensor-layer function):\n${offences.join('\n')}`);
});

/** Every ATen op name src/tensor/ passes to its helpers, with where it stands. */
function opNamesInTensorLayer(): Map<string, string> {
  const names = new Map<string, string>();
  // The literal that names the op in each helper's call: run('op'), runInPlace(x, 'op'),
  // runOut(out, 'op'), and the factories factory('display', 'op') and like('display', 'op').
  const patterns = [
    /(?<![.\w$])run\s*(?:<[^>]*>)?\(\s*'([^']+)'/g,
    /\brunInPlace\([^,()]+,\s*'([^']+)'/g,
    /\brunOut\([^,()]+,\s*'([^']+)'/g,
    /\b(?:factory|like)\(\s*'[^']*',\s*'([^']+)'/g,
  ];
  const dynamic: string[] = [];
  for (const f of tsFiles(join(ROOT, 'src', 'tensor'))) {
    for (const { where, code } of codeLines(f)) {
      for (const re of patterns) for (const m of code.matchAll(re)) if (!names.has(m[1]!)) names.set(m[1]!, where);
      // Calls that pass the op name in a variable cannot be checked here: there must be none,
      // except inside the helpers themselves, which pass on their parameter `name`.
      for (const call of code.matchAll(/(?<![.\w$])(run|runInPlace|runOut|factory|like)\s*(?:<[^>]*>)?\(([^)]*)/g)) {
        if (code.includes(`function ${call[1]}`)) continue; // the definition
        const arg = call[2]!.split(',').map((a) => a.trim())[call[1] === 'run' ? 0 : 1];
        if (arg !== undefined && arg !== '' && arg !== 'name' && !arg.startsWith("'")) dynamic.push(`${where}: ${code.trim()}`);
      }
    }
  }
  assert.deepEqual(dynamic, [], `op names passed in variables in src/tensor/ (use literals so this test sees them):\n${dynamic.join('\n')}`);
  return names;
}

test('every ATen op name used in src/tensor/ resolves in this libtorch', () => {
  const names = opNamesInTensorLayer();
  assert.ok(names.size > 150, `only ${names.size} op names found: the patterns above no longer match the code`);
  const unknown: string[] = [];
  for (const [name, where] of names) {
    try {
      assert.match(opSchema(name), /^aten::/);
    } catch (e) {
      unknown.push(`${where}: '${name}' (${(e as Error).message})`);
    }
  }
  assert.deepEqual(unknown, [], `op names libtorch does not know:\n${unknown.join('\n')}`);
});

test('the op-name scan finds a misspelt name (the check can fail)', () => {
  assert.throws(() => opSchema('fill_diagonal'), /unknown op aten::fill_diagonal/);
  assert.ok(opNamesInTensorLayer().has('fill_diagonal_'));
});
