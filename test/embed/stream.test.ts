// The streaming safetensors writer and reader: a streamed file equals saveSafetensors' bytes and
// loads with the regular loader; a failed or aborted write never leaves a torn file; the reader
// returns the same rows as the whole-file loader and rejects torn files with the same errors.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { memory, randn, scope, tensor, type Tensor } from '../../src/index.js';
import {
  loadSafetensors, SafetensorsError, SafetensorsReader, SafetensorsWriter, saveSafetensors, type TensorSpec,
} from '../../src/io/index.js';

const dir = mkdtempSync(join(tmpdir(), 'stream-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Files in `dir` whose name starts with `prefix` (temporary files are `.NAME.tmp-*`). */
const leftovers = (prefix: string): string[] => readdirSync(dir).filter((f) => f.startsWith(`.${prefix}`) || f === prefix);

test('a matrix streamed in row blocks is byte-identical to saveSafetensors and loads back', async () => {
  const before = memory();
  const x = randn([1000, 48]); // (N, D)
  const ref = join(dir, 'ref.safetensors');
  const out = join(dir, 'streamed.safetensors');
  const meta = { format: 'test', note: 'streamed' };
  saveSafetensors(ref, { embeddings: x }, meta);
  const w = await SafetensorsWriter.open(out, [{ name: 'embeddings', dtype: 'float32', shape: [1000, 48] }], meta);
  assert.ok(!existsSync(out), 'nothing at the target while writing');
  for (const [s, n] of [[0, 1], [1, 300], [301, 512], [813, 187]] as const) {
    const rows = x.narrow(0, s, n);
    await w.append('embeddings', rows);
    rows.dispose();
  }
  await w.close();
  assert.deepEqual(readFileSync(out), readFileSync(ref));
  scope(() => {
    const back = loadSafetensors(out);
    assert.deepEqual(back.metadata, meta);
    assert.equal(back.tensors.embeddings!.sub(x).abs().max().item(), 0);
  });
  x.dispose();
  assert.deepEqual(memory(), before);
  assert.deepEqual(leftovers('streamed.safetensors'), ['streamed.safetensors'], 'no temporary file left');
});

test('several tensors of mixed dtypes, appended in data order as tensors or raw bytes, equal saveSafetensors', async () => {
  const ts: Record<string, Tensor> = {
    a_f32: randn([5, 3]),
    b_f64: randn([4], { dtype: 'float64' }),
    c_bf16: randn([6, 2]).to('bfloat16'),
    d_i64: tensor([1n, -2n, 3n]),
    e_u8: tensor(new Uint8Array([0, 7, 255]), { shape: [3] }),
    f_bool: tensor([[true, false], [false, true]]),
    g_empty: randn([0, 4]),
  };
  const specs: TensorSpec[] = Object.entries(ts).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape }));
  const ref = join(dir, 'mixed-ref.safetensors');
  const out = join(dir, 'mixed.safetensors');
  saveSafetensors(ref, ts, { k: 'v' });
  const w = await SafetensorsWriter.open(out, specs.reverse(), { k: 'v' }); // declaration order does not matter
  for (const e of w.entries) {
    const t = ts[e.name]!;
    if (e.name === 'd_i64') {
      await w.append(e.name, new Uint8Array((t.data() as BigInt64Array).buffer)); // raw little-endian bytes
    } else if (t.ndim > 0 && t.shape[0]! > 1) {
      const n = t.shape[0]!;
      const h = Math.floor(n / 2);
      const a = t.narrow(0, 0, h);
      const b = t.narrow(0, h, n - h);
      await w.append(e.name, a);
      await w.append(e.name, b);
      a.dispose();
      b.dispose();
    } else {
      await w.append(e.name, t);
    }
  }
  await w.close();
  assert.deepEqual(readFileSync(out), readFileSync(ref));
  Object.values(ts).forEach((t) => t.dispose());
});

