// safetensors: the byte layout against the published format, round trips for every dtype,
// files written by an independent Python writer, and clear errors for torn or corrupt files.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Tensor, arange, memory, randn, scope, tensor } from '../../src/index.js';
import { SafetensorsError, loadSafetensors, parseSafetensors, saveSafetensors, serializeSafetensors } from '../../src/io/index.js';
import { assertClose, flat, runTorch } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'safetensors-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Builds a file by hand: header JSON (as given) and data bytes, for corruption tests. */
function handMade(header: unknown, data: Uint8Array = new Uint8Array(0), headerLen?: number): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(BigInt(headerLen ?? json.length));
  return Buffer.concat([n, json, data]);
}

test('the byte layout follows the format: u64 LE header length, JSON header, raw LE data', () => {
  scope(() => {
    const bytes = Buffer.concat(serializeSafetensors({ w: tensor([[1.5, -2], [0.25, 8]]), i: tensor([1n, -2n]) }, { note: 'x' }));
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0, 'data starts 8-byte aligned');
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    assert.deepEqual(header.__metadata__, { note: 'x' });
    assert.deepEqual(header.w.shape, [2, 2]);
    assert.equal(header.w.dtype, 'F32');
    assert.equal(header.i.dtype, 'I64');
    const data = bytes.subarray(8 + n);
    const [wb, we] = header.w.data_offsets as [number, number];
    assert.equal(we - wb, 16);
    // 1.5f is 0x3FC00000: little-endian bytes 00 00 C0 3F.
    assert.deepEqual([...data.subarray(wb, wb + 4)], [0x00, 0x00, 0xc0, 0x3f]);
    assert.deepEqual([0, 1, 2, 3].map((k) => data.readFloatLE(wb + 4 * k)), [1.5, -2, 0.25, 8]);
    const [ib] = header.i.data_offsets as [number, number];
    assert.equal(data.readBigInt64LE(ib + 8), -2n);
    assert.equal(data.length, 16 + 16, 'no bytes beyond the tensors');
  });
});

test('round trip of every dtype, 0-d and empty tensors, with metadata, through a file', () => {
  const before = memory().tensors;
  scope(() => {
    const ts: Record<string, Tensor> = {
      f32: randn([3, 4]),
      f64: randn([2, 3], { dtype: 'float64' }),
      f16: tensor([1.5, -2.25, 65504, 0.0001]).to('float16'),
      bf16: tensor([1.5, -2.25, 3e38, 1e-3]).to('bfloat16'),
      i64: tensor([9007199254740991n, -5n, 0n]),
      i32: tensor([1, -2, 2147483647], { dtype: 'int32' }),
      i16: tensor([1, -2, 32767], { dtype: 'int16' }),
      i8: tensor([1, -2, 127], { dtype: 'int8' }),
      u8: tensor([0, 1, 255], { dtype: 'uint8' }),
      bool: tensor([true, false, true]),
      scalar: tensor(2.5),
      empty: randn([0, 5]),
    };
    const path = join(dir, 'all.safetensors');
    saveSafetensors(path, ts, { epoch: '3', name: 'été' });
    const r = loadSafetensors(path);
    assert.deepEqual(r.metadata, { epoch: '3', name: 'été' });
    assert.deepEqual(Object.keys(r.tensors).sort(), Object.keys(ts).sort());
    for (const [k, t] of Object.entries(ts)) {
      const u = r.tensors[k]!;
      assert.equal(u.dtype, t.dtype, k);
      assert.deepEqual(u.shape, t.shape, k);
      assert.deepEqual(flat(u), flat(t), k);
    }
  });
  assert.equal(memory().tensors, before);
});

