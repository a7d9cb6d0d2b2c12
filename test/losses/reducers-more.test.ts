import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, scope, type Tensor, tensor } from '../../src/index.js';
import { ContrastiveLoss } from '../../src/losses/contrastive-loss.js';
import { NPairsLoss } from '../../src/losses/npairs-loss.js';
import { type LossDict, zeroLoss } from '../../src/losses/reducers/base.js';
import { ClassWeightedReducer } from '../../src/losses/reducers/class-weighted-reducer.js';
import { DivisorReducer } from '../../src/losses/reducers/divisor-reducer.js';
import { asLossDict, DoNothingReducer } from '../../src/losses/reducers/do-nothing-reducer.js';
import { MeanReducer } from '../../src/losses/reducers/mean-reducer.js';
import { MultipleReducers } from '../../src/losses/reducers/multiple-reducers.js';
import { PerAnchorReducer } from '../../src/losses/reducers/per-anchor-reducer.js';
import { SumReducer } from '../../src/losses/reducers/sum-reducer.js';
import { SupConLoss } from '../../src/losses/supcon-loss.js';
import { TripletMarginLoss } from '../../src/losses/triplet-margin-loss.js';
import { gaussian, pairs, triplets } from './reference.js';
import { l2Matrix } from './reference-miners.js';
import { assertGrad, near, t, value } from './util.js';

const f64 = (v: number[]): Tensor => tensor(v, { dtype: 'float64' });
const i64 = (v: number[]): Tensor => tensor(v, { dtype: 'int64' });
const emb = (): Tensor => t([[1, 2], [3, 4], [5, 6], [7, 8]]).requiresGrad_();
const LAYOUTS: Record<string, (n: number) => number[]> = {
  balanced: (n) => Array.from({ length: n }, (_, i) => Math.floor(i / 2)),
  singleton: (n) => Array.from({ length: n }, (_, i) => (i < n - 1 ? i % 3 : 3)),
  distinct: (n) => Array.from({ length: n }, (_, i) => i),
};

/** Per-anchor means of the contrastive pair losses, then the mean over the N anchors, pos + neg. */
function perAnchorContrastiveRef(x: number[][], labels: number[], posMargin = 0, negMargin = 1): number {
  const m = l2Matrix(x);
  const n = labels.length;
  const { pos, neg } = pairs(labels);
  if (pos.length <= 1 && neg.length <= 1) return 0;
  const part = (list: [number, number][], f: (d: number) => number): number => {
    if (list.length === 0) return 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const mine = list.filter(([a]) => a === i).map(([a, b]) => f(m[a]![b]!));
      total += mine.length ? mine.reduce((s, v) => s + v, 0) / mine.length : 0;
    }
    return total / n;
  };
  return part(pos, (d) => Math.max(0, d - posMargin)) + part(neg, (d) => Math.max(0, negMargin - d));
}

/** Mean over all triplets of w[y_a] * [d_ap - d_an + margin]_+ (0 without triplets). */
function classWeightedTripletRef(x: number[][], labels: number[], w: number[], margin = 0.05): number {
  const m = l2Matrix(x);
  const tr = triplets(labels);
  if (tr.length === 0) return 0;
  return tr.reduce((s, [a, p, n]) => s + w[labels[a]!]! * Math.max(0, m[a]![p]! - m[a]![n]! + margin), 0) / tr.length;
}

test('ClassWeightedReducer weighs each loss by its anchor class, then averages (hand values)', () => {
  const w = [2, 0.5, 1];
  const labels = i64([0, 1, 2, 1]);
  const r = new ClassWeightedReducer({ weights: w });
  const red = (d: LossDict): number => scope(() => r.reduce(d, emb(), labels).item());
  assert.equal(red({ l: { losses: f64([1, 2, 3, 4]), reductionType: 'element', indices: i64([0, 1, 2, 3]) } }), (2 + 1 + 3 + 2) / 4);
  assert.equal(red({ l: { losses: f64([1, 2]), reductionType: 'pos_pair', indices: [i64([1, 3]), i64([3, 1])] } }), (0.5 + 1) / 2);
  assert.equal(red({ l: { losses: f64([4, 8]), reductionType: 'triplet', indices: [i64([0, 2]), i64([0, 2]), i64([1, 1])] } }), (8 + 8) / 2);
  assert.equal(scope(() => new ClassWeightedReducer({ weights: f64(w) }).reduce({ l: { losses: f64([1, 1]), reductionType: 'element', indices: i64([0, 2]) } }, emb(), labels).item()), 1.5);
});

