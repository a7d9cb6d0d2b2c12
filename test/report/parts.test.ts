// The report's parts on their own: the seeded UMAP layout, the cosine neighbour search, query
// picking, metrics parsing and thumbnails.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { manualSeed, memory, randn, scope } from '../../src/index.js';
import { cosineNeighbours, pickQueries, pngDataUri, scriptJson, umapLayout } from '../../src/report/index.js';

describe('report parts', () => {
  test('umapLayout is seeded: the same seed repeats the map, another seed changes it; clusters stay apart', () => {
    manualSeed(1);
    const x = scope(() => {
      const centres = randn([3, 16]).mul(5); // three well-separated clusters
      return centres.repeat([1, 40]).view([120, 16]).add(randn([120, 16]).mul(0.3)); // (120, 16)
    });
    const before = memory();
    const a = umapLayout(x, { seed: 7, nEpochs: 100 });
    const b = umapLayout(x, { seed: 7, nEpochs: 100 });
    const c = umapLayout(x, { seed: 8, nEpochs: 100 });
    assert.deepEqual(memory(), before, 'no tensor left behind');
    x.dispose();
    assert.equal(a.length, 120);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    // Mean distance to the own cluster's centroid is well below the distance between centroids.
    const centroid = (k: number): [number, number] => {
      const pts = a.slice(k * 40, (k + 1) * 40);
      return [pts.reduce((s, p) => s + p[0], 0) / 40, pts.reduce((s, p) => s + p[1], 0) / 40];
    };
    const cs = [0, 1, 2].map(centroid);
    const spread = Math.max(...[0, 1, 2].map((k) => a.slice(k * 40, (k + 1) * 40).reduce((s, p) => s + Math.hypot(p[0] - cs[k]![0], p[1] - cs[k]![1]), 0) / 40));
    const gap = Math.min(Math.hypot(cs[0]![0] - cs[1]![0], cs[0]![1] - cs[1]![1]), Math.hypot(cs[0]![0] - cs[2]![0], cs[0]![1] - cs[2]![1]), Math.hypot(cs[1]![0] - cs[2]![0], cs[1]![1] - cs[2]![1]));
    assert.ok(gap > 2 * spread, `clusters apart: gap ${gap.toFixed(2)} vs spread ${spread.toFixed(2)}`);
    assert.throws(() => scope(() => umapLayout(randn([3, 4]))), /at least 4 points/);
  });

  test('cosineNeighbours matches a brute-force cosine ranking, and excludes what it is told to', () => {
    manualSeed(2);
    const { q, r, qa, ra } = scope(() => {
      const q = randn([5, 8]);
      const r = randn([50, 8]);
      return { q, r, qa: q.toArray() as number[][], ra: r.toArray() as number[][] };
    });
    const cos = (u: number[], v: number[]): number => u.reduce((s, x, i) => s + x * v[i]!, 0) / Math.hypot(...u) / Math.hypot(...v);
    const lists = cosineNeighbours(q, r, 8);
    lists.forEach((l, i) => {
      const expected = ra.map((v, j) => [cos(qa[i]!, v), j] as const).sort((a, b) => b[0] - a[0]).slice(0, 8);
      assert.deepEqual(l.indices, expected.map(([, j]) => j));
      l.similarities.forEach((s, j) => assert.ok(Math.abs(s - expected[j]![0]) < 1e-5));
    });
    const excluded = cosineNeighbours(q, r, 8, lists.map((l) => l.indices[0]!));
    excluded.forEach((l, i) => {
      assert.equal(l.indices.length, 8);
      assert.deepEqual(l.indices, [...lists[i]!.indices.slice(1), l.indices[7]!]);
      assert.ok(!l.indices.includes(lists[i]!.indices[0]!));
    });
    q.dispose();
    r.dispose();
  });

  test('pickQueries takes classes round-robin, or evenly spaced items without labels', () => {
    assert.deepEqual(pickQueries([2, 2, 0, 1, 0, 1], 6, 4), [2, 3, 0, 4]);
    assert.deepEqual(pickQueries([1, 1], 2, 10), [0, 1]);
    assert.deepEqual(pickQueries(null, 100, 4), [0, 25, 50, 75]);
  });

  test('pngDataUri makes a PNG of the image; scriptJson cannot close a script element', async () => {
    const img = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 7) % 256); // (3, 4, 5)
    const uri = await pngDataUri(img, 0, [3, 4, 5]);
    const png = Buffer.from(uri.replace(/^data:image\/png;base64,/, ''), 'base64');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [5, 4, 3]);
    assert.equal(data[0], img[0]); // pixel (0, 0), red
    assert.equal(data[1], img[20]); // pixel (0, 0), green: channel-first input
    assert.equal(data[3 * 6 + 2], img[40 + 6]); // pixel (1, 1), blue
    const big = await pngDataUri(new Float32Array(1 * 200 * 100).fill(0.5), 0, [1, 200, 100]);
    const meta = await sharp(Buffer.from(big.split(',')[1]!, 'base64')).metadata();
    assert.deepEqual([meta.width, meta.height], [32, 64], 'scaled down to fit 64 pixels');
    const s = scriptJson({ a: '</script><script>alert(1)</script>' });
    assert.ok(!s.includes('</script'));
    assert.deepEqual(JSON.parse(s), { a: '</script><script>alert(1)</script>' });
  });
});