test('endRows cuts the last tensor to the rows written: the header keeps its length, the file loads with the new shape', async () => {
  const x = randn([10, 6]); // (N, D)
  const a = randn([2], { dtype: 'float64' });
  const specs: TensorSpec[] = [{ name: 'emb', dtype: 'float32', shape: [10, 6] }, { name: 'a', dtype: 'float64', shape: [2] }]; // data order: a (8-byte elements), then emb
  const open = async (name: string): Promise<SafetensorsWriter> => {
    const w = await SafetensorsWriter.open(join(dir, name), specs, { k: 'v' });
    await w.append('a', a);
    const rows = x.narrow(0, 0, 7);
    await w.append('emb', rows);
    rows.dispose();
    return w;
  };
  const w = await open('cut.safetensors');
  const dataStart = w.dataStart;
  await w.endRows('emb', 7);
  await w.close();
  const bytes = readFileSync(join(dir, 'cut.safetensors'));
  assert.equal(bytes.length, dataStart + 16 + 7 * 6 * 4, 'the data did not move');
  assert.equal(Number(bytes.readBigUInt64LE(0)), dataStart - 8, 'the header kept its length');
  scope(() => {
    const back = loadSafetensors(join(dir, 'cut.safetensors'));
    assert.deepEqual(back.metadata, { k: 'v' });
    assert.deepEqual(back.tensors.emb!.shape, [7, 6]);
    assert.equal(back.tensors.emb!.sub(x.narrow(0, 0, 7)).abs().max().item(), 0);
    assert.equal(back.tensors.a!.sub(a).abs().max().item(), 0);
  });
  const r = await SafetensorsReader.open(join(dir, 'cut.safetensors'));
  scope(() => assert.equal(r.header.entries.find((e) => e.name === 'emb')!.shape[0], 7));
  await r.close();
  const cases: [string, (w: SafetensorsWriter) => Promise<void>, RegExp][] = [
    ['not the last tensor', (w) => w.endRows('a', 1), /only the last tensor in data order \(emb\) can end early, not 'a'/],
    ['more rows than declared', (w) => w.endRows('emb', 11), /tensor 'emb' \[10, 6\] cannot end at 11 rows/],
    ['rows not yet written', (w) => w.endRows('emb', 8), /can end at 8 rows only once they are written \(168 of 192 bytes are\)/],
  ];
  for (const [what, fn, message] of cases) {
    const w2 = await open('cut-bad.safetensors');
    await assert.rejects(fn(w2), message, what);
    await assert.rejects(w2.close(), /already aborted/, `${what}: the write was given up`);
    assert.deepEqual(leftovers('cut-bad.safetensors'), [], `${what}: no file left`);
  }
  x.dispose();
  a.dispose();
});

test('errors abort the write: the target is never created or torn, an older file stays, no temporary file is left', async () => {
  const out = join(dir, 'guarded.safetensors');
  writeFileSync(out, 'the previous contents');
  const spec: TensorSpec[] = [{ name: 'x', dtype: 'float32', shape: [4, 2] }, { name: 'y', dtype: 'float32', shape: [3] }];
  const rows = randn([2, 2]);
  const cases: [string, (w: SafetensorsWriter) => Promise<void>, RegExp][] = [
    ['incomplete', async (w) => { await w.append('x', rows); await w.close(); }, /incomplete: 28 of 44 data bytes were never written/],
    ['out of order', async (w) => { await w.append('y', rows); }, /expected data of tensor 'x' next/],
    ['overflow', async (w) => { const r = randn([3, 2]); try { await w.append('x', r); await w.append('x', r); } finally { r.dispose(); } }, /24 bytes run past the end of tensor 'x' \(8 bytes left of \[4, 2\]\)/],
    ['undeclared', async (w) => { await w.append('z', rows); }, /no tensor 'z' was declared \(declared: x, y\)/],
    ['after the end', async (w) => {
      const [x, y] = [randn([4, 2]), randn([3])];
      try { await w.append('x', x); await w.append('y', y); await w.append('y', y); } finally { x.dispose(); y.dispose(); }
    }, /every declared tensor of .* is complete; nothing more can be appended/],
    ['wrong dtype', async (w) => { const r = rows.to('float64'); try { await w.append('x', r); } finally { r.dispose(); } }, /tensor 'x' is F32, got a float64 piece/],
    ['thrown by the caller', async (w) => { await w.append('x', rows); throw new Error('the data source failed'); }, /the data source failed/],
  ];
  for (const [what, fn, message] of cases) {
    const w = await SafetensorsWriter.open(out, spec);
    await assert.rejects(async () => { try { await fn(w); } finally { await w.abort(); } }, message, what);
    assert.equal(readFileSync(out, 'utf8'), 'the previous contents', `${what}: the old file is untouched`);
    assert.deepEqual(leftovers('guarded.safetensors'), ['guarded.safetensors'], `${what}: no temporary file left`);
    await assert.rejects(w.append('x', rows), /already aborted/, `${what}: an aborted writer refuses more data`);
  }
  rows.dispose();
  const fresh = join(dir, 'never.safetensors');
  const w = await SafetensorsWriter.open(fresh, spec);
  await w.abort();
  assert.ok(!existsSync(fresh));
  assert.deepEqual(leftovers('never.safetensors'), []);
  await assert.rejects(SafetensorsWriter.open(join(dir, 'no-such-folder', 'x.safetensors'), spec), /cannot create a file in .*no-such-folder/);
  await assert.rejects(SafetensorsWriter.open(fresh, [{ name: '__metadata__', dtype: 'float32', shape: [1] }]), /cannot name a tensor/);
  await assert.rejects(SafetensorsWriter.open(fresh, [{ name: 'a', dtype: 'float32', shape: [-1] }]), /shape must be non-negative integers/);
});