test('ClassWeightedReducer inside TripletMarginLoss matches the naive weighted mean', () => {
  const w = Array.from({ length: 16 }, (_, c) => 0.25 + (c % 4) * 0.5);
  for (const n of [1, 2, 5, 16]) for (const [name, layout] of Object.entries(LAYOUTS)) {
    const x = gaussian(n, 3, 40 + n);
    const labels = layout(n);
    const loss = new TripletMarginLoss({ margin: 0.3, reducer: new ClassWeightedReducer({ weights: w }) });
    near(value(() => loss.forward(t(x), labels)), classWeightedTripletRef(x, labels, w, 0.3), `n=${n} ${name}`);
  }
  const x = gaussian(5, 3, 9);
  const loss = new TripletMarginLoss({ margin: 0.5, reducer: new ClassWeightedReducer({ weights: w }) });
  scope(() => assertGrad((e) => loss.forward(e, [0, 0, 1, 1, 2]), [t(x).requiresGrad_()], 'ClassWeighted triplet'));
});

test('PerAnchorReducer averages each anchor\'s pairs, then over anchors (ContrastiveLoss, naive loop)', () => {
  for (const n of [1, 2, 5, 16]) for (const [name, layout] of Object.entries(LAYOUTS)) {
    const x = gaussian(n, 4, 60 + n);
    const labels = layout(n);
    const loss = new ContrastiveLoss({ posMargin: 0.2, negMargin: 1.1, reducer: new PerAnchorReducer() });
    near(value(() => loss.forward(t(x), labels)), perAnchorContrastiveRef(x, labels, 0.2, 1.1), `n=${n} ${name}`);
  }
  const x = gaussian(5, 3, 11);
  const loss = new ContrastiveLoss({ negMargin: 1.5, reducer: new PerAnchorReducer() });
  scope(() => assertGrad((e) => loss.forward(e, [0, 0, 1, 1, 2]), [t(x).requiresGrad_()], 'PerAnchor contrastive'));
  // hand values, duplicates counted once, a custom inner reducer and aggregation
  const d: LossDict = { l: { losses: f64([1, 3, 3, 5]), reductionType: 'neg_pair', indices: [i64([0, 0, 0, 2]), i64([1, 2, 2, 3])] } };
  assert.equal(scope(() => new PerAnchorReducer().reduce(d, emb()).item()), (2 + 0 + 5 + 0) / 4);
  assert.equal(scope(() => new PerAnchorReducer({ reducer: new SumReducer() }).reduce(d, emb()).item()), 7);
  const maxAgg = (m: Tensor): Tensor => m.amax(1);
  assert.equal(scope(() => new PerAnchorReducer({ aggregationFunc: maxAgg }).reduce(d, emb()).item()), (3 + 5) / 4);
  // element losses go straight to the inner reducer (SupCon's per-anchor losses: the plain mean)
  const sx = gaussian(6, 3, 2);
  const sup = value(() => new SupConLoss({ reducer: new PerAnchorReducer() }).forward(t(sx), [0, 0, 1, 1, 2, 2]));
  near(sup, value(() => new SupConLoss({ reducer: new MeanReducer() }).forward(t(sx), [0, 0, 1, 1, 2, 2])), 'element');
  assert.throws(() => scope(() => new TripletMarginLoss({ reducer: new PerAnchorReducer() }).forward(t(sx), [0, 0, 1, 1, 2, 2])), /PerAnchorReducer: triplet losses are not supported/);
});

