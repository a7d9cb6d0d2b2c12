import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, noGrad, randn, scope, type Tensor, tensor } from '../../src/index.js';
import { ArcFaceLoss } from '../../src/losses/arcface-loss.js';
import { CosFaceLoss } from '../../src/losses/cosface-loss.js';
import { DotProductSimilarity } from '../../src/losses/distances/dot-product-similarity.js';
import { LpDistance } from '../../src/losses/distances/lp-distance.js';
import { LargeMarginSoftmaxLoss } from '../../src/losses/large-margin-softmax-loss.js';
import { BatchHardMiner } from '../../src/losses/miners/batch-hard-miner.js';
import { NormalizedSoftmaxLoss } from '../../src/losses/normalized-softmax-loss.js';
import { ProxyAnchorLoss } from '../../src/losses/proxy-anchor-loss.js';
import { DivisorReducer } from '../../src/losses/reducers/divisor-reducer.js';
import { ProxyNCALoss } from '../../src/losses/proxy-nca-loss.js';
import { MeanReducer } from '../../src/losses/reducers/mean-reducer.js';
import { SoftTripleLoss } from '../../src/losses/soft-triple-loss.js';
import { SphereFaceLoss } from '../../src/losses/sphereface-loss.js';
import { SubCenterArcFaceLoss } from '../../src/losses/subcenter-arcface-loss.js';
import { CosineSimilarity } from '../../src/losses/distances/cosine-similarity.js';
import type { MetricLoss } from '../../src/losses/metric-loss.js';
import { gaussian } from './reference.js';
import {
  arcFaceRef, column, cosFaceRef, largeMarginRef, minerWeightsRef, normSoftmaxRef, proxyAnchorRef, proxyNcaRef, softTripleRef,
} from './reference-proxy.js';
import { assertGrad, near, t, value } from './util.js';

type Matrix = number[][];
const D = 4;
const C = 16;

/** Label layouts over C = 16 classes: pairs, three classes, all distinct (no positives), one singleton. */
const LAYOUTS: Record<string, (n: number) => number[]> = {
  balanced: (n) => Array.from({ length: n }, (_, i) => Math.floor(i / 2)),
  interleaved: (n) => Array.from({ length: n }, (_, i) => i % 3),
  distinct: (n) => Array.from({ length: n }, (_, i) => i),
  singleton: (n) => Array.from({ length: n }, (_, i) => (i < n - 1 ? 0 : 5)),
};

/** Writes `values` into a registered parameter. */
function setParam(p: Tensor, values: Matrix): void {
  noGrad(() => scope(() => { p.copy_(t(values)); }));
}

/** One loss under test: how to build it with C classes, its parameter, the parameter's shape and the reference. */
interface Case {
  name: string;
  make: (c: number, dtype?: 'float32' | 'float64', d?: number) => MetricLoss;
  param: string;
  shape: (c: number, d?: number) => [number, number];
  ref: (x: Matrix, p: Matrix, labels: number[], c: number) => number;
  /** One representative per class: gradchecked and memory-checked. */
  main?: boolean;
}

