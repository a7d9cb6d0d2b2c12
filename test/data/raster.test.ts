// The raster decoder (GeoTIFF / TIFF pages, .npy) and per-band statistics, on small files
// written by test/helpers/tiff.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bandStatistics, BAND_STD_EPSILON } from '../../src/data/band-stats.js';
import type { Dataset } from '../../src/data/dataset.js';
import { rasterDecoder } from '../../src/data/raster.js';
import { assertClose } from '../helpers.js';
import { tiffBytes, writeNpy, writeTiff, type TiffDtype, type TiffSpec } from '../helpers/tiff.js';

const dir = mkdtempSync(join(tmpdir(), 'raster-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
const path = (ext: string): string => join(dir, `f${count++}${ext}`);

/** Values (C, H, W) that fit every dtype (signed ones get negatives). */
function values(c: number, h: number, w: number, dtype: TiffDtype): number[] {
  const span = dtype === 'uint8' ? 250 : dtype === 'float32' ? 1e4 : 60000;
  return Array.from({ length: c * h * w }, (_, i) => {
    const v = (i * 7919) % span;
    return dtype === 'int16' ? v - 30000 : dtype === 'float32' ? v / 8 - 100.25 : v;
  });
}

function tiff(c: number, h: number, w: number, dtype: TiffDtype, o: Partial<TiffSpec> = {}): { file: string; data: number[] } {
  const data = values(c, h, w, dtype);
  const file = path('.tif');
  writeTiff(file, { data, bands: c, height: h, width: w, dtype, ...o });
  return { file, data };
}

const target = (channels: number, height: number, width: number, fit: 'cover' | 'fill' = 'cover') => ({ channels, height, width, fit });

describe('the test TIFF writer', () => {
  it('writes the TIFF 6.0 header and a sorted IFD (checked by hand)', () => {
    const b = tiffBytes({ data: [1, 2, 3, 4], bands: 1, height: 2, width: 2, dtype: 'uint16' });
    const v = new DataView(b.buffer);
    assert.deepEqual([b[0], b[1], v.getUint16(2, true)], [0x49, 0x49, 42]);
    const ifd = v.getUint32(4, true);
    assert.equal(ifd % 2, 0);
    const n = v.getUint16(ifd, true);
    const tags = Array.from({ length: n }, (_, i) => v.getUint16(ifd + 2 + 12 * i, true));
    assert.deepEqual(tags, [...tags].sort((a, b2) => a - b2));
    const entry = (tag: number) => ifd + 2 + 12 * tags.indexOf(tag);
    assert.equal(v.getUint32(entry(256) + 8, true), 2); // ImageWidth
    assert.equal(v.getUint16(entry(258) + 8, true), 16); // BitsPerSample
    const strip = v.getUint32(entry(273) + 8, true);
    assert.deepEqual([0, 1, 2, 3].map((k) => v.getUint16(strip + 2 * k, true)), [1, 2, 3, 4]);
    assert.equal(v.getUint32(ifd + 2 + 12 * n, true), 0); // the last IFD
  });
});

describe('rasterDecoder: TIFF', () => {
  for (const dtype of ['uint8', 'uint16', 'int16', 'float32'] as const) {
    for (const planar of [false, true]) {
      it(`round-trips ${dtype}, ${planar ? 'planar' : 'chunky'}, 13 bands`, async () => {
        const { file, data } = tiff(13, 5, 6, dtype, { planar, rowsPerStrip: 2 });
        assert.deepEqual(await rasterDecoder.probe(file), { channels: 13, height: 5, width: 6, sampleType: dtype });
        const out = await rasterDecoder.decode(file, target(13, 5, 6));
        assert.ok(out instanceof Float32Array);
        assert.deepEqual(Array.from(out), data.map(Math.fround));
      });
    }
  }

  // GDAL's usual GeoTIFF layouts: COG-style 16x16 tiles (edge tiles padded) and Deflate with the horizontal predictor.
  for (const [what, o] of [
    ['tiled, chunky', { tile: 16 }],
    ['tiled, planar, Deflate + predictor', { tile: 16, planar: true, compression: 'deflate', predictor: true }],
    ['strips, Deflate + predictor', { rowsPerStrip: 7, compression: 'deflate', predictor: true }],
    ['tiled, chunky, Deflate', { tile: 32, compression: 'deflate' }],
    ['big-endian, one strip', { bigEndian: true }],
    ['big-endian, one Deflate tile', { bigEndian: true, tile: 48, compression: 'deflate' }],
  ] as [string, Partial<TiffSpec>][]) {
    for (const dtype of ['uint16', 'int16'] as const) {
      it(`reads ${what} ${dtype}, 4 bands of 20 x 37`, async () => {
        const { file, data } = tiff(4, 20, 37, dtype, o);
        assert.deepEqual(await rasterDecoder.probe(file), { channels: 4, height: 20, width: 37, sampleType: dtype });
        assert.deepEqual(Array.from(await rasterDecoder.decode(file, target(4, 20, 37))), data);
      });
    }
  }
  for (const [tile, bigEndian] of [[16, false], [32, true]] as const) {
    it(`reads a tiled, Deflate-compressed float32 raster${bigEndian ? ', big-endian' : ''}`, async () => {
      const { file, data } = tiff(3, 17, 18, 'float32', { tile, compression: 'deflate', bigEndian });
      assert.deepEqual(Array.from(await rasterDecoder.decode(file, target(3, 17, 18))), data.map(Math.fround));
    });
  }
  it('refuses a big-endian TIFF of 16-bit samples with the horizontal predictor (geotiff would decode it wrong)', async () => {
    const { file } = tiff(2, 20, 37, 'uint16', { bigEndian: true, tile: 48, compression: 'deflate', predictor: true });
    await assert.rejects(rasterDecoder.probe(file), /big-endian \('MM'\) TIFF of 16-bit samples with horizontal differencing \(Predictor 2\).*gdal_translate -co ENDIANNESS=LITTLE/);
    const small = tiff(2, 20, 37, 'uint8', { bigEndian: true, tile: 48, compression: 'deflate', predictor: true });
    assert.deepEqual(Array.from(await rasterDecoder.decode(small.file, target(2, 20, 37))), small.data, '8-bit samples have no byte order');
  });
  it('names geotiff 3.0.5\'s big-endian bug (byte-swapped offset arrays) instead of calling the file truncated', async () => {
    // Several strips or tiles put the offsets in an array outside the IFD, which geotiff 3.0.5 reads in the wrong byte order.
    for (const o of [{ rowsPerStrip: 3 }, { tile: 16, compression: 'deflate' as const }]) {
      const { file, data } = tiff(2, 20, 37, 'uint16', { bigEndian: true, ...o });
      const read = await rasterDecoder.decode(file, target(2, 20, 37)).then((x) => Array.from(x), (e: Error) => e);
      if (Array.isArray(read)) assert.deepEqual(read, data, 'a geotiff with the fix reads it right');
      else assert.match(read.message, /big-endian \('MM'\) TIFF whose (strip|tile) offsets geotiff reads byte-swapped .*geotiff\.js#535.*gdal_translate -co ENDIANNESS=LITTLE/);
    }
  });

  it('reads a multi-page TIFF (a band per page) and ignores overviews', async () => {
    const { file, data } = tiff(4, 6, 5, 'uint16', { pages: true, overview: true, bandNames: ['B2', 'B3', 'B4', 'B8'] });
    assert.deepEqual(await rasterDecoder.probe(file), { channels: 4, height: 6, width: 5, sampleType: 'uint16', bandNames: ['B2', 'B3', 'B4', 'B8'] });
    assert.deepEqual(Array.from(await rasterDecoder.decode(file, target(4, 6, 5))), data);
    const one = tiff(3, 4, 4, 'uint8', { overview: true });
    assert.equal((await rasterDecoder.probe(one.file)).channels, 3);
  });

  it('reads the GDAL band descriptions', async () => {
    const names = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B8A', 'B9', 'B10', 'B11', 'B12'];
    const { file } = tiff(13, 2, 3, 'uint16', { bandNames: names });
    assert.deepEqual((await rasterDecoder.probe(file)).bandNames, names);
  });

  it('rejects pages of different sizes, naming the file and the page', async () => {
    const a = tiffBytes({ data: values(1, 4, 4, 'uint8'), bands: 1, height: 4, width: 4, dtype: 'uint8' });
    const b = tiffBytes({ data: values(1, 3, 4, 'uint8'), bands: 1, height: 3, width: 4, dtype: 'uint8' });
    // page 1 = b appended after a, a's IFD linked to it (its next-IFD offset is its last 4 bytes)
    const joined = new Uint8Array(a.length + b.length);
    joined.set(a);
    joined.set(b, a.length);
    const v = new DataView(joined.buffer);
    const shift = (o: number) => o + a.length;
    const bv = new DataView(b.buffer);
    const bIfd = bv.getUint32(4, true);
    v.setUint32(a.length - 4, shift(bIfd), true);
    const n = bv.getUint16(bIfd, true);
    for (let i = 0; i < n; i++) {
      const e = shift(bIfd) + 2 + 12 * i;
      if (v.getUint16(e, true) === 273) v.setUint32(e + 8, shift(v.getUint32(e + 8, true)), true); // StripOffsets
    }
    const file = path('.tif');
    writeFileSync(file, joined);
    await assert.rejects(rasterDecoder.probe(file), (e: Error) => e.message.includes(file) && /page 1 is 4x3, page 0 is 4x4/.test(e.message));
  });

  for (const [dtype, what, override] of [
    ['float64', 'float64', undefined], ['int32', 'int32', undefined], ['uint32', 'uint32', undefined], ['int8', 'int8', undefined],
    ['uint8', '1-bit', { bitsPerSample: 1 }], ['float32', 'complex float32', { sampleFormat: 6 }],
  ] as const) {
    it(`rejects ${what} samples`, async () => {
      const { file } = tiff(2, 2, 2, dtype, override ? { override } : {});
      const message = `raster: ${file}: unsupported sample format ${what} (supported: uint8, uint16, int16, float32)`;
      await assert.rejects(rasterDecoder.probe(file), { message });
      await assert.rejects(rasterDecoder.decode(file, target(2, 2, 2)), { message });
    });
  }

  it('rejects a truncated file at any length, naming the file', async () => {
    const { file } = tiff(3, 8, 8, 'uint16', { pages: true, rowsPerStrip: 2 });
    const bytes = readFileSync(file);
    for (const n of [0, 4, 8, 16, 100, Math.floor(bytes.length / 3), Math.floor(bytes.length / 2), bytes.length - 1]) {
      const cut = path('.tif');
      writeFileSync(cut, bytes.subarray(0, n));
      await assert.rejects(rasterDecoder.decode(cut, target(3, 8, 8)), (e: Error) => e.message.startsWith(`raster: ${cut}: `) && /truncated/.test(e.message), `cut at ${n}`);
    }
  });

  it('rejects strips past the end of the file and garbage, naming the file', async () => {
    const b = tiffBytes({ data: values(1, 4, 4, 'uint8'), bands: 1, height: 4, width: 4, dtype: 'uint8' });
    const v = new DataView(b.buffer);
    const ifd = v.getUint32(4, true);
    for (let i = 0; i < v.getUint16(ifd, true); i++) if (v.getUint16(ifd + 2 + 12 * i, true) === 279) v.setUint32(ifd + 2 + 12 * i + 8, 1e6, true);
    const file = path('.tif');
    writeFileSync(file, b);
    await assert.rejects(rasterDecoder.probe(file), (e: Error) => e.message.includes(file) && /strip 0 ends at byte \d+, past the end of the file/.test(e.message));
    const garbage = path('.tif');
    const noise = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) % 256);
    writeFileSync(garbage, noise);
    await assert.rejects(rasterDecoder.probe(garbage), (e: Error) => e.message.startsWith(`raster: ${garbage}: not a TIFF`));
    noise.set([0x49, 0x49, 42, 0, 8, 0, 0, 0]); // a TIFF header, then noise
    writeFileSync(garbage, noise);
    await assert.rejects(rasterDecoder.decode(garbage, target(1, 4, 4)), (e: Error) => e.message.startsWith(`raster: ${garbage}: `));
  });

  it('rejects a looping IFD chain instead of hanging', async () => {
    const b = tiffBytes({ data: values(1, 2, 2, 'uint8'), bands: 1, height: 2, width: 2, dtype: 'uint8' });
    const v = new DataView(b.buffer);
    v.setUint32(b.length - 4, v.getUint32(4, true), true); // the last IFD points back at the first
    const file = path('.tif');
    writeFileSync(file, b);
    await assert.rejects(rasterDecoder.probe(file), /loops back/);
  });

  it('rejects a missing file and a wrong band count, naming the file and the counts', async () => {
    const missing = join(dir, 'nope.tif');
    await assert.rejects(rasterDecoder.probe(missing), (e: Error) => e.message.startsWith(`raster: ${missing}: cannot read the file`));
    await assert.rejects(rasterDecoder.decode(join(dir, 'nope.npy'), target(1, 1, 1)), /raster: .*nope\.npy: cannot read the file/);
    const { file } = tiff(4, 2, 2, 'uint8');
    await assert.rejects(rasterDecoder.decode(file, target(3, 2, 2)), { message: `raster: ${file}: 4 bands, expected 3 (the dataset's band count)` });
  });
});

describe('rasterDecoder: .npy', () => {
  for (const [descr, Ctor, dtype] of [['<u1', Uint8Array, 'uint8'], ['<u2', Uint16Array, 'uint16'], ['<i2', Int16Array, 'int16'], ['<f4', Float32Array, 'float32']] as const) {
    it(`round-trips ${descr} (C, H, W)`, async () => {
      const data = values(13, 3, 4, dtype);
      const file = path('.npy');
      writeNpy(file, Ctor.from(data), [13, 3, 4], descr);
      assert.deepEqual(await rasterDecoder.probe(file), { channels: 13, height: 3, width: 4, sampleType: dtype });
      assert.deepEqual(Array.from(await rasterDecoder.decode(file, target(13, 3, 4))), data.map(Math.fround));
    });
  }

  it('rejects other dtypes, other shapes, wrong band counts and cut files', async () => {
    const f8 = path('.npy');
    writeNpy(f8, new Float64Array(8), [2, 2, 2], '<f8');
    await assert.rejects(rasterDecoder.probe(f8), { message: `raster: ${f8}: unsupported sample format '<f8' (supported: uint8, uint16, int16, float32)` });
    const flat = path('.npy');
    writeNpy(flat, new Uint8Array(8), [2, 4], '|u1');
    await assert.rejects(rasterDecoder.probe(flat), { message: `raster: ${flat}: the array has shape (2, 4), expected (C, H, W)` });
    const ok = path('.npy');
    writeNpy(ok, new Uint16Array(2 * 3 * 3), [2, 3, 3], '<u2');
    await assert.rejects(rasterDecoder.decode(ok, target(3, 3, 3)), { message: `raster: ${ok}: 2 bands, expected 3 (the dataset's band count)` });
    const bytes = readFileSync(ok);
    for (const n of [0, 5, 40, bytes.length - 1]) {
      const cut = path('.npy');
      writeFileSync(cut, bytes.subarray(0, n));
      await assert.rejects(rasterDecoder.decode(cut, target(2, 3, 3)), (e: Error) => e.message.startsWith(`raster: ${cut}: `), `cut at ${n}`);
    }
  });
});

describe('rasterDecoder: resizing', () => {
  // torch 1.13: F.interpolate(x (1, 2, 5, 7) float64, size, mode='bilinear', antialias=True,
  // align_corners=False); cover 4x4 = the 4x6 resize, columns 1..4.
  const src = Array.from({ length: 2 * 5 * 7 }, (_, i) => {
    const [c, y, x] = [Math.floor(i / 35), Math.floor(i / 7) % 5, i % 7];
    return ((c * 37 + y * 11 + x * x * 3) % 29) * 1.5 - 4;
  });
  const expected: Record<string, number[]> = {
    fill_3x4: [5.857143, 19.451429, 19.417143, 21.204082, 20.968254, 16.186667, 15.986667, 18.428571, 14.214286, 20.848571, 12.611429, 15.357143, 16.969388, 14.797143, 20.728571, 12.193878, 9.492063, 18.326667, 19.093333, 16.619048, 25.030612, 19.922857, 11.188571, 8.714286],
    fill_8x9: [-4.0, -1.0, 6.5, 19.0, 36.5, 27.166667, 22.833333, 23.5, 27.5, 3.21875, 6.21875, 13.71875, 21.989583, 24.6875, 15.354167, 21.59375, 24.375, 15.6875, 13.53125, 16.53125, 22.822917, 24.75, 10.53125, 1.197917, 19.520833, 24.71875, 1.53125, 23.84375, 26.84375, 21.052083, 13.916667, 20.84375, 11.510417, 14.729167, 16.90625, 11.84375, 20.5625, 23.5625, 17.770833, 10.635417, 17.5625, 18.802083, 17.489583, 18.15625, 22.15625, 3.6875, 6.6875, 12.979167, 14.90625, 0.6875, 23.072917, 27.802083, 28.46875, 32.46875, 11.28125, 14.28125, 21.78125, 24.614583, 8.28125, 13.75, 13.645833, 14.3125, 18.3125, 18.5, 21.5, 29.0, 31.833333, 15.5, 6.166667, 1.833333, 2.5, 6.5, 8.0, 11.0, 18.5, 21.333333, 5.0, 29.5, 34.833333, 21.0, -4.0, 15.21875, 18.21875, 17.260417, 13.75, 12.21875, 21.916667, 23.020833, 15.53125, 3.21875, 22.8125, 25.8125, 15.1875, 5.03125, 22.53125, 13.197917, 8.864583, 9.53125, 13.53125, 5.9375, 8.9375, 10.395833, 15.34375, 32.84375, 23.510417, 19.177083, 19.84375, 23.84375, 2.65625, 5.65625, 13.15625, 22.635417, 29.5625, 20.229167, 15.895833, 16.5625, 20.5625, 12.96875, 15.96875, 23.46875, 26.90625, 12.6875, 3.354167, -0.979167, -0.3125, 3.6875, 23.28125, 26.28125, 22.90625, 17.583333, 20.28125, 10.947917, 6.614583, 7.28125, 11.28125, 30.5, 33.5, 21.666667, 10.0, 27.5, 18.166667, 13.833333, 14.5, 18.5],
    fill_2x10: [10.522727, 12.997727, 15.926136, 18.455682, 20.409091, 17.855682, 12.080682, 22.4375, 20.828409, 14.340909, 13.863636, 16.338636, 19.267045, 21.796591, 14.753409, 12.892045, 16.607955, 15.892045, 17.446591, 19.659091, 12.636364, 15.111364, 16.0625, 13.055682, 17.184091, 20.167045, 21.213636, 19.113636, 14.835227, 10.522727, 15.977273, 18.452273, 19.897727, 18.275, 21.217045, 18.663636, 10.713636, 8.613636, 10.563636, 13.863636],
    cover_4x4: [8.84375, 23.210938, 23.0, 23.164062, 22.429688, 17.992188, 9.625, 19.757812, 16.304688, 11.867188, 17.773438, 21.5625, 23.09375, 23.1875, 10.742187, 8.1875, 17.445312, 14.820312, 20.726563, 27.6875, 14.039063, 15.71875, 21.625, 14.3125, 15.84375, 23.867188, 15.5, 8.1875, 24.898438, 16.835938, 16.625, 9.3125],
  };
  for (const [name, ref] of Object.entries(expected)) {
    it(`matches torch's antialiased bilinear: ${name}`, async () => {
      const [fit, size] = name.split('_') as ['cover' | 'fill', string];
      const [h, w] = size.split('x').map(Number) as [number, number];
      const file = path('.npy');
      writeNpy(file, Float32Array.from(src), [2, 5, 7], '<f4');
      const out = await rasterDecoder.decode(file, target(2, h, w, fit));
      assert.equal(out.length, 2 * h * w);
      assertClose(Array.from(out), ref, { atol: 1e-4, rtol: 1e-5 });
    });
  }
});

/** A dataset of float (or uint8) images (N, C, H, W) held in memory. */
function memory(data: Float32Array | Uint8Array, shape: [number, number, number]): Dataset {
  const item = shape[0] * shape[1] * shape[2];
  const length = data.length / item;
  return {
    length, sampleShape: shape, labels: null, classes: [],
    read: (idx) => {
      const out = data instanceof Uint8Array ? new Uint8Array(idx.length * item) : new Float32Array(idx.length * item);
      idx.forEach((i, k) => out.set(data.subarray(i * item, (i + 1) * item), k * item));
      return { data: out, labels: null, indices: Int32Array.from(idx) };
    },
  };
}

/** Mean and population std of each band over items `idx`, two passes (the reference). */
function naive(data: ArrayLike<number>, shape: [number, number, number], idx: number[], scale = 1): { mean: number[]; std: number[] } {
  const [c, h, w] = shape;
  const hw = h * w;
  const mean: number[] = [];
  const std: number[] = [];
  for (let b = 0; b < c; b++) {
    const vals = idx.flatMap((i) => Array.from({ length: hw }, (_, p) => data[(i * c + b) * hw + p]! * scale));
    const m = vals.reduce((a, v) => a + v, 0) / vals.length;
    mean.push(m);
    std.push(Math.sqrt(vals.reduce((a, v) => a + (v - m) ** 2, 0) / vals.length));
  }
  return { mean, std };
}

describe('bandStatistics', () => {
  const shape: [number, number, number] = [3, 4, 5];
  const n = 150;
  const data = Float32Array.from({ length: n * 60 }, (_, i) => 1000 + ((i * 2654435761) % 4096) * (1 + (Math.floor(i / 20) % 3)));
  for (let i = 0; i < n; i++) data.fill(7.5, (i * 3 + 2) * 20, (i * 3 + 3) * 20); // band 2 constant

  it('matches a two-pass computation over an evenly spaced sample, a constant band getting the epsilon', async () => {
    const got = await bandStatistics(memory(data, shape), { sample: 100 });
    const idx = Array.from({ length: 100 }, (_, i) => Math.floor((i * n) / 100));
    const ref = naive(data, shape, idx);
    assertClose(got.mean, ref.mean, { rtol: 1e-10, atol: 0 });
    assertClose(got.std.slice(0, 2), ref.std.slice(0, 2), { rtol: 1e-10, atol: 0 });
    assert.equal(got.mean[2], 7.5);
    assert.equal(got.std[2], BAND_STD_EPSILON);
  });

  it('reads every item when the sample covers the dataset; seeded samples repeat; uint8 is scaled by 1/255', async () => {
    const all = await bandStatistics(memory(data, shape));
    assertClose(all.mean, naive(data, shape, Array.from({ length: n }, (_, i) => i)).mean, { rtol: 1e-10, atol: 0 });
    const a = await bandStatistics(memory(data, shape), { sample: 20, seed: 3 });
    assert.deepEqual(await bandStatistics(memory(data, shape), { sample: 20, seed: 3 }), a);
    assert.notDeepEqual(await bandStatistics(memory(data, shape), { sample: 20, seed: 4 }), a);
    const bytes = Uint8Array.from({ length: 10 * 60 }, (_, i) => (i * 37) % 256);
    const got = await bandStatistics(memory(bytes, shape));
    const ref = naive(bytes, shape, Array.from({ length: 10 }, (_, i) => i), 1 / 255);
    assertClose(got.mean, ref.mean, { rtol: 1e-10, atol: 0 });
    assertClose(got.std, ref.std, { rtol: 1e-10, atol: 0 });
  });
});
