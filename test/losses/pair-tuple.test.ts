import assert from 'node:assert/strict';
import { test } from 'node:test';
import { full, memory, randn, scope, type Tensor, tensor } from '../../src/index.js';
import { AngularLoss } from '../../src/losses/angular-loss.js';
import { CircleLoss } from '../../src/losses/circle-loss.js';
import { CosineSimilarity } from '../../src/losses/distances/cosine-similarity.js';
import { LpDistance } from '../../src/losses/distances/lp-distance.js';
import type { IndicesTuple } from '../../src/losses/indices.js';
import { GeneralizedLiftedStructureLoss, LiftedStructureLoss } from '../../src/losses/lifted-structure-loss.js';
import { MarginLoss } from '../../src/losses/margin-loss.js';
import { DivisorReducer } from '../../src/losses/reducers/divisor-reducer.js';
import type { MetricLoss } from '../../src/losses/metric-loss.js';
import { BatchHardMiner } from '../../src/losses/miners/batch-hard-miner.js';
import { MultiSimilarityMiner } from '../../src/losses/miners/multi-similarity-miner.js';
import { MultiSimilarityLoss } from '../../src/losses/multi-similarity-loss.js';
import { AvgNonZeroReducer } from '../../src/losses/reducers/avg-non-zero-reducer.js';
import type { LossDict } from '../../src/losses/reducers/base.js';
import { MeanReducer } from '../../src/losses/reducers/mean-reducer.js';
import { TupletMarginLoss } from '../../src/losses/tuplet-margin-loss.js';
import { gaussian } from './reference.js';
import {
  angularRef, circleRef, generalizedLiftedRef, labelPairs, labelTriplets, liftedStructureRef, marginRef, multiSimilarityRef,
  type PairLists, pairsToTriplets, type Triplet, tupletMarginRef,
} from './reference-pair-tuple.js';
import { assertGrad, near, t, value } from './util.js';

type Matrix = number[][];

const SIZES = [1, 2, 5, 16];
const LABELINGS: Record<string, (n: number) => number[]> = {
  balanced: (n) => Array.from({ length: n }, (_, i) => Math.floor(i / 2)),
  interleaved: (n) => Array.from({ length: n }, (_, i) => i % 3),
  singleton: (n) => Array.from({ length: n }, (_, i) => (i === n - 1 ? 99 : i % 2)),
  distinct: (n) => Array.from({ length: n }, (_, i) => i),
};

/** A loss under test: how to build it and its reference on (x, labels, pairs) from labels or a tuple. */
interface Case {
  name: string;
  make: () => MetricLoss;
  ref: (x: Matrix, labels: number[], pairs: PairLists, triplets: Triplet[]) => number;
}

const CASES: Case[] = [
  { name: 'MultiSimilarity defaults', make: () => new MultiSimilarityLoss(), ref: (x, _y, pr) => multiSimilarityRef(x, pr, 2, 50, 0.5) },
  { name: 'MultiSimilarity a1 b10 base0.2', make: () => new MultiSimilarityLoss({ alpha: 1, beta: 10, base: 0.2 }), ref: (x, _y, pr) => multiSimilarityRef(x, pr, 1, 10, 0.2) },
  { name: 'Circle defaults', make: () => new CircleLoss(), ref: (x, _y, pr) => circleRef(x, pr, 0.4, 80) },
  { name: 'Circle m0.25 g16', make: () => new CircleLoss({ m: 0.25, gamma: 16 }), ref: (x, _y, pr) => circleRef(x, pr, 0.25, 16) },
  { name: 'LiftedStructure defaults', make: () => new LiftedStructureLoss(), ref: (x, _y, pr) => liftedStructureRef(x, pr, 1, 0) },
  { name: 'LiftedStructure neg1.5 pos0.3', make: () => new LiftedStructureLoss({ negMargin: 1.5, posMargin: 0.3 }), ref: (x, _y, pr) => liftedStructureRef(x, pr, 1.5, 0.3) },
  { name: 'GeneralizedLifted defaults', make: () => new GeneralizedLiftedStructureLoss(), ref: (x, _y, pr) => generalizedLiftedRef(x, pr, 1, 0) },
  { name: 'GeneralizedLifted neg0.5 pos0.2', make: () => new GeneralizedLiftedStructureLoss({ negMargin: 0.5, posMargin: 0.2 }), ref: (x, _y, pr) => generalizedLiftedRef(x, pr, 0.5, 0.2) },
  { name: 'Margin defaults', make: () => new MarginLoss(), ref: (x, y, _pr, tr) => marginRef(x, y, tr, 0.2, 1.2) },
  { name: 'Margin m0.5 b0.9', make: () => new MarginLoss({ margin: 0.5, beta: 0.9 }), ref: (x, y, _pr, tr) => marginRef(x, y, tr, 0.5, 0.9) },
  { name: 'TupletMargin defaults', make: () => new TupletMarginLoss(), ref: (x, _y, pr) => tupletMarginRef(x, pr, 5.73, 64) },
  { name: 'TupletMargin 20deg s8', make: () => new TupletMarginLoss({ margin: 20, scale: 8 }), ref: (x, _y, pr) => tupletMarginRef(x, pr, 20, 8) },
  { name: 'Angular defaults', make: () => new AngularLoss(), ref: (x, y, pr) => angularRef(x, y, pr, 40) },
  { name: 'Angular 30deg', make: () => new AngularLoss({ alpha: 30 }), ref: (x, y, pr) => angularRef(x, y, pr, 30) },
];