const CASES: Case[] = [
  {
    name: 'ArcFaceLoss', main: true, param: 'W', shape: (c, d = D) => [d, c],
    make: (c, dtype, d = D) => new ArcFaceLoss({ numClasses: c, embeddingSize: d, dtype }),
    ref: (x, w, y, c) => arcFaceRef(x, w, y, c, 28.6, 64),
  },
  {
    name: 'ArcFaceLoss margin 120, scale 2', param: 'W', shape: (c, d = D) => [d, c],
    make: (c, dtype, d = D) => new ArcFaceLoss({ numClasses: c, embeddingSize: d, margin: 120, scale: 2, dtype }),
    ref: (x, w, y, c) => arcFaceRef(x, w, y, c, 120, 2),
  },
  {
    name: 'SubCenterArcFaceLoss', param: 'W', shape: (c, d = D) => [d, 3 * c],
    make: (c, dtype, d = D) => new SubCenterArcFaceLoss({ numClasses: c, embeddingSize: d, dtype }),
    ref: (x, w, y, c) => arcFaceRef(x, w, y, c, 28.6, 64, 3),
  },
  {
    name: 'SubCenterArcFaceLoss K=2, margin 40, scale 3', main: true, param: 'W', shape: (c, d = D) => [d, 2 * c],
    make: (c, dtype, d = D) => new SubCenterArcFaceLoss({ numClasses: c, embeddingSize: d, subCenters: 2, margin: 40, scale: 3, dtype }),
    ref: (x, w, y, c) => arcFaceRef(x, w, y, c, 40, 3, 2),
  },
  {
    name: 'CosFaceLoss', main: true, param: 'W', shape: (c, d = D) => [d, c],
    make: (c, dtype, d = D) => new CosFaceLoss({ numClasses: c, embeddingSize: d, dtype }),
    ref: (x, w, y) => cosFaceRef(x, w, y, 0.35, 64),
  },
  {
    name: 'CosFaceLoss margin 0.2, scale 5', param: 'W', shape: (c, d = D) => [d, c],
    make: (c, dtype, d = D) => new CosFaceLoss({ numClasses: c, embeddingSize: d, margin: 0.2, scale: 5, dtype }),
    ref: (x, w, y) => cosFaceRef(x, w, y, 0.2, 5),
  },
  ...[2, 3, 4].map((m): Case => ({
    name: `LargeMarginSoftmaxLoss margin ${m}`, main: m === 4, param: 'W', shape: (c, d = D) => [d, c],
    make: (c, dtype, d = D) => new LargeMarginSoftmaxLoss({ numClasses: c, embeddingSize: d, margin: m, dtype }),
    ref: (x, w, y) => largeMarginRef(x, w, y, m, 1, false),
  })),
  {
    name: 'SphereFaceLoss', main: true, param: 'W', shape: (c, d = D) => [d, c],
    make: (c, dtype, d = D) => new SphereFaceLoss({ numClasses: c, embeddingSize: d, dtype }),
    ref: (x, w, y) => largeMarginRef(x, w, y, 4, 1, true),
  },
  {
    name: 'SphereFaceLoss margin 3, scale 2', param: 'W', shape: (c, d = D) => [d, c],
    make: (c, dtype, d = D) => new SphereFaceLoss({ numClasses: c, embeddingSize: d, margin: 3, scale: 2, dtype }),
    ref: (x, w, y) => largeMarginRef(x, w, y, 3, 2, true),
  },
  {
    name: 'NormalizedSoftmaxLoss', main: true, param: 'W', shape: (c, d = D) => [d, c],
    make: (c, dtype, d = D) => new NormalizedSoftmaxLoss({ numClasses: c, embeddingSize: d, dtype }),
    ref: (x, w, y) => normSoftmaxRef(x, w, y, 0.05),
  },
  {
    name: 'ProxyAnchorLoss', main: true, param: 'proxies', shape: (c, d = D) => [c, d],
    make: (c, dtype, d = D) => new ProxyAnchorLoss({ numClasses: c, embeddingSize: d, dtype }),
    ref: (x, p, y) => proxyAnchorRef(x, p, y, 0.1, 32),
  },
  {
    name: 'ProxyAnchorLoss margin 0.3, alpha 4', param: 'proxies', shape: (c, d = D) => [c, d],
    make: (c, dtype, d = D) => new ProxyAnchorLoss({ numClasses: c, embeddingSize: d, margin: 0.3, alpha: 4, dtype }),
    ref: (x, p, y) => proxyAnchorRef(x, p, y, 0.3, 4),
  },
  {
    name: 'ProxyNCALoss', main: true, param: 'proxies', shape: (c, d = D) => [c, d],
    make: (c, dtype, d = D) => new ProxyNCALoss({ numClasses: c, embeddingSize: d, dtype }),
    ref: (x, p, y) => proxyNcaRef(x, p, y, 1),
  },
  {
    name: 'ProxyNCALoss softmaxScale 3', param: 'proxies', shape: (c, d = D) => [c, d],
    make: (c, dtype, d = D) => new ProxyNCALoss({ numClasses: c, embeddingSize: d, softmaxScale: 3, dtype }),
    ref: (x, p, y) => proxyNcaRef(x, p, y, 3),
  },
  {
    name: 'SoftTripleLoss', param: 'fc', shape: (c, d = D) => [d, 10 * c],
    make: (c, dtype, d = D) => new SoftTripleLoss({ numClasses: c, embeddingSize: d, dtype }),
    ref: (x, fc, y) => softTripleRef(x, fc, y, 10, 20, 0.1, 0.01),
  },
  {
    name: 'SoftTripleLoss K=2, la 5, gamma 0.5, margin 0.2', main: true, param: 'fc', shape: (c, d = D) => [d, 2 * c],
    make: (c, dtype, d = D) => new SoftTripleLoss({ numClasses: c, embeddingSize: d, centersPerClass: 2, la: 5, gamma: 0.5, margin: 0.2, dtype }),
    ref: (x, fc, y) => softTripleRef(x, fc, y, 2, 5, 0.5, 0.2),
  },
];

