// Time series: the readers (CSV / TSV wide and long, JSON-lines, .npy, folders) on small files
// written here, with unequal lengths, labels and header detection; their errors name the file
// and the line; the loader's batches carry lengths and zero padding; views keep lengths;
// fashionMNISTSeq is the image dataset read row by row; memory stays flat.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { memory } from '../../src/tensor/index.js';
import {
  evenSubset, fashionMNIST, fashionMNISTSeq, inputKind, Loader, openSeries, readCsvSeries, readJsonlSeries, readNpy, readNpySeries,
  readSeriesFolder, SeriesDataset, SeriesFormatError, subset, type Dataset, type RawBatch,
} from '../../src/data/index.js';
import { flat, TORCH_PYTHON } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'contrastive-series-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` to a new file under the test folder and returns its path. */
function file(name: string, text: string | Uint8Array): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/** Series i of `ds` without padding, as (steps) or (steps, C) nested arrays. */
function seriesOf(ds: SeriesDataset, i: number): number[] | number[][] {
  const v = [...ds.series(i)];
  const c = ds.sampleShape[1];
  return c === 1 ? v : Array.from({ length: v.length / c }, (_, s) => v.slice(s * c, (s + 1) * c));
}

/** Asserts that `p` rejects with a SeriesFormatError of `file` and `line` whose message matches `re`. */
async function rejectsAt(p: Promise<unknown>, path: string, line: number | null, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SeriesFormatError, `a SeriesFormatError, got ${String(e)}`);
    assert.equal(e.file, path);
    assert.equal(e.line, line, e.message);
    assert.ok(e.message.startsWith(line === null ? `${path}: ` : `${path}:${line}: `), e.message);
    assert.match(e.message, re);
    return true;
  });
}