/** Index tuple tensors as JS pair / triplet lists. */
function lists(tuple: IndicesTuple): { pairs: PairLists; triplets: Triplet[] } {
  const cols = tuple.map((c) => Array.from(c.data() as BigInt64Array, Number));
  if (cols.length === 3) {
    const triplets = cols[0]!.map((a, k): Triplet => [a, cols[1]![k]!, cols[2]![k]!]);
    return { pairs: { pos: triplets.map(([a, p]) => [a, p]), neg: triplets.map(([a, , n]) => [a, n]) }, triplets };
  }
  const pairs: PairLists = { pos: cols[0]!.map((a, k) => [a, cols[1]![k]!]), neg: cols[2]!.map((a, k) => [a, cols[3]![k]!]) };
  return { pairs, triplets: pairsToTriplets(pairs) };
}

test('pair/tuple losses match the naive references over batch sizes 1..16 and label layouts', () => {
  let seed = 1800;
  for (const c of CASES) {
    const loss = c.make();
    for (const n of SIZES) for (const [layout, make] of Object.entries(LABELINGS)) {
      const x = gaussian(n, 4, seed++);
      const labels = make(n);
      const expected = c.ref(x, labels, labelPairs(labels), labelTriplets(labels));
      near(value(() => loss.forward(t(x), labels)), expected, `${c.name} n=${n} ${layout}`, 1e-7);
    }
    const x = gaussian(9, 4, seed++);
    const labels = LABELINGS.interleaved!(9);
    near(value(() => loss.forward(t(x, 'float32'), labels)), c.ref(x, labels, labelPairs(labels), labelTriplets(labels)), `${c.name} float32`, 1e-4);
  }
});

test('pair/tuple losses use a given index tuple and a miner\'s output (pairs and triplets)', () => {
  const x = gaussian(10, 4, 77);
  const labels = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3];
  const pairMiner = new MultiSimilarityMiner({ epsilon: 0.3 });
  const tripletMiner = new BatchHardMiner();
  for (const c of CASES.filter((_, i) => i % 2 === 0)) {
    for (const miner of [pairMiner, tripletMiner]) {
      scope(() => {
        const tuple = miner.mine(t(x), labels);
        const { pairs, triplets } = lists(tuple);
        const expected = c.ref(x, labels, pairs, triplets);
        near(c.make().forward(t(x), labels, tuple).item(), expected, `${c.name} tuple from ${miner.name}`, 1e-7);
      });
    }
  }
  const withMiner = new MultiSimilarityLoss({ miner: pairMiner });
  const { pairs } = scope(() => lists(pairMiner.mine(t(x), labels)));
  near(value(() => withMiner.forward(t(x), labels)), multiSimilarityRef(x, pairs, 2, 50, 0.5), 'MultiSimilarityLoss with a miner');
  const margin = new MarginLoss({ miner: tripletMiner });
  const { triplets } = scope(() => lists(tripletMiner.mine(t(x), labels)));
  near(value(() => margin.forward(t(x), labels)), marginRef(x, labels, triplets, 0.2, 1.2), 'MarginLoss with a miner');
});

test('pair/tuple losses: gradients match finite differences (float64)', () => {
  const x = t(gaussian(6, 3, 5));
  const labels = [0, 0, 1, 1, 1, 2];
  const losses: [string, MetricLoss][] = [
    ['MultiSimilarity', new MultiSimilarityLoss({ beta: 10 })],
    ['LiftedStructure', new LiftedStructureLoss()],
    ['GeneralizedLifted', new GeneralizedLiftedStructureLoss()],
    ['Margin', new MarginLoss({ beta: 0.8, margin: 0.3 })],
    ['TupletMargin', new TupletMarginLoss({ scale: 8 })],
    ['Angular', new AngularLoss()],
  ];
  for (const [name, loss] of losses) assertGrad((e) => loss.forward(e, labels), [x], name);
});