function paramOf(loss: MetricLoss, name: string): Tensor {
  const p = loss.namedParameters().find(([n]) => n === name);
  assert.ok(p, `${loss.name}: no parameter '${name}'`);
  return p[1];
}

test('proxy losses match the naive references over batch sizes 1..16 and label layouts (float64 and float32)', () => {
  let seed = 1800;
  for (const c of CASES) {
    const loss64 = c.make(C, 'float64');
    const loss32 = c.make(C);
    try {
      for (const n of [1, 2, 5, 16]) for (const [layout, labelsOf] of Object.entries(LAYOUTS)) {
        if (n <= 2 && layout !== 'distinct' && layout !== 'balanced') continue; // the same labels as those two
        const x = gaussian(n, D, seed++);
        const [r, k] = c.shape(C);
        const w = gaussian(r, k, seed++);
        const labels = labelsOf(n);
        setParam(paramOf(loss64, c.param), w);
        setParam(paramOf(loss32, c.param), w);
        const expected = c.ref(x, w, labels, C);
        near(value(() => loss64.forward(t(x), labels)), expected, `${c.name} n=${n} ${layout}`, 1e-6);
        if (n === 5 && layout === 'interleaved') near(value(() => loss32.forward(t(x, 'float32'), labels)), expected, `${c.name} float32 n=${n} ${layout}`, 2e-3);
      }
    } finally {
      loss64.dispose();
      loss32.dispose();
    }
  }
});

/** Central finite differences of `f` w.r.t. every entry of `p` (a float64 parameter) against its autograd gradient. */
function assertParamGrad(p: Tensor, f: () => Tensor, what: string): void {
  scope(() => {
    p.grad = null;
    f().backward();
    const analytic = Array.from(p.grad!.data() as Float64Array);
    p.grad = null;
    const flat = p.detach().view([-1]);
    const h = 1e-6;
    let maxErr = 0;
    for (let i = 0; i < analytic.length; i++) {
      const entry = flat.select(0, i);
      const v = entry.item();
      const at = (d: number): number => noGrad(() => scope(() => { entry.fill_(v + d); return f().item(); }));
      const numeric = (at(h) - at(-h)) / (2 * h);
      noGrad(() => entry.fill_(v));
      const err = Math.abs(analytic[i]! - numeric);
      maxErr = Math.max(maxErr, err);
      assert.ok(err <= 1e-5 + 1e-4 * Math.abs(numeric), `${what}: d/d${i} autograd ${analytic[i]} vs finite differences ${numeric}`);
    }
    assert.ok(Number.isFinite(maxErr));
  });
}