/** A .npy file (NumPy's format): the header dict padded to 64 bytes, then the raw values. */
function npy(descr: string, shape: number[], bytes: Uint8Array, o: { version?: 1 | 2; fortran?: boolean } = {}): Uint8Array {
  const version = o.version ?? 1;
  const dict = `{'descr': '${descr}', 'fortran_order': ${o.fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pre = version === 1 ? 10 : 12;
  const header = dict.padEnd(Math.ceil((pre + dict.length + 1) / 64) * 64 - pre - 1, ' ') + '\n';
  const head = Buffer.alloc(pre);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = version;
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), bytes]);
}
const f4 = (v: number[]): Uint8Array => new Uint8Array(Float32Array.from(v).buffer);

describe('inputKind', () => {
  test('3 dims an image, 2 a sequence, 1 a vector; others an error', () => {
    assert.equal(inputKind([1, 28, 28]), 'image');
    assert.equal(inputKind([28, 28]), 'sequence');
    assert.equal(inputKind([64]), 'vector');
    assert.throws(() => inputKind([]), /inputKind: sampleShape must have 1 \(D\), 2 \(T, C\) or 3 \(C, H, W\) dims, got \[\]/);
    assert.throws(() => inputKind([1, 2, 3, 4]), /got \[1, 2, 3, 4\]/);
  });
});

describe('CSV / TSV, one series per row (wide)', () => {
  test('no header, rows of unequal length, trailing empty or NaN fields end a series early', async () => {
    const p = file('wide.csv', '1,2,3,4\n5,6\n\n7,8,9,,\r\n10,NaN,nan\n');
    const ds = await readCsvSeries(p);
    assert.equal(ds.length, 4);
    assert.deepEqual(ds.sampleShape, [4, 1]);
    assert.deepEqual([...ds.lengths!], [4, 2, 3, 1]);
    assert.deepEqual([0, 1, 2, 3].map((i) => seriesOf(ds, i)), [[1, 2, 3, 4], [5, 6], [7, 8, 9], [10]]);
    assert.deepEqual([...ds.data.subarray(4, 8)], [5, 6, 0, 0], 'zero padding');
    assert.equal(ds.labels, null);
    assert.equal(ds.ids, null);
    assert.equal(ds.source, p);
  });

  test("UCR's layout: a TSV, the label first (labelColumn: 0); numeric labels sorted numerically", async () => {
    const p = file('ucr_TRAIN.tsv', '2\t0.5\t1.5\n10\t-1e-1\t2\t3\n1\t4\t5\n2\t6\t7\n');
    const ds = await readCsvSeries(p, { labelColumn: 0 });
    assert.deepEqual(ds.classes, ['1', '2', '10']);
    assert.deepEqual([...ds.labels!], [1, 2, 0, 1]);
    assert.deepEqual(seriesOf(ds, 1).map((v) => +(v as number).toFixed(5)), [-0.1, 2, 3]);
    // the test split labels alike when it takes the training classes, even with a class missing
    const testSplit = await readCsvSeries(file('ucr_TEST.tsv', '10\t1\n'), { labelColumn: 0, classes: ds.classes });
    assert.deepEqual([...testSplit.labels!], [2]);
    await rejectsAt(readCsvSeries(file('ucr_other.tsv', '3\t1\n'), { labelColumn: 0, classes: ds.classes }), join(dir, 'ucr_other.tsv'), 1, /label '3' is not one of the classes \(1, 2, 10\)/);
    // the label last, counted from the end of each row
    const last = await readCsvSeries(file('last.csv', '1,2,3,a\n4,5,b\n'), { labelColumn: -1 });
    assert.deepEqual([seriesOf(last, 0), seriesOf(last, 1)], [[1, 2, 3], [4, 5]]);
    assert.deepEqual(last.classes, ['a', 'b']);
  });

  test('a header is detected and names the label and id columns; string labels sorted; quotes honoured', async () => {
    const p = file('named.csv', 'id,t0,t1,t2,label\ns1,1,2,3,"walk, fast"\ns2,4,5,,run\n');
    const ds = await readCsvSeries(p);
    assert.deepEqual(ds.ids, ['s1', 's2']);
    assert.deepEqual(ds.classes, ['run', 'walk, fast']);
    assert.deepEqual([...ds.labels!], [1, 0]);
    assert.deepEqual([seriesOf(ds, 0), seriesOf(ds, 1)], [[1, 2, 3], [4, 5]]);
    // not a header: the first column holds text on every row (string labels, no header)
    const noHeader = await readCsvSeries(file('strings.csv', 'cat,1,2\ndog,3,4\n'), { labelColumn: 0 });
    assert.equal(noHeader.length, 2);
    // semicolons and whitespace are sniffed
    assert.deepEqual(seriesOf(await readCsvSeries(file('semi.csv', '1;2;3\n')), 0), [1, 2, 3]);
    assert.deepEqual(seriesOf(await readCsvSeries(file('ucr-old.csv', '  1.0e+00   2.5  3\n')), 0), [1, 2.5, 3]);
    // a header of numbers needs header: true
    const numeric = await readCsvSeries(file('numeric-header.csv', '0,1,2\n7,8,9\n'), { header: true });
    assert.equal(numeric.length, 1);
  });

  test('errors name the file and the line', async () => {
    const bad = file('bad-number.csv', '1,2,3\n4,x5,6\n');
    await rejectsAt(readCsvSeries(bad), bad, 2, /column 2: 'x5' is not a number/);
    const hole = file('hole.csv', 'a,b,c\n1,,3\n');
    await rejectsAt(readCsvSeries(hole), hole, 2, /column 2 \('b'\): missing value inside the series/);
    const empty = file('empty.csv', '');
    await rejectsAt(readCsvSeries(empty), empty, null, /empty file/);
    const blank = file('blank.csv', '\n  \n');
    await rejectsAt(readCsvSeries(blank), blank, null, /holds only blank lines/);
    const onlyHeader = file('only-header.csv', 'label,a,b\n');
    await rejectsAt(readCsvSeries(onlyHeader), onlyHeader, null, /no data rows after the header \(line 1\)/);
    const named = file('no-label.csv', 'a,b,c\n1,2,3\n');
    await rejectsAt(readCsvSeries(named, { labelColumn: 'kind' }), named, 1, /no column 'kind' for labelColumn \(columns: a, b, c\)/);
    const short = file('short-label.csv', '1,2,3,a\n1,2\n');
    await rejectsAt(readCsvSeries(short, { labelColumn: 3 }), short, 2, /no label: the row has 2 fields, the label is column 4/);
    const long = file('longer.csv', 'label,a\nx,1,2\n');
    await rejectsAt(readCsvSeries(long), long, 2, /3 fields, but the header has 2/);
    const noValues = file('no-values.csv', 'label,a\nx,\n');
    await rejectsAt(readCsvSeries(noValues, { header: true }), noValues, 2, /the row has no values/);
    const quote = file('quote.csv', '1,"2\n');
    await rejectsAt(readCsvSeries(quote), quote, 1, /a quoted field is not closed/);
    await assert.rejects(readCsvSeries(named, { labelColumn: 'a', header: false }), /labelColumn 'a' names a column, but the file has no header row/);
    await rejectsAt(readCsvSeries(join(dir, 'missing.csv')), join(dir, 'missing.csv'), null, /no such file/);
    const padded = file('too-long.csv', '1,2,3\n1\n');
    await rejectsAt(readCsvSeries(padded, { padTo: 2 }), padded, 1, /3 steps, more than padTo \(2\)/);
  });
});

describe('CSV, one row per step (long, multivariate)', () => {
  test('series id, time, channels and label by header name; rows interleaved and unsorted; unequal lengths', async () => {
    const p = file('long.csv', [
      'series,time,acc_x,acc_y,label',
      'b,2,20,21,run',
      'a,0,0,1,walk',
      'b,0,0,1,run',
      'a,1,10,11,walk',
      'b,1,10,11,run',
    ].join('\n'));
    const ds = await readCsvSeries(p);
    assert.deepEqual(ds.sampleShape, [3, 2]);
    assert.deepEqual(ds.ids, ['b', 'a']);
    assert.deepEqual(ds.channelNames, ['acc_x', 'acc_y']);
    assert.deepEqual([...ds.lengths!], [3, 2]);
    assert.deepEqual(seriesOf(ds, 0), [[0, 1], [10, 11], [20, 21]]);
    assert.deepEqual(seriesOf(ds, 1), [[0, 1], [10, 11]]);
    assert.deepEqual(ds.classes, ['run', 'walk']);
    assert.deepEqual([...ds.labels!], [0, 1]);
    // dates order the steps; without a header the columns are given by index, rows in file order without a time column
    const dates = await readCsvSeries(file('dates.csv', 'id,timestamp,v\nu,2024-01-02,2\nu,2024-01-01,1\n'));
    assert.deepEqual(seriesOf(dates, 0), [1, 2]);
    const plain = await readCsvSeries(file('long-plain.tsv', 'x\t1\t2\nx\t3\t4\ny\t5\t6\n'), { layout: 'long', idColumn: 0 });
    assert.deepEqual([seriesOf(plain, 0), seriesOf(plain, 1)], [[[1, 2], [3, 4]], [[5, 6]]]);
    assert.equal(plain.lengths![1], 1);
  });

  test('ragged rows, a changing label, a repeated time, no id: errors naming the line', async () => {
    const ragged = file('ragged.csv', 'id,time,x,y\na,0,1,2\na,1,3\n');
    await rejectsAt(readCsvSeries(ragged), ragged, 3, /3 fields, expected 4 as the header has \(a ragged row\)/);
    const relabel = file('relabel.csv', 'id,time,x,label\na,0,1,p\na,1,2,q\n');
    await rejectsAt(readCsvSeries(relabel), relabel, 3, /series 'a' has label 'q' here but 'p' at line 2/);
    const twice = file('twice.csv', 'id,time,x\na,0,1\na,1,2\na,0,3\n');
    await rejectsAt(readCsvSeries(twice), twice, 4, /series 'a' has this time step already, at line 2/);
    const noId = file('no-id.csv', 'time,x\n0,1\n');
    await rejectsAt(readCsvSeries(noId), noId, 1, /layout 'long' needs a series id column/);
    const badTime = file('bad-time.csv', 'id,time,x\na,soon,1\n');
    await rejectsAt(readCsvSeries(badTime), badTime, 2, /time 'soon' is neither a number nor a date/);
    const badValue = file('bad-value.csv', 'id,time,x,y\na,0,1,?\n'); // 'y' is a channel, not a label
    await rejectsAt(readCsvSeries(badValue), badValue, 2, /column 4 \('y'\): '\?' is not a number/);
    const outside = file('outside.csv', 'a,0,1\n');
    await rejectsAt(readCsvSeries(outside, { layout: 'long', idColumn: 0, labelColumn: 5 }), outside, 1, /labelColumn 5 is outside the row's 3 fields/);
  });
});

describe('JSON-lines', () => {
  test('univariate and multivariate values, labels (strings or numbers), ids, bare arrays; blank lines skipped', async () => {
    const uni = await readJsonlSeries(file('uni.jsonl', '{"values": [1, 2, 3], "label": 1, "id": "a"}\n\n{"values": [4], "label": 0, "id": 7}\n'));
    assert.deepEqual(uni.sampleShape, [3, 1]);
    assert.deepEqual([...uni.lengths!], [3, 1]);
    assert.deepEqual(uni.classes, ['0', '1']);
    assert.deepEqual([...uni.labels!], [1, 0]);
    assert.deepEqual(uni.ids, ['a', '7']);
    const multi = await readJsonlSeries(file('multi.jsonl', '[[1, 2], [3, 4], [5, 6]]\n[[7, 8]]\n'));
    assert.deepEqual(multi.sampleShape, [3, 2]);
    assert.deepEqual(seriesOf(multi, 1), [[7, 8]]);
    assert.equal(multi.labels, null);
    const keys = await readJsonlSeries(file('keys.jsonl', '{"x": [1, 2], "y": "up"}\n'), { valuesKey: 'x', labelKey: 'y' });
    assert.deepEqual(keys.classes, ['up']);
  });

  test('errors name the file and the line', async () => {
    const cases: [string, string, number, RegExp][] = [
      ['not-json.jsonl', '[1]\n{"values": [1,}\n', 2, /not JSON/],
      ['ragged.jsonl', '{"values": [[1, 2], [3]]}\n', 1, /step 1 has 1 channels, step 0 has 2 \(a ragged series\)/],
      ['nan.jsonl', '{"values": [1, "2"]}\n', 1, /step 1: "2" is not a number/],
      ['channels.jsonl', '[[1, 2]]\n[[1, 2, 3]]\n', 2, /3 channels, but the first series has 2/],
      ['no-values.jsonl', '{"v": [1]}\n', 1, /no "values" key \(keys: v\)/],
      ['empty-values.jsonl', '{"values": []}\n', 1, /the values must be a non-empty array/],
      ['label-missing.jsonl', '{"values": [1], "label": "a"}\n{"values": [2]}\n', 2, /no label, but the first series \(.*:1\) has one/],
      ['label-null.jsonl', '{"values": [1], "label": null}\n', 1, /"label" must be a non-empty string or a number, got null/],
      ['scalar.jsonl', '3\n', 1, /expected an object with "values" or an array/],
    ];
    for (const [name, text, line, re] of cases) await rejectsAt(readJsonlSeries(file(name, text)), join(dir, name), line, re);
  });
});

describe('.npy', () => {
  test('(N, T) float32 univariate and (N, T, C) float64 with NaN padding; v1 and v2 headers; sibling labels', async () => {
    const a = file('npy/X_train.npy', npy('<f4', [2, 3], f4([1, 2, 3, 4, 5, 6])));
    file('npy/y_train.npy', npy('<i8', [2], new Uint8Array(BigInt64Array.from([1n, 0n]).buffer)));
    const uni = await readNpySeries(a);
    assert.deepEqual(uni.sampleShape, [3, 1]);
    assert.equal(uni.lengths, null, 'all full');
    assert.deepEqual([...uni.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...uni.labels!], [1, 0]);
    const v = [1, 2, 3, 4, NaN, NaN, 5, 6, 7, 8, 9, 10, NaN, NaN, NaN, NaN, NaN, NaN]; // (3, 3, 2): lengths 2, 3, 0 -> the third is all NaN
    const multi = file('npy/multi.npy', npy('<f8', [2, 3, 2], new Uint8Array(Float64Array.from(v.slice(0, 12)).buffer), { version: 2 }));
    file('npy/multi.labels.npy', npy('<U4', [2], new Uint8Array(Uint32Array.from([...'walk', ...'run\0'].map((ch) => ch.charCodeAt(0))).buffer)));
    const ds = await readNpySeries(multi);
    assert.deepEqual(ds.sampleShape, [3, 2]);
    assert.deepEqual([...ds.lengths!], [2, 3]);
    assert.deepEqual(seriesOf(ds, 0), [[1, 2], [3, 4]]);
    assert.deepEqual([...ds.data.subarray(4, 6)], [0, 0], 'NaN padding becomes zeros');
    assert.deepEqual(ds.classes, ['run', 'walk']);
    assert.deepEqual([...ds.labels!], [1, 0]);
    // labels from the options; integer and big-endian dtypes
    const be = Buffer.alloc(8);
    [1, -2, 3, 300].forEach((x, i) => be.writeInt16BE(x, 2 * i));
    const ints = await readNpySeries(file('npy/ints.npy', npy('>i2', [1, 4], be)), { labels: ['only'] });
    assert.deepEqual([...ints.data], [1, -2, 3, 300]);
    assert.deepEqual(ints.classes, ['only']);
    const none = await readNpySeries(a, { labels: null });
    assert.equal(none.labels, null);
  });

  test('files NumPy itself wrote (python3-numpy): dtypes, versions, strings', async () => {
    const out = join(dir, 'numpy');
    mkdirSync(out, { recursive: true });
    execFileSync(TORCH_PYTHON, ['-c', `
import numpy as np, sys
d = sys.argv[1]
x = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 4
np.save(d + '/f4.npy', x)
np.save(d + '/f8.npy', x.astype(np.float64))
np.save(d + '/f2.npy', x.astype(np.float16))
np.save(d + '/u1.npy', (x * 4).astype(np.uint8))
np.save(d + '/i4.npy', (x * -4).astype('>i4'))
with open(d + '/v2.npy', 'wb') as f: np.lib.format.write_array(f, x, version=(2, 0))
np.save(d + '/s.npy', np.array(['cat', 'horse']))
np.save(d + '/f.npy', np.asfortranarray(x))
`, out]);
    const expected = Array.from({ length: 24 }, (_, i) => i / 4);
    for (const name of ['f4', 'f8', 'f2', 'v2']) {
      const ds = await readNpySeries(join(out, `${name}.npy`));
      assert.deepEqual(ds.sampleShape, [3, 4], name);
      assert.deepEqual([...ds.data], expected, name);
    }
    assert.deepEqual([...(await readNpySeries(join(out, 'u1.npy'))).data], expected.map((v) => v * 4));
    assert.deepEqual([...(await readNpySeries(join(out, 'i4.npy'))).data], expected.map((v) => (v === 0 ? 0 : -v * 4)));
    assert.deepEqual((await readNpy(join(out, 's.npy'))).values, ['cat', 'horse']);
    await rejectsAt(readNpySeries(join(out, 'f.npy')), join(out, 'f.npy'), null, /Fortran order is not supported/);
    await rejectsAt(readNpySeries(join(out, 's.npy')), join(out, 's.npy'), null, /holds strings \('<U5'\), not numbers/);
  });

  test('errors name the file (and the series and step)', async () => {
    const hole = file('npy/hole.npy', npy('<f4', [1, 3], f4([1, NaN, 3])));
    await rejectsAt(readNpySeries(hole), hole, null, /series 0, step 1: NaN \(NaN may only pad the end of a series/);
    const allNaN = file('npy/all-nan.npy', npy('<f4', [2, 2], f4([1, 2, NaN, NaN])));
    await rejectsAt(readNpySeries(allNaN), allNaN, null, /series 1 is all NaN/);
    const cut = file('npy/cut.npy', npy('<f4', [2, 3], f4([1, 2, 3])));
    await rejectsAt(readNpySeries(cut), cut, null, /cut short: 6 values of '<f4' need 24 bytes, the file holds 12/);
    const magic = file('npy/magic.npy', 'hello, world');
    await rejectsAt(readNpySeries(magic), magic, null, /not a \.npy file/);
    const oneDim = file('npy/1d.npy', npy('<f4', [3], f4([1, 2, 3])));
    await rejectsAt(readNpySeries(oneDim), oneDim, null, /shape \(3\) is not \(N, T\) or \(N, T, C\)/);
    const obj = file('npy/obj.npy', npy('|O', [1], new Uint8Array(8)));
    await rejectsAt(readNpySeries(obj), obj, null, /unsupported dtype '\|O'/);
    const x = file('npy/count.npy', npy('<f4', [2, 1], f4([1, 2])));
    const y = file('npy/count.labels.npy', npy('<f8', [3], new Uint8Array(Float64Array.from([0, 1, 1]).buffer)));
    await rejectsAt(readNpySeries(x), y, null, /3 labels \(.*count\.labels\.npy\) for the 2 series of/);
    const frac = file('npy/frac.npy', npy('<f8', [2], new Uint8Array(Float64Array.from([0, 0.5]).buffer)));
    await rejectsAt(readNpySeries(x, { labels: frac }), frac, null, /label 1 is 0\.5: labels must be integers or strings/);
  });
});

describe('a folder, one series per file', () => {
  test('class sub-folders are labels; CSV rows are steps (header detected), .npy (T) or (T, C); ids are paths', async () => {
    const root = join(dir, 'folder');
    file('folder/walk/w1.csv', 'x,y\n1,2\n3,4\n5,6\n');
    file('folder/walk/nested/w2.tsv', '7\t8\n');
    file('folder/run/r1.npy', npy('<f4', [2, 2], f4([9, 10, 11, 12])));
    file('folder/run/notes.md', 'ignored');
    const ds = await readSeriesFolder(root);
    assert.deepEqual(ds.classes, ['run', 'walk']);
    assert.deepEqual(ds.ids, ['run/r1.npy', 'walk/nested/w2.tsv', 'walk/w1.csv']);
    assert.deepEqual([...ds.labels!], [0, 1, 1]);
    assert.deepEqual(ds.sampleShape, [3, 2]);
    assert.deepEqual([...ds.lengths!], [2, 1, 3]);
    assert.deepEqual(seriesOf(ds, 2), [[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(seriesOf(ds, 0), [[9, 10], [11, 12]]);
    // a flat folder is unlabelled; openSeries reads a folder
    file('flat/a.csv', '1\n2\n3\n');
    file('flat/b.npy', npy('<f4', [2], f4([4, 5])));
    const flatDs = await openSeries(join(dir, 'flat'));
    assert.equal(flatDs.labels, null);
    assert.deepEqual([seriesOf(flatDs, 0), seriesOf(flatDs, 1)], [[1, 2, 3], [4, 5]]);
  });

  test('errors: channels that differ, a bad file, an empty folder', async () => {
    file('mixed/a.csv', '1,2\n');
    file('mixed/b.csv', '1,2,3\n');
    await rejectsAt(readSeriesFolder(join(dir, 'mixed')), join(dir, 'mixed', 'b.csv'), null, /3 channels, but .*a\.csv has 2/);
    file('ragged-folder/a.csv', 'x,y\n1,2\n3\n');
    await rejectsAt(readSeriesFolder(join(dir, 'ragged-folder')), join(dir, 'ragged-folder', 'a.csv'), 3, /1 fields, expected 2/);
    mkdirSync(join(dir, 'none', 'class-a'), { recursive: true });
    await assert.rejects(readSeriesFolder(join(dir, 'none')), /readSeriesFolder: no series files \(.csv, .tsv, .npy\) under/);
  });
});

describe('openSeries', () => {
  test('picks the reader by extension; other files and missing paths are clear errors', async () => {
    assert.equal((await openSeries(file('o.csv', '1,2\n'))).length, 1);
    assert.equal((await openSeries(file('o.tsv', '1\t2\n3\n'))).length, 2);
    assert.equal((await openSeries(file('o.ndjson', '[1]\n[2]\n[3]\n'))).length, 3);
    assert.deepEqual((await openSeries(file('o.npy', npy('<f4', [4, 1], f4([1, 2, 3, 4]))), { labels: null })).sampleShape, [1, 1]);
    await assert.rejects(openSeries(file('o.txt', '1,2\n')), /openSeries: '.*o\.txt' is not a file of series \(.csv, .tsv, .jsonl, .ndjson, .npy\) or a folder/);
    await assert.rejects(openSeries(join(dir, 'nope.csv')), /openSeries: '.*nope\.csv' does not exist/);
  });
});

describe('SeriesDataset, the loader and views', () => {
  /** 5 series of 2 channels, lengths 1..5 (T 5), step s of series i = [10 i + s, -(10 i + s)], labels i mod 2. */
  const ramps = (): SeriesDataset => {
    const t = 5, c = 2;
    const data = new Float32Array(5 * t * c);
    for (let i = 0; i < 5; i++) for (let s = 0; s <= i; s++) data.set([10 * i + s, -(10 * i + s)], (i * t + s) * c);
    return new SeriesDataset(data, { shape: [5, t, c], lengths: Int32Array.from([1, 2, 3, 4, 5]), labels: [0, 1, 0, 1, 0], classes: ['even', 'odd'] });
  };

  test('batches carry lengths, (B) int64 on the device; x (B, T, C) float32, zero past each end', async () => {
    const ds = ramps();
    const loader = new Loader(ds, { batchSize: 2, seed: 4 });
    const seen: number[] = [];
    for await (const b of loader) {
      assert.deepEqual(b.x.shape, [b.indices.length, 5, 2]);
      assert.equal(b.x.dtype, 'float32');
      assert.equal(b.lengths!.dtype, 'int64');
      assert.equal(b.lengths!.device, b.x.device);
      const lengths = flat(b.lengths!);
      assert.deepEqual(lengths, [...b.indices].map((i) => i + 1));
      const x = b.x.toArray() as number[][][];
      b.indices.forEach((i, k) => {
        for (let s = 0; s < 5; s++) assert.deepEqual(x[k]![s], s <= i ? [10 * i + s, -(10 * i + s)] : [0, 0], `item ${i} step ${s}`);
      });
      seen.push(...b.indices);
    }
    assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4]);
    // equal lengths: no lengths at all
    const full = new SeriesDataset(new Float32Array(12), { shape: [3, 2, 2], lengths: Int32Array.from([2, 2, 2]) });
    assert.equal(full.lengths, null);
    for await (const b of new Loader(full, { batchSize: 3 })) assert.equal(b.lengths, null);
  });

  test('subsets keep lengths, labels and ids', async () => {
    const ds = ramps();
    const view = subset(ds, Int32Array.from([4, 1]));
    assert.deepEqual([...view.lengths!], [5, 2]);
    const raw = await view.read(Int32Array.from([1, 0]));
    assert.deepEqual([...raw.lengths!], [2, 5]);
    assert.deepEqual([...raw.indices], [1, 0]);
    for await (const b of new Loader(view, { batchSize: 2, shuffle: false })) assert.deepEqual(flat(b.lengths!), [5, 2]);
    assert.deepEqual([...evenSubset(ds, 2).lengths!], [1, 3]);
    const copy = ds.subset([3, 0]);
    assert.ok(copy instanceof SeriesDataset);
    assert.deepEqual([...copy.lengths!], [4, 1]);
    assert.deepEqual(copy.classes, ['even', 'odd']);
    assert.deepEqual([...copy.labels!], [1, 0]);
  });

  test('bad lengths are clear errors, from the constructor and from a dataset the loader reads', async () => {
    assert.throws(() => new SeriesDataset(new Float32Array(4), { shape: [2, 2, 1], lengths: Int32Array.from([0, 2]) }), /length 0 of series 0 is outside \[1, 2\]/);
    assert.throws(() => new SeriesDataset(Float32Array.from([1, 1, 1, 1]), { shape: [2, 2, 1], lengths: Int32Array.from([1, 2]) }), /series 0 is not zero past its length 1 \(step 1\)/);
    assert.throws(() => new SeriesDataset(new Float32Array(4), { shape: [4, 1] }), /options.shape must be \(N, T, C\)/);
    const liar: Dataset = {
      length: 2, sampleShape: [3, 1], labels: null, classes: [],
      read: (idx): RawBatch => ({ data: new Float32Array(idx.length * 3), labels: null, indices: idx, lengths: Int32Array.from(idx, () => 4) }),
    };
    await assert.rejects(async () => {
      for await (const b of new Loader(liar, { batchSize: 2 })) assert.fail(`no batch expected, got ${b.indices}`);
    }, /Loader: length 4 of batch item 0 is outside \[1, 3\]/);
  });

  test('memory().tensors is flat over epochs of a series loader', async () => {
    const series = Array.from({ length: 40 }, (_, i) => `{"values": ${JSON.stringify(Array.from({ length: 1 + (i % 7) }, (_, s) => [s, i]))}, "label": ${i % 3}}`);
    const ds = await readJsonlSeries(file('memory.jsonl', series.join('\n')));
    const loader = new Loader(ds, { batchSize: 8 });
    const before = memory();
    for (let e = 0; e < 3; e++) {
      let during = -1;
      for await (const b of loader) {
        assert.ok(b.lengths && b.y);
        if (during < 0) during = memory().tensors;
        else assert.equal(memory().tensors, during, 'one batch alive at a time');
      }
      assert.deepEqual(memory(), before);
    }
  });
});

describe('fashionMNISTSeq', () => {
  test('the image dataset read row by row: the same split, items and bytes (a view), sampleShape [28, 28], no lengths', async () => {
    for (const split of ['train', 'test'] as const) {
      const images = fashionMNIST({ split });
      const seq = fashionMNISTSeq({ split });
      assert.deepEqual(seq.sampleShape, [28, 28]);
      assert.equal(inputKind(seq.sampleShape), 'sequence');
      assert.equal(seq.length, images.length);
      assert.equal(seq.data.buffer, images.data.buffer, 'the same bytes, not a copy');
      assert.equal(seq.data.byteOffset, images.data.byteOffset);
      assert.deepEqual(seq.labels, images.labels);
      assert.deepEqual(seq.classes, images.classes);
      assert.equal((seq as Dataset).lengths ?? null, null);
    }
    const idx = Int32Array.from([0, 59999, 12345]);
    const seq = fashionMNISTSeq({ split: 'train' });
    const images = fashionMNIST({ split: 'train' });
    const before = memory().tensors;
    const batchOf = async (ds: Dataset): Promise<{ shape: readonly number[]; values: number[]; lengths: unknown; dtype: string }> => {
      for await (const b of new Loader(subset(ds, idx), { batchSize: 3, shuffle: false })) return { shape: b.x.shape, values: flat(b.x), lengths: b.lengths, dtype: b.x.dtype };
      throw new Error('no batch');
    };
    const s = await batchOf(seq);
    const im = await batchOf(images);
    assert.deepEqual(s.shape, [3, 28, 28]);
    assert.deepEqual(im.shape, [3, 1, 28, 28]);
    assert.equal(s.lengths, null);
    assert.equal(s.dtype, 'float32');
    assert.deepEqual(s.values, im.values, 'step t of a sequence is row t of its image (the same row-major values), /255 by the loader');
    assert.ok(Math.min(...s.values) >= 0 && Math.max(...s.values) <= 1 && Math.max(...s.values) > 0.9, 'float32 in [0, 1]');
    assert.equal(memory().tensors, before);
  });
});