test('CircleLoss gradient matches finite differences with the weights alpha held fixed (they are detached)', () => {
  const x0 = gaussian(6, 3, 6);
  const labels = [0, 0, 1, 1, 1, 2];
  const pairs = labelPairs(labels);
  const loss = new CircleLoss({ gamma: 4 });
  const grad = scope(() => {
    const e = t(x0).requiresGrad_();
    loss.forward(e, labels).backward();
    return Array.from(e.grad!.data() as Float64Array);
  });
  const h = 1e-6;
  x0.forEach((row, i) => row.forEach((_, k) => {
    const at = (delta: number): number => circleRef(x0.map((r, ii) => r.map((v, kk) => (ii === i && kk === k ? v + delta : v))), pairs, 0.4, 4, x0);
    near(grad[i * 3 + k]!, (at(h) - at(-h)) / (2 * h), `d/dx[${i}][${k}]`, 1e-5);
  }));
});

test('pair/tuple losses: identical embeddings give finite values and gradients', () => {
  const labels = [0, 0, 1, 1, 2];
  for (const c of CASES) {
    const loss = c.make();
    for (const dtype of ['float64', 'float32'] as const) {
      scope(() => {
        const e = full([5, 3], 0.7, { dtype }).requiresGrad_();
        const l = loss.forward(e, labels);
        assert.ok(Number.isFinite(l.item()), `${c.name} ${dtype}: value ${l.item()}`);
        l.backward();
        assert.ok((Array.from(e.grad!.data() as Float32Array) as number[]).every(Number.isFinite), `${c.name} ${dtype}: NaN gradient`);
      });
    }
  }
});

test('pair/tuple losses: no positives or too few pairs give a zero that backpropagates', () => {
  for (const c of CASES) {
    for (const labels of [[0, 1, 2, 3], [4, 4, 4, 4], [7]]) {
      scope(() => {
        const e = randn([labels.length, 3], { dtype: 'float64' }).requiresGrad_();
        const l = c.make().forward(e, labels);
        const expected = c.ref(Array.from({ length: labels.length }, () => [1, 0, 0]), labels, labelPairs(labels), labelTriplets(labels));
        if (expected === 0) assert.equal(l.item(), 0, `${c.name} ${labels}`);
        l.backward();
        assert.ok(Array.from(e.grad!.data() as Float64Array).every(Number.isFinite), `${c.name} ${labels}`);
      });
    }
  }
});

test('pair/tuple losses: PML defaults (options, distance, reducer)', () => {
  const ms = new MultiSimilarityLoss();
  assert.deepEqual([ms.alpha, ms.beta, ms.base], [2, 50, 0.5]);
  assert.ok(ms.distance instanceof CosineSimilarity && ms.reducer instanceof MeanReducer);
  const circle = new CircleLoss();
  assert.deepEqual([circle.m, circle.gamma], [0.4, 80]);
  assert.ok(circle.distance instanceof CosineSimilarity && circle.reducer instanceof AvgNonZeroReducer);
  for (const l of [new LiftedStructureLoss(), new GeneralizedLiftedStructureLoss()]) {
    assert.deepEqual([l.negMargin, l.posMargin], [1, 0]);
    assert.ok(l.distance instanceof LpDistance && l.reducer instanceof MeanReducer);
  }
  const margin = new MarginLoss();
  assert.deepEqual([margin.margin, margin.nu, margin.betaInit, margin.tripletsPerAnchor, margin.learnBeta, margin.numClasses], [0.2, 0, 1.2, 'all', false, null]);
  assert.ok(margin.distance instanceof LpDistance && margin.reducer instanceof DivisorReducer);
  assert.deepEqual(margin.parameters(), []);
  const tuplet = new TupletMarginLoss();
  assert.deepEqual([tuplet.margin, tuplet.scale], [5.73, 64]);
  assert.ok(tuplet.distance instanceof CosineSimilarity && tuplet.reducer instanceof MeanReducer);
  const angular = new AngularLoss();
  assert.equal(angular.alpha, 40);
  assert.ok(angular.distance instanceof LpDistance && angular.reducer instanceof MeanReducer);
});