test('proxy losses: gradients match finite differences w.r.t. the embeddings and the class weights (float64)', () => {
  const labels = [0, 0, 1]; // class 2 has no sample
  let seed = 1900;
  for (const c of CASES.filter((d) => d.main)) {
    const loss = c.make(3, 'float64', 3);
    try {
      const [r, k] = c.shape(3, 3);
      setParam(paramOf(loss, c.param), gaussian(r, k, seed++));
      const x = gaussian(3, 3, seed++);
      assertGrad((e) => loss.forward(e, labels), [t(x)], `${c.name} embeddings`);
      assertParamGrad(paramOf(loss, c.param), () => loss.forward(t(x), labels), `${c.name} ${c.param}`);
    } finally {
      loss.dispose();
    }
  }
});

test('proxy losses: identical embeddings and exact ±1 cosines give finite values and gradients', () => {
  for (const c of CASES) for (const dtype of ['float64', 'float32'] as const) {
    const loss = c.make(3, dtype);
    try {
      const p = paramOf(loss, c.param);
      const row = [0.5, -1, 2, 0.25];
      const [r, k] = c.shape(3);
      // every class vector is +row or -row: cosines are exactly ±1
      const vectors = Array.from({ length: c.param === 'proxies' ? r : k }, (_, j) => row.map((v) => (j % 2 === 0 ? v : -v)));
      setParam(p, c.param === 'proxies' ? vectors : Array.from({ length: r }, (_, d) => vectors.map((vec) => vec[d]!)));
      scope(() => {
        const x = t(Array.from({ length: 4 }, () => row), dtype).requiresGrad_();
        p.grad = null;
        const l = loss.forward(x, [0, 1, 2, 0]);
        l.backward();
        assert.ok(Number.isFinite(l.item()), `${c.name} ${dtype}: loss ${l.item()}`);
        assert.ok(x.grad!.isfinite().all().item() === 1, `${c.name}: NaN embedding gradient`);
        assert.ok(p.grad!.isfinite().all().item() === 1, `${c.name}: NaN ${c.param} gradient`);
      });
    } finally {
      loss.dispose();
    }
  }
});

test('proxy losses: an index tuple weighs each sample by its miner weight (PML convert_to_weights); a miner works too', () => {
  const x = gaussian(6, D, 2000);
  const labels = [0, 0, 1, 1, 2, 2];
  const tuple = [[0, 0, 2], [1, 1, 3], [2, 4, 5]];
  const weights = minerWeightsRef(6, tuple);
  assert.deepEqual(weights, [1, 1, 1, 1 / 2, 1 / 2, 1 / 2]);
  const triplet = tuple.map((c) => tensor(c, { dtype: 'int64' })) as [Tensor, Tensor, Tensor];
  const cos = new CosFaceLoss({ numClasses: 3, embeddingSize: D, dtype: 'float64', scale: 8 });
  const anchor = new ProxyAnchorLoss({ numClasses: 3, embeddingSize: D, dtype: 'float64', alpha: 8 });
  const arc = new ArcFaceLoss({ numClasses: 3, embeddingSize: D, miner: new BatchHardMiner() });
  try {
    const w = gaussian(D, 3, 2001);
    const p = gaussian(3, D, 2002);
    setParam(cos.W, w);
    setParam(anchor.proxies, p);
    near(value(() => cos.forward(t(x), labels, triplet)), cosFaceRef(x, w, labels, 0.35, 8, weights), 'CosFace weighted');
    near(value(() => anchor.forward(t(x), labels, triplet)), proxyAnchorRef(x, p, labels, 0.1, 8, weights), 'ProxyAnchor weighted');
    const empty = [tensor([], { dtype: 'int64' }), tensor([], { dtype: 'int64' }), tensor([], { dtype: 'int64' })] as const;
    near(value(() => cos.forward(t(x), labels, empty)), cosFaceRef(x, w, labels, 0.35, 8), 'empty tuple = no tuple');
    assert.ok(Number.isFinite(value(() => arc.forward(t(x, 'float32'), labels))));
  } finally {
    cos.dispose();
    anchor.dispose();
    arc.dispose();
  }
});