test('DivisorReducer divides each sum by its divisor; zero divisor gives a backpropagating zero', () => {
  const r = new DivisorReducer();
  const red = (d: LossDict): number => scope(() => r.reduce(d, emb()).item());
  assert.equal(red({ a: { losses: f64([1, 2, 3]), reductionType: 'element', divisor: 4 }, b: { losses: f64([6]), reductionType: 'pos_pair', divisor: f64([3]) } }), 1.5 + 2);
  assert.equal(red({ a: { losses: f64(1.25 as never), reductionType: 'already_reduced' } }), 1.25);
  scope(() => {
    const e = emb();
    const z = r.reduce({ a: { losses: f64([1, 2]), reductionType: 'triplet', divisor: 0 }, b: { losses: f64([3]), reductionType: 'element', divisor: f64([0]) } }, e);
    assert.equal(z.item(), 0);
    z.backward();
    assert.deepEqual(Array.from(e.grad!.data() as Float64Array), new Array(8).fill(0));
  });
  assert.throws(() => red({ pos_loss: { losses: f64([1]), reductionType: 'element' } }), /DivisorReducer: sub-loss 'pos_loss' has no divisor/);
});

test('DoNothingReducer returns the loss dict with PML indices; MultipleReducers reduces by name', () => {
  const x = gaussian(6, 3, 21);
  const labels = [0, 0, 1, 1, 2, 2];
  const m = l2Matrix(x);
  scope(() => {
    const dict = asLossDict(new ContrastiveLoss({ reducer: new DoNothingReducer() }).forward(t(x), labels));
    assert.deepEqual(Object.keys(dict), ['pos_loss', 'neg_loss']);
    const [a, p] = dict.pos_loss!.indices as Tensor[];
    const got = Array.from(dict.pos_loss!.losses!.data() as Float64Array);
    const ai = Array.from(a!.data() as BigInt64Array, Number);
    const pi = Array.from(p!.data() as BigInt64Array, Number);
    got.forEach((v, k) => near(v, m[ai[k]!]![pi[k]!]!, 'pos pair loss = d(a, p)'));
    assert.equal((dict.neg_loss!.indices as Tensor[]).length, 2);
    const tr = asLossDict(new TripletMarginLoss({ reducer: new DoNothingReducer() }).forward(t(x), labels));
    assert.equal((tr.loss!.indices as Tensor[]).length, 3);
    const np = asLossDict(new NPairsLoss({ reducer: new DoNothingReducer() }).forward(t(x), labels));
    assert.deepEqual(Array.from((np.loss!.indices as Tensor).data() as BigInt64Array, Number), [0, 2, 4]);
    const sc = asLossDict(new SupConLoss({ reducer: new DoNothingReducer() }).forward(t(x), labels));
    assert.equal((sc.loss!.indices as Tensor).shape[0], 6);
    assert.throws(() => asLossDict(f64([1])), /asLossDict: expected/);
  });
  const { pos, neg } = pairs(labels);
  const want = pos.reduce((s, [i, j]) => s + m[i]![j]!, 0) + neg.reduce((s, [i, j]) => s + Math.max(0, 1 - m[i]![j]!), 0) / neg.length;
  const mr = new MultipleReducers({ reducers: { pos_loss: new SumReducer() } });
  near(value(() => new ContrastiveLoss({ reducer: mr }).forward(t(x), labels)), want, 'pos summed, neg by the default MeanReducer');
  const mr2 = new MultipleReducers({ reducers: {}, defaultReducer: new SumReducer() });
  near(value(() => new ContrastiveLoss({ reducer: mr2 }).forward(t(x), labels)), pos.reduce((s, [i, j]) => s + m[i]![j]!, 0) + neg.reduce((s, [i, j]) => s + Math.max(0, 1 - m[i]![j]!), 0), 'defaultReducer');
});