test('tensors written by an independent Python writer load here, and ours load there', () => {
  const theirs = join(dir, 'python.safetensors');
  const ours = join(dir, 'ours.safetensors');
  scope(() => {
    saveSafetensors(ours, {
      a: arange(6, undefined, 1, { dtype: 'float32' }).reshape([2, 3]).div(4),
      h: tensor([0.5, -3]).to('float16'),
      b: tensor([0.5, -3, 7]).to('bfloat16'),
      m: tensor([true, false]),
      n: tensor([-7n, 8n]),
    }, { k: 'v' });
  });
  // The Python side parses and writes the format itself with struct/json (the reference
  // `safetensors` package is not installed), and reads dtypes through torch views.
  const got = runTorch<Record<string, { dtype: string; shape: number[]; values: number[] }> & { __meta: Record<string, string> }>(`
import json, struct, sys, torch
ours, theirs = json.load(sys.stdin)
DT = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16,
      'I64': torch.int64, 'I32': torch.int32, 'U8': torch.uint8, 'BOOL': torch.bool}
raw = open(ours, 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
h = json.loads(raw[8:8 + n])
out = {'__meta': h.pop('__metadata__', {})}
for k, v in h.items():
    b, e = v['data_offsets']
    t = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + e]), dtype=DT[v['dtype']]).reshape(v['shape']) if e > b else torch.empty(v['shape'], dtype=DT[v['dtype']])
    out[k] = {'dtype': v['dtype'], 'shape': list(t.shape), 'values': t.float().flatten().tolist()}
ts = {'x': torch.arange(12, dtype=torch.float32).reshape(3, 4) / 8, 'y': torch.tensor([1.5, -2.5], dtype=torch.bfloat16),
      'z': torch.tensor([3.25], dtype=torch.float16), 'w': torch.tensor([[-1, 2]], dtype=torch.int64),
      'v': torch.tensor([True, False, True]), 'u': torch.tensor([1.0, 2.0], dtype=torch.float64)}
header, blobs, off = {'__metadata__': {'from': 'python'}}, [], 0
for k, t in ts.items():
    b = (t.view(torch.int16) if t.dtype in (torch.float16, torch.bfloat16) else t).contiguous().numpy().tobytes()
    header[k] = {'dtype': [c for c, d in DT.items() if d == t.dtype][0], 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
    off += len(b); blobs.append(b)
hj = json.dumps(header).encode()
open(theirs, 'wb').write(struct.pack('<Q', len(hj)) + hj + b''.join(blobs))
print(json.dumps(out))
`, [ours, theirs]);
  assert.deepEqual(got.__meta, { k: 'v' });
  assert.deepEqual(got.a, { dtype: 'F32', shape: [2, 3], values: [0, 0.25, 0.5, 0.75, 1, 1.25] });
  assert.deepEqual(got.h!.values, [0.5, -3]);
  assert.equal(got.b!.dtype, 'BF16');
  assert.deepEqual(got.b!.values, [0.5, -3, 7]);
  assert.deepEqual(got.m!.values, [1, 0]);
  assert.deepEqual(got.n, { dtype: 'I64', shape: [2], values: [-7, 8] });

  scope(() => {
    const r = loadSafetensors(theirs);
    assert.deepEqual(r.metadata, { from: 'python' });
    assertClose(r.tensors.x!, Array.from({ length: 12 }, (_, i) => i / 8), { atol: 0 });
    assert.deepEqual(r.tensors.x!.shape, [3, 4]);
    assert.equal(r.tensors.y!.dtype, 'bfloat16');
    assert.deepEqual(flat(r.tensors.y!), [1.5, -2.5]);
    assert.equal(r.tensors.z!.dtype, 'float16');
    assert.deepEqual(flat(r.tensors.z!), [3.25]);
    assert.deepEqual(r.tensors.w!.toArray(), [[-1, 2]]);
    assert.deepEqual(r.tensors.v!.toArray(), [true, false, true]);
    assert.equal(r.tensors.u!.dtype, 'float64');
  });
});