test('margin-softmax losses: logits() are the scaled cosines without margin (PML get_logits)', () => {
  const x = gaussian(5, D, 2100);
  const w = gaussian(D, 6, 2101);
  const cosines = x.map((xi) => Array.from({ length: 6 }, (_, j) => {
    const wj = column(w, j);
    return xi.reduce((s, v, d) => s + v * wj[d]!, 0) / (Math.hypot(...xi) * Math.hypot(...wj));
  }));
  const check = (loss: ArcFaceLoss | CosFaceLoss | LargeMarginSoftmaxLoss | SubCenterArcFaceLoss, expected: Matrix, what: string): void => {
    try {
      setParam(loss.W, w);
      const got = scope(() => loss.logits(t(x)).toArray()) as Matrix;
      assert.equal(got.length, 5);
      got.forEach((row, i) => row.forEach((v, j) => near(v, expected[i]![j]!, `${what} [${i}, ${j}]`)));
    } finally {
      loss.dispose();
    }
  };
  check(new ArcFaceLoss({ numClasses: 6, embeddingSize: D, dtype: 'float64' }), cosines.map((r) => r.map((v) => 64 * v)), 'ArcFace');
  check(new CosFaceLoss({ numClasses: 6, embeddingSize: D, scale: 3, dtype: 'float64' }), cosines.map((r) => r.map((v) => 3 * v)), 'CosFace');
  const dots = x.map((xi) => Array.from({ length: 6 }, (_, j) => xi.reduce((s, v, d) => s + v * w[d]![j]!, 0)));
  check(new LargeMarginSoftmaxLoss({ numClasses: 6, embeddingSize: D, dtype: 'float64' }), dots, 'L-Softmax');
  check(new SphereFaceLoss({ numClasses: 6, embeddingSize: D, dtype: 'float64' }), cosines.map((r, i) => r.map((v) => Math.hypot(...x[i]!) * v)), 'SphereFace');
  check(new SubCenterArcFaceLoss({ numClasses: 3, embeddingSize: D, subCenters: 2, dtype: 'float64' }),
    cosines.map((r) => [0, 1, 2].map((c) => 64 * Math.max(r[2 * c]!, r[2 * c + 1]!))), 'SubCenter');
});