test('zero-loss and empty cases give a zero that backpropagates', () => {
  for (const r of [new ClassWeightedReducer({ weights: [1, 2, 3, 4] }), new PerAnchorReducer(), new MultipleReducers({ reducers: {} })]) {
    scope(() => {
      const e = t(gaussian(4, 3, 1)).requiresGrad_();
      const loss = r instanceof PerAnchorReducer ? new ContrastiveLoss({ reducer: r }) : new TripletMarginLoss({ reducer: r });
      const v = loss.forward(e, [0, 1, 2, 3]); // no positives: no triplets (pairs: only negatives for PerAnchor)
      if (!(r instanceof PerAnchorReducer)) assert.equal(v.item(), 0);
      v.backward();
      assert.ok(Array.from(e.grad!.data() as Float64Array).every(Number.isFinite));
      const e1 = t([[1, 2, 3]]).requiresGrad_();
      const z = loss.forward(e1, [0]);
      assert.equal(z.item(), 0);
      z.backward();
      assert.deepEqual(Array.from(e1.grad!.data() as Float64Array), [0, 0, 0]);
    });
  }
  // identical embeddings: finite values and gradients
  scope(() => {
    const e = t(Array.from({ length: 5 }, () => [0.3, -0.2, 0.5])).requiresGrad_();
    const v = new ContrastiveLoss({ reducer: new PerAnchorReducer() }).forward(e, [0, 0, 1, 1, 2]).add(new TripletMarginLoss({ reducer: new ClassWeightedReducer({ weights: [1, 1, 1] }) }).forward(e, [0, 0, 1, 1, 2]));
    assert.ok(Number.isFinite(v.item()));
    v.backward();
    assert.ok(Array.from(e.grad!.data() as Float64Array).every(Number.isFinite));
  });
  assert.equal(scope(() => zeroLoss(emb()).item()), 0);
});

test('reducer options and inputs are validated by name', () => {
  assert.throws(() => new ClassWeightedReducer({ weights: [1, Number.NaN] }), /ClassWeightedReducer: weights must be a non-empty array of finite numbers/);
  assert.throws(() => new ClassWeightedReducer({ weights: 'x' as never }), /ClassWeightedReducer: weights must be an array of numbers or a 1-d Tensor/);
  assert.throws(() => new ClassWeightedReducer(undefined as never), /weights is required/);
  const cw = new ClassWeightedReducer({ weights: [1, 2] });
  assert.throws(() => scope(() => cw.reduce({ l: { losses: f64([1]), reductionType: 'element', indices: i64([0]) } }, emb(), i64([5, 0, 0, 0]))), /labels must index the 2 weights/);
  assert.throws(() => scope(() => cw.reduce({ l: { losses: f64([1]), reductionType: 'element' } }, emb(), i64([0, 0, 0, 0]))), /sub-loss 'l' has no indices/);
  assert.throws(() => scope(() => cw.reduce({ l: { losses: f64([1]), reductionType: 'element', indices: i64([0]) } }, emb())), /needs the labels/);
  assert.throws(() => new PerAnchorReducer({ reducer: 3 as never }), /PerAnchorReducer: reducer must be a reducer/);
  assert.throws(() => new PerAnchorReducer({ aggregationFunc: 3 as never }), /PerAnchorReducer: aggregationFunc must be a function/);
  assert.throws(() => new MultipleReducers({ reducers: { pos_loss: 1 as never } }), /MultipleReducers: reducers.pos_loss must be a reducer/);
  assert.throws(() => new MultipleReducers({ reducers: {}, defaultReducer: {} as never }), /MultipleReducers: defaultReducer must be a reducer/);
  assert.throws(() => new MultipleReducers({ reducers: [] as never }), /MultipleReducers: reducers must be an object/);
  assert.throws(() => new PerAnchorReducer({ bogus: 1 } as never), /unknown option 'bogus'/);
});

test('the new reducers leave memory().tensors flat over forward + backward', () => {
  const x = t(gaussian(10, 4, 8), 'float32');
  const labels = [0, 0, 1, 1, 2, 2, 3, 3, 0, 1];
  const losses = [
    new ContrastiveLoss({ reducer: new PerAnchorReducer() }), new TripletMarginLoss({ reducer: new ClassWeightedReducer({ weights: [1, 2, 3, 4] }) }),
    new ContrastiveLoss({ reducer: new MultipleReducers({ reducers: { pos_loss: new SumReducer() } }) }),
  ];
  const step = (): void => scope(() => {
    const w = x.mul(1).requiresGrad_();
    for (const l of losses) l.forward(w, labels).backward();
    new DivisorReducer().reduce({ a: { losses: w.sum(1), reductionType: 'element', divisor: 3 } }, w).backward();
    asLossDict(new ContrastiveLoss({ reducer: new DoNothingReducer() }).forward(w, labels));
  });
  step();
  const before = memory();
  for (let i = 0; i < 3; i++) step();
  assert.deepEqual(memory(), before);
  x.dispose();
});