test('torn and corrupt files give a SafetensorsError naming the problem', () => {
  const f32 = (n: number): Uint8Array => new Uint8Array(new Float32Array(n).buffer);
  const entry = (b: number, e: number, shape = [(e - b) / 4]): unknown => ({ dtype: 'F32', shape, data_offsets: [b, e] });
  const cases: [string, Uint8Array, RegExp][] = [
    ['short file', new Uint8Array(5), /too short to hold the 8-byte header length/],
    ['header length beyond the file', handMade({ a: entry(0, 8) }, f32(2), 10_000), /header length \(10000 bytes\) exceeds/],
    ['bad JSON', handMade('{"a": {"dtype": "F32", '), /not valid JSON/],
    ['not an object', handMade('[1, 2]'), /does not start with '\{'|not a JSON object/],
    ['unknown dtype', handMade({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /unsupported dtype 'F8_E4M3'/],
    ['bad shape', handMade({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), /shape must be an array of non-negative integers/],
    ['bad offsets', handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, f32(1)), /data_offsets must be \[begin, end\]/],
    ['size mismatch', handMade({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2)), /span 8 bytes, but F32 of shape \[3\] needs 12/],
    ['truncated data', handMade({ a: entry(0, 8), b: entry(8, 24) }, f32(3)), /truncated: tensor 'b' ends at byte 24 of the data, which holds only 12 bytes/],
    ['overlap', handMade({ a: entry(0, 8), b: entry(4, 12) }, f32(3)), /tensor 'b' overlaps/],
    ['hole', handMade({ a: entry(0, 4), b: entry(8, 12) }, f32(3)), /hole before tensor 'b'/],
    ['trailing bytes', handMade({ a: entry(0, 4) }, f32(2)), /4 bytes of data after the last tensor/],
    ['bad bool', handMade({ a: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, new Uint8Array([1, 7])), /BOOL element 1 has byte value 7/],
    ['metadata not strings', handMade({ __metadata__: { a: 1 } }), /__metadata__ 'a' must be a string/],
  ];
  const before = memory().tensors;
  for (const [what, bytes, re] of cases) {
    assert.throws(() => parseSafetensors(bytes, 'f.safetensors'), (e: unknown) => {
      assert.ok(e instanceof SafetensorsError, `${what}: ${String(e)}`);
      assert.match((e as Error).message, /^safetensors: f\.safetensors: /, what);
      assert.match((e as Error).message, re, what);
      return true;
    }, what);
  }
  assert.equal(memory().tensors, before, 'nothing is created from a corrupt file');
  // A well-formed hand-made file parses (so the cases above fail for their own reason).
  scope(() => {
    const ok = parseSafetensors(handMade({ a: entry(0, 8), b: entry(8, 12) }, f32(3)));
    assert.deepEqual(ok.tensors.b!.shape, [1]);
  });
  // A real file cut anywhere in its data or header is rejected.
  const whole = Buffer.concat(scope(() => serializeSafetensors({ w: randn([4, 4]), v: randn([3]) })));
  for (const cut of [3, 8, 20, whole.length - 1]) {
    assert.throws(() => parseSafetensors(whole.subarray(0, cut)), SafetensorsError, `cut at ${cut}`);
  }
  assert.throws(() => loadSafetensors(join(dir, 'missing.safetensors')), /cannot read the file/);
});

test('writes are atomic: a failed save leaves the old file and no temporary files', () => {
  const path = join(dir, 'atomic', 'w.safetensors');
  mkdirSync(join(dir, 'atomic'));
  scope(() => saveSafetensors(path, { a: tensor([1, 2, 3]) }));
  const old = readFileSync(path);
  const disposed = tensor([4]);
  disposed.dispose();
  assert.throws(() => saveSafetensors(path, { a: tensor([9]), b: disposed }), /'b' has been disposed/);
  assert.deepEqual(readFileSync(path), old);
  // The rename itself fails (the target is a non-empty folder): the temporary file is removed.
  const folder = join(dir, 'atomic', 'folder.safetensors');
  mkdirSync(folder);
  writeFileSync(join(folder, 'x'), 'x');
  assert.throws(() => scope(() => saveSafetensors(folder, { a: tensor([1]) })));
  assert.deepEqual(readdirSync(join(dir, 'atomic')).sort(), ['folder.safetensors', 'w.safetensors']);
  scope(() => assert.deepEqual(loadSafetensors(path).tensors.a!.toArray(), [1, 2, 3]));
});

test('bad arguments are TypeErrors', () => {
  scope(() => {
    assert.throws(() => serializeSafetensors({ a: [1, 2] as unknown as Tensor }), /'a' is not a Tensor/);
    assert.throws(() => serializeSafetensors({ __metadata__: tensor([1]) }), /cannot name a tensor/);
    assert.throws(() => serializeSafetensors({ a: tensor([1]) }, { x: 1 as unknown as string }), /metadata 'x' must be a string/);
    assert.throws(() => parseSafetensors('abc' as unknown as Uint8Array), TypeError);
  });
});