test('proxy losses: defaults, parameters in namedParameters / stateDict, PML init, and to() converts them in place', () => {
  const arc = new ArcFaceLoss({ numClasses: 5, embeddingSize: D });
  assert.deepEqual([arc.margin, arc.scale], [28.6, 64]);
  assert.ok(arc.distance instanceof CosineSimilarity && arc.reducer instanceof MeanReducer);
  const sub = new SubCenterArcFaceLoss({ numClasses: 5, embeddingSize: D });
  assert.deepEqual([sub.margin, sub.scale, sub.subCenters], [28.6, 64, 3]);
  const cos = new CosFaceLoss({ numClasses: 5, embeddingSize: D });
  assert.deepEqual([cos.margin, cos.scale], [0.35, 64]);
  const ls = new LargeMarginSoftmaxLoss({ numClasses: 5, embeddingSize: D });
  const sphere = new SphereFaceLoss({ numClasses: 5, embeddingSize: D });
  assert.deepEqual([ls.margin, ls.scale, sphere.margin, sphere.scale], [4, 1, 4, 1]);
  const ns = new NormalizedSoftmaxLoss({ numClasses: 5, embeddingSize: D });
  assert.ok(ns.temperature === 0.05 && ns.distance instanceof DotProductSimilarity);
  const pa = new ProxyAnchorLoss({ numClasses: 50, embeddingSize: 200 });
  assert.ok(pa.margin === 0.1 && pa.alpha === 32 && pa.reducer instanceof DivisorReducer);
  const nca = new ProxyNCALoss({ numClasses: 5, embeddingSize: D });
  assert.ok(nca.softmaxScale === 1 && nca.distance instanceof LpDistance && nca.distance.power === 2);
  const st = new SoftTripleLoss({ numClasses: 20, embeddingSize: 50 });
  assert.deepEqual([st.centersPerClass, st.la, st.gamma, st.margin], [10, 20, 0.1, 0.01]);
  const all: [MetricLoss, string, number[]][] = [
    [arc, 'W', [D, 5]], [sub, 'W', [D, 15]], [cos, 'W', [D, 5]], [ls, 'W', [D, 5]], [sphere, 'W', [D, 5]], [ns, 'W', [D, 5]],
    [pa, 'proxies', [50, 200]], [nca, 'proxies', [5, D]], [st, 'fc', [50, 200]],
  ];
  try {
    for (const [loss, name, shape] of all) {
      const params = loss.namedParameters();
      assert.deepEqual(params.map(([n]) => n), [name], loss.name);
      const p = params[0]![1];
      assert.deepEqual([...p.shape], shape, `${loss.name} shape`);
      assert.ok(p.requiresGrad && p.dtype === 'float32', `${loss.name} trainable float32`);
      scope(() => assert.deepEqual(Object.keys(loss.stateDict()), [name]));
      loss.to('float64');
      assert.ok(loss.namedParameters()[0]![1] === p && (p.dtype as string) === 'float64' && p.requiresGrad, `${loss.name} to()`);
      assert.ok(Number.isFinite(value(() => loss.forward(randn([3, shape.includes(200) ? (name === 'fc' ? 50 : 200) : D]), [0, 1, 1]))));
    }
    scope(() => {
      // PML's initialisations: normal_ (std 1), kaiming_normal_(fan_out) (std sqrt(2 / C)), kaiming_uniform_(a = sqrt 5) (|w| <= 1 / sqrt(C K))
      const std = (p: Tensor): number => p.std().item();
      near(std(pa.proxies), Math.sqrt(2 / 50), 'ProxyAnchor init std', 0.1);
      assert.ok(st.fc.abs().amax().item() <= 1 / Math.sqrt(200) + 1e-12);
      near(std(st.fc), 1 / Math.sqrt(200) / Math.sqrt(3), 'SoftTriple init std', 0.1);
      const big = new NormalizedSoftmaxLoss({ numClasses: 100, embeddingSize: 100 });
      near(std(big.W), 1, 'normal_ init std', 0.1);
      big.dispose();
    });
  } finally {
    for (const [loss] of all) loss.dispose();
  }
});