/** A MeanReducer that records each sub-loss's reduction type and indices. */
class RecordingReducer extends MeanReducer {
  seen: Record<string, { type: string; indices: number[][] | null }> = {};
  override reduce(dict: LossDict, embeddings: Tensor): Tensor {
    for (const [k, sub] of Object.entries(dict)) {
      const idx = sub.indices === undefined ? null : (Array.isArray(sub.indices) ? sub.indices : [sub.indices]) as Tensor[];
      this.seen[k] = { type: sub.reductionType, indices: idx && idx.map((c) => Array.from(c.data() as BigInt64Array, Number)) };
    }
    return super.reduce(dict, embeddings);
  }
}

test('pair/tuple losses: sub-loss names, reduction types and indices as PML fills them', () => {
  const labels = [0, 0, 1, 1];
  const x = gaussian(4, 3, 3);
  const { pos } = labelPairs(labels);
  const a1 = pos.map(([a]) => a);
  const p = pos.map(([, q]) => q);
  const tr = labelTriplets(labels);
  const expect: [string, (r: RecordingReducer) => MetricLoss, Record<string, [string, number[][] | null]>][] = [
    ['MultiSimilarity', (reducer) => new MultiSimilarityLoss({ reducer }), { loss: ['element', [[0, 1, 2, 3]]] }],
    ['Circle', (reducer) => new CircleLoss({ reducer }), { loss: ['element', [[0, 1, 2, 3]]] }],
    ['GeneralizedLifted', (reducer) => new GeneralizedLiftedStructureLoss({ reducer }), { loss: ['element', [[0, 1, 2, 3]]] }],
    ['LiftedStructure', (reducer) => new LiftedStructureLoss({ reducer }), { loss: ['pos_pair', [a1, p]] }],
    ['TupletMargin', (reducer) => new TupletMarginLoss({ reducer }), { loss: ['pos_pair', [a1, p]] }],
    ['Angular', (reducer) => new AngularLoss({ reducer }), { loss: ['pos_pair', [a1, p]] }],
    ['Margin', (reducer) => new MarginLoss({ reducer }), {
      margin_loss: ['triplet', [tr.map((v) => v[0]), tr.map((v) => v[1]), tr.map((v) => v[2])]], beta_reg_loss: ['already_reduced', null],
    }],
  ];
  for (const [name, make, want] of expect) {
    const r = new RecordingReducer();
    value(() => make(r).forward(t(x), labels));
    assert.deepEqual(Object.keys(r.seen), Object.keys(want), name);
    for (const [k, [type, idx]] of Object.entries(want)) assert.deepEqual(r.seen[k], { type, indices: idx }, `${name} ${k}`);
  }
});

test('MarginLoss learnBeta: beta is a registered parameter and d/dbeta matches finite differences', () => {
  const x = gaussian(8, 3, 21);
  const labels = [0, 0, 0, 1, 1, 2, 2, 2];
  const tr = labelTriplets(labels);
  const h = 1e-6;
  // One beta: the regulariser nu * beta is added once (already reduced).
  const one = new MarginLoss({ learnBeta: true, nu: 0.1, beta: 0.9, dtype: 'float64' });
  try {
    const [beta] = one.parameters();
    assert.ok(beta && beta.requiresGrad && beta.shape.length === 1 && beta.shape[0] === 1);
    assert.deepEqual(Object.keys(one.stateDict()), ['beta']);
    const v = scope(() => {
      const l = one.forward(t(x), labels);
      l.backward();
      return l.item();
    });
    near(v, marginRef(x, labels, tr, 0.2, 0.9, 0.1, true), 'value');
    const fd = (marginRef(x, labels, tr, 0.2, 0.9 + h, 0.1, true) - marginRef(x, labels, tr, 0.2, 0.9 - h, 0.1, true)) / (2 * h);
    near(beta.grad!.item(), fd, 'd/dbeta', 1e-6);
    assertGrad((e) => one.forward(e, labels), [t(x)], 'embeddings with a learnt beta');
  } finally {
    one.dispose();
  }
  // One beta per class (float32 parameter by default), indexed by the anchor's label.
  const perClass = new MarginLoss({ learnBeta: true, nu: 0.05, numClasses: 3, beta: 1 });
  try {
    const [beta] = perClass.parameters();
    assert.ok(beta && beta.dtype === 'float32' && beta.shape[0] === 3);
    scope(() => perClass.forward(t(x), labels).backward());
    const betas = [1, 1, 1];
    const grad = Array.from(beta.grad!.data() as Float32Array);
    for (let c = 0; c < 3; c++) {
      const at = (delta: number): number => marginRef(x, labels, tr, 0.2, betas.map((b, k) => (k === c ? b + delta : b)), 0.05, true);
      near(grad[c]!, (at(1e-5) - at(-1e-5)) / 2e-5, `d/dbeta_${c}`, 1e-4);
    }
    const fixed = new MarginLoss({ numClasses: 3, beta: 1 });
    near(value(() => fixed.forward(t(x), labels)), marginRef(x, labels, tr, 0.2, [1, 1, 1]), 'fixed per-class beta');
  } finally {
    perClass.dispose();
  }
});