test('a process killed while writing leaves the target absent (only a temporary file)', async () => {
  const { spawn } = await import('node:child_process');
  const out = join(dir, 'killed.safetensors');
  const script = `
    import { SafetensorsWriter } from ${JSON.stringify(new URL('../../src/io/index.js', import.meta.url).href)};
    const w = await SafetensorsWriter.open(${JSON.stringify(out)}, [{ name: 'x', dtype: 'uint8', shape: [1 << 30] }]);
    await w.append('x', new Uint8Array(1 << 20));
    process.stdout.write('writing\\n');
    setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok(!existsSync(out), 'no file at the target');
  const tmp = leftovers('killed.safetensors');
  assert.equal(tmp.length, 1);
  assert.match(tmp[0]!, /^\.killed\.safetensors\.tmp-/);
});

test('SafetensorsReader reads row blocks equal to the loaded tensor, and rejects torn files like the loader', async () => {
  const before = memory();
  const path = join(dir, 'read.safetensors');
  const x = randn([37, 5]);
  const b = scope(() => randn([4, 3]).to('bfloat16'));
  saveSafetensors(path, { emb: x, half: b }, { m: '1' });
  const r = await SafetensorsReader.open(path);
  assert.deepEqual(r.header.metadata, { m: '1' });
  for (const [s, n] of [[0, 37], [0, 1], [36, 1], [10, 20], [5, 0]] as const) {
    const got = await r.rows('emb', s, n);
    assert.deepEqual(got.shape, [n, 5]);
    assert.equal(scope(() => (n === 0 ? 0 : got.sub(x.narrow(0, s, n)).abs().max().item())), 0, `rows ${s}+${n}`);
    got.dispose();
  }
  const h = await r.rows('half', 1, 2);
  assert.equal(h.dtype, 'bfloat16');
  assert.equal(scope(() => h.to('float32').sub(b.narrow(0, 1, 2).to('float32')).abs().max().item()), 0);
  h.dispose();
  await assert.rejects(r.rows('emb', 30, 8), /rows \[30, 38\) are out of range for tensor 'emb' with 37 rows/);
  await assert.rejects(r.rows('nope', 0, 1), /no tensor 'nope' \(the file holds: /);
  await r.close();
  await assert.rejects(r.rows('emb', 0, 1), /is closed/);
  x.dispose();
  b.dispose();
  assert.deepEqual(memory(), before);

  const bytes = readFileSync(path);
  const torn = join(dir, 'torn.safetensors');
  for (const cut of [4, 20, bytes.length - 3]) {
    writeFileSync(torn, bytes.subarray(0, cut));
    let loaderError = '';
    try { loadSafetensors(torn); } catch (e) { loaderError = (e as Error).message; }
    assert.match(loaderError, /truncated|too short|exceeds/);
    await assert.rejects(SafetensorsReader.open(torn), (e: unknown) => e instanceof SafetensorsError && /truncated|too short|exceeds/.test(e.message), `cut at ${cut}`);
  }
  writeFileSync(torn, Buffer.concat([bytes, Buffer.from([1, 2, 3, 4])]));
  await assert.rejects(SafetensorsReader.open(torn), /4 bytes of data after the last tensor are not indexed/);
  await assert.rejects(SafetensorsReader.open(join(dir, 'missing.safetensors')), /cannot read the file/);
});