test('proxy losses: every option is validated by name, labels must be class ids in [0, numClasses)', () => {
  const base = { numClasses: 3, embeddingSize: D };
  const bad: [() => unknown, RegExp][] = [
    [() => new ArcFaceLoss({ embeddingSize: D } as never), /ArcFaceLoss: numClasses must be an integer >= 1, got undefined/],
    [() => new ArcFaceLoss({ numClasses: 2.5, embeddingSize: D }), /ArcFaceLoss: numClasses .* got 2\.5/],
    [() => new CosFaceLoss({ numClasses: 3, embeddingSize: 0 }), /CosFaceLoss: embeddingSize .* got 0/],
    [() => new ProxyNCALoss({ ...base, dtype: 'int32' as never }), /ProxyNCALoss: dtype .* int32/],
    [() => new ArcFaceLoss({ ...base, margin: 180 }), /ArcFaceLoss: margin .* 180/],
    [() => new ArcFaceLoss({ ...base, scale: 0 }), /ArcFaceLoss: scale must be > 0, got 0/],
    [() => new SubCenterArcFaceLoss({ ...base, subCenters: 0 }), /SubCenterArcFaceLoss: subCenters .* got 0/],
    [() => new SubCenterArcFaceLoss({ ...base, margin: -1 }), /SubCenterArcFaceLoss: margin .* -1/],
    [() => new CosFaceLoss({ ...base, margin: Number.NaN }), /CosFaceLoss: margin must be a finite number, got NaN/],
    [() => new LargeMarginSoftmaxLoss({ ...base, margin: 2.5 }), /LargeMarginSoftmaxLoss: margin must be an integer >= 1, got 2\.5/],
    [() => new SphereFaceLoss({ ...base, margin: 0 }), /SphereFaceLoss: margin must be an integer >= 1, got 0/],
    [() => new SphereFaceLoss({ ...base, distance: new DotProductSimilarity() }), /SphereFaceLoss: distance must be a CosineSimilarity/],
    [() => new NormalizedSoftmaxLoss({ ...base, temperature: 0 }), /NormalizedSoftmaxLoss: temperature .* 0/],
    [() => new ProxyAnchorLoss({ ...base, margin: Number.NaN }), /ProxyAnchorLoss: margin .* NaN/],
    [() => new ProxyAnchorLoss({ ...base, alpha: Number.POSITIVE_INFINITY }), /ProxyAnchorLoss: alpha .* Infinity/],
    [() => new ProxyNCALoss({ ...base, softmaxScale: Number.NaN }), /ProxyNCALoss: softmaxScale .* NaN/],
    [() => new SoftTripleLoss({ ...base, centersPerClass: 0 }), /SoftTripleLoss: centersPerClass .* 0/],
    [() => new SoftTripleLoss({ ...base, la: Number.NaN }), /SoftTripleLoss: la .* NaN/],
    [() => new SoftTripleLoss({ ...base, gamma: 0 }), /SoftTripleLoss: gamma must be > 0, got 0/],
    [() => new SoftTripleLoss({ ...base, margin: Number.NaN }), /SoftTripleLoss: margin .* NaN/],
    [() => new SoftTripleLoss({ ...base, distance: new LpDistance() }), /SoftTripleLoss: distance must be a CosineSimilarity/],
    [() => new ProxyAnchorLoss({ ...base, temperature: 1 } as never), /ProxyAnchorLoss: unknown option 'temperature'/],
  ];
  for (const [f, re] of bad) assert.throws(f, re);
  const loss = new ArcFaceLoss(base);
  const nca = new ProxyNCALoss(base);
  try {
    scope(() => {
      const x = randn([3, D]);
      assert.throws(() => loss.forward(x, [0, 3, 1]), /ArcFaceLoss: label 3 \(at index 1\) is not a class id in \[0, 3\) \(numClasses 3\)/);
      assert.throws(() => nca.forward(x, [0, -1, 1]), /ProxyNCALoss: label -1 .*numClasses 3/);
      assert.throws(() => nca.forward(x, tensor([0, 0.5, 1])), /ProxyNCALoss: label 0\.5/);
      assert.throws(() => loss.forward(randn([3, D + 1]), [0, 1, 2]), /ArcFaceLoss: embeddings have 5 features but embeddingSize is 4/);
      assert.throws(() => loss.logits(randn([3, D + 1])), /ArcFaceLoss: embeddings must be \(N, 4\)/);
      assert.ok(Number.isFinite(value(() => nca.forward(x, tensor([0, 1, 2], { dtype: 'float32' })))));
    });
  } finally {
    loss.dispose();
    nca.dispose();
  }
});

test('proxy losses: forward + backward in a scope leaves memory().tensors flat; dispose frees the parameters', () => {
  const start = memory().tensors;
  const losses = CASES.filter((c) => c.main).map((c) => c.make(4));
  const labels = tensor([0, 1, 1, 3, 2, 0]);
  const step = (): void => {
    for (const loss of losses) {
      scope(() => {
        const x = randn([6, D]).requiresGrad_();
        loss.forward(x, labels).backward();
        loss.zeroGrad();
      });
    }
  };
  step();
  const before = memory().tensors;
  for (let i = 0; i < 3; i++) step();
  assert.equal(memory().tensors, before);
  for (const loss of losses) loss.dispose();
  labels.dispose();
  assert.equal(memory().tensors, start);
});