test('MarginLoss tripletsPerAnchor: k random valid triplets per anchor', () => {
  const labels = [0, 0, 0, 1, 1, 2];
  const r = new RecordingReducer();
  const loss = new MarginLoss({ tripletsPerAnchor: 3, reducer: r });
  value(() => loss.forward(t(gaussian(6, 3, 2)), labels));
  const [a, p, n] = r.seen.margin_loss!.indices!;
  assert.equal(a!.length, 5 * 3); // rows 0-4 have a positive; row 5's label is a singleton
  a!.forEach((ai, k) => {
    assert.ok(ai !== p![k] && labels[ai] === labels[p![k]!] && labels[ai] !== labels[n![k]!], `triplet ${k}`);
  });
});

test('pair/tuple losses: each bad option is rejected by name', () => {
  const bad: [() => unknown, RegExp][] = [
    [() => new MultiSimilarityLoss({ alpha: 0 }), /MultiSimilarityLoss: alpha/],
    [() => new MultiSimilarityLoss({ beta: -1 }), /MultiSimilarityLoss: beta/],
    [() => new MultiSimilarityLoss({ base: Number.NaN }), /MultiSimilarityLoss: base/],
    [() => new CircleLoss({ m: Infinity }), /CircleLoss: m/],
    [() => new CircleLoss({ gamma: 0 }), /CircleLoss: gamma/],
    [() => new CircleLoss({ distance: new LpDistance() }), /CircleLoss: distance/],
    [() => new LiftedStructureLoss({ negMargin: Number.NaN }), /LiftedStructureLoss: negMargin/],
    [() => new LiftedStructureLoss({ posMargin: '0' as never }), /LiftedStructureLoss: posMargin/],
    [() => new GeneralizedLiftedStructureLoss({ negMargin: Infinity }), /GeneralizedLiftedStructureLoss: negMargin/],
    [() => new GeneralizedLiftedStructureLoss({ posMargin: Number.NaN }), /GeneralizedLiftedStructureLoss: posMargin/],
    [() => new MarginLoss({ margin: Number.NaN }), /MarginLoss: margin/],
    [() => new MarginLoss({ nu: Infinity }), /MarginLoss: nu/],
    [() => new MarginLoss({ beta: Number.NaN }), /MarginLoss: beta/],
    [() => new MarginLoss({ tripletsPerAnchor: 0 }), /MarginLoss: tripletsPerAnchor/],
    [() => new MarginLoss({ learnBeta: 1 as never }), /MarginLoss: learnBeta/],
    [() => new MarginLoss({ numClasses: 2.5 }), /MarginLoss: numClasses/],
    [() => new MarginLoss({ dtype: 'int64' as never }), /MarginLoss: dtype/],
    [() => new TupletMarginLoss({ margin: Number.NaN }), /TupletMarginLoss: margin/],
    [() => new TupletMarginLoss({ scale: -1 }), /TupletMarginLoss: scale/],
    [() => new TupletMarginLoss({ distance: new LpDistance() }), /TupletMarginLoss: distance/],
    [() => new AngularLoss({ alpha: 90 }), /AngularLoss: alpha/],
    [() => new AngularLoss({ distance: new LpDistance({ power: 2 }) }), /AngularLoss: distance/],
    [() => new AngularLoss({ temperature: 1 } as never), /AngularLoss: unknown option 'temperature'/],
  ];
  for (const [f, re] of bad) assert.throws(f, re);
});

test('pair/tuple losses: forward + backward leave memory().tensors flat', () => {
  const labels = tensor([0, 0, 1, 1, 2, 2, 0, 1]);
  const learnt = new MarginLoss({ learnBeta: true, nu: 0.1, numClasses: 3 });
  const losses: MetricLoss[] = [...CASES.map((c) => c.make()), learnt, new MarginLoss({ tripletsPerAnchor: 2 }), new LiftedStructureLoss({ miner: new BatchHardMiner() })];
  const step = (): void => {
    for (const loss of losses) scope(() => loss.forward(randn([8, 4]).requiresGrad_(), labels).backward());
  };
  step();
  const before = memory();
  for (let i = 0; i < 3; i++) step();
  assert.deepEqual(memory(), before);
  learnt.dispose();
  labels.dispose();
});
