import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cat, ones, randn, scope, tensor } from '../../src/index.js';
import { ArcFaceLoss, BatchAllMiner, LpDistance, NTXentLoss, PairMarginMiner, SupConLoss, TripletMarginLoss } from '../../src/losses/index.js';
import { SelfSupervisedLoss } from '../../src/losses/self-supervised-loss.js';
import { dot, gaussian, logSumExp, mean, normalizeRows, ntXentLabelsRef, ntXentRef, tripletRef } from './reference.js';
import { assertGrad, LAYOUTS, near, t, value } from './util.js';

test('NTXentLoss matches the naive SimCLR formula across batch sizes and temperatures', () => {
  let seed = 600;
  for (const n of [1, 2, 5, 16]) for (const temperature of [0.05, 0.1, 0.5, 1]) {
    const z1 = gaussian(n, 8, seed++);
    const z2 = gaussian(n, 8, seed++);
    const loss = new NTXentLoss({ temperature });
    near(value(() => loss.forward(t(z1), t(z2))), ntXentRef(z1, z2, temperature), `n=${n} T=${temperature}`);
    near(value(() => loss.forward(t(z1, 'float32'), t(z2, 'float32'))), ntXentRef(z1, z2, temperature), `float32 n=${n} T=${temperature}`, 2e-5);
  }
});

test('NTXentLoss defaults to temperature 0.5 (lightly)', () => {
  assert.equal(new NTXentLoss().temperature, 0.5);
});

test('NTXentLoss equals the label form (PML NTXentLoss on labels [0..N-1, 0..N-1]), computed pair by pair', () => {
  // PML's label form: for every positive pair (i, j), -log(e^{s_ij/T} / (e^{s_ij/T} + sum_{negatives k of i} e^{s_ik/T})),
  // averaged over positive pairs. With two views per label it is SimCLR's loss.
  const n = 6;
  const temperature = 0.2;
  const z1 = gaussian(n, 4, 61);
  const z2 = gaussian(n, 4, 62);
  const z = normalizeRows([...z1, ...z2]);
  const labels = [...Array(n).keys(), ...Array(n).keys()];
  const losses: number[] = [];
  for (let i = 0; i < 2 * n; i++) for (let j = 0; j < 2 * n; j++) {
    if (i === j || labels[i] !== labels[j]) continue;
    const pos = dot(z[i]!, z[j]!) / temperature;
    const negs = z.flatMap((zk, k) => (labels[k] === labels[i] ? [] : [dot(z[i]!, zk) / temperature]));
    losses.push(logSumExp([pos, ...negs]) - pos);
  }
  near(value(() => new NTXentLoss({ temperature }).forward(t(z1), t(z2))), mean(losses), 'label form');
});

test('NTXentLoss is SupCon with two views per label (one positive each)', () => {
  const z1 = gaussian(5, 4, 70);
  const z2 = gaussian(5, 4, 71);
  const labels = tensor([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  const sup = value(() => new SupConLoss({ temperature: 0.3 }).forward(cat([t(z1), t(z2)]), labels));
  near(value(() => new NTXentLoss({ temperature: 0.3 }).forward(t(z1), t(z2))), sup, 'SupCon');
});

test('NTXentLoss gradients match finite differences, into both views', () => {
  for (const temperature of [0.1, 0.5]) {
    const loss = new NTXentLoss({ temperature });
    assertGrad((a, b) => loss.forward(a!, b!), [t(gaussian(5, 4, 80)), t(gaussian(5, 4, 81))], `T=${temperature}`);
  }
});

test('NTXentLoss does not depend on the scale of the embeddings (it normalises)', () => {
  const z1 = gaussian(4, 3, 90);
  const z2 = gaussian(4, 3, 91);
  const a = value(() => new NTXentLoss().forward(t(z1), t(z2)));
  const b = value(() => new NTXentLoss().forward(t(z1).mul(7), t(z2).mul(0.01)));
  near(a, b, 'scale');
});

test('NTXentLoss with labels matches PML: every same-label pair a positive, other positives out of the denominator', () => {
  let seed = 700;
  for (const n of [1, 2, 5, 16]) for (const [name, layout] of Object.entries(LAYOUTS)) for (const temperature of [0.07, 0.5]) {
    const x = gaussian(n, 5, seed++);
    const labels = layout(n);
    const loss = new NTXentLoss({ temperature });
    near(value(() => loss.forward(t(x), labels)), ntXentLabelsRef(x, labels, temperature), `n=${n} ${name} T=${temperature}`);
    near(value(() => loss.forward(t(x, 'float32'), tensor(labels))), ntXentLabelsRef(x, labels, temperature), `float32 n=${n} ${name}`, 2e-5);
  }
});

test('NTXentLoss with labels [0..N-1, 0..N-1] equals the two-view call', () => {
  const z1 = gaussian(6, 4, 720);
  const z2 = gaussian(6, 4, 721);
  const ids = [...Array(6).keys()];
  const loss = new NTXentLoss({ temperature: 0.2 });
  near(value(() => loss.forward(cat([t(z1), t(z2)]), [...ids, ...ids])), value(() => loss.forward(t(z1), t(z2))), 'labels vs views');
});

test('NTXentLoss with labels: no positives, or only one label, gives 0 with zero gradients; identical embeddings stay finite', () => {
  const loss = new NTXentLoss({ temperature: 0.1 });
  for (const labels of [[0, 1, 2, 3], [4, 4, 4, 4], [9]]) {
    scope(() => {
      const e = randn([labels.length, 3], { dtype: 'float64' }).requiresGrad_();
      const l = loss.forward(e, labels);
      assert.equal(l.item(), 0, `labels ${labels}`);
      l.backward();
      assert.equal(e.grad!.abs().sum().item(), 0, `labels ${labels}: zero gradient`);
    });
  }
  scope(() => {
    const e = ones([6, 3], { dtype: 'float64' }).requiresGrad_();
    const l = loss.forward(e, [0, 0, 1, 1, 2, 2]);
    l.backward();
    assert.ok(Number.isFinite(l.item()) && Number.isFinite(e.grad!.abs().sum().item()), 'identical rows');
    near(l.item(), Math.log(5), 'identical rows: log(1 + 4 negatives)');
  });
});

test('NTXentLoss with labels: gradients match finite differences, with a miner and with LpDistance', () => {
  const x = t(gaussian(7, 4, 730));
  const labels = [0, 0, 1, 1, 1, 2, 3];
  assertGrad((e) => new NTXentLoss({ temperature: 0.3 }).forward(e!, labels), [x], 'cosine');
  assertGrad((e) => new NTXentLoss({ distance: new LpDistance(), miner: new PairMarginMiner({ posMargin: 0.2, negMargin: 1.5 }) }).forward(e!, labels), [x], 'LpDistance with a miner');
});

test('NTXentLoss: a two-view call with an index tuple, or labels of the wrong length, is an error naming the problem', () => {
  const loss = new NTXentLoss();
  assert.throws(() => scope(() => loss.forward(t(gaussian(3, 2, 1)), t(gaussian(3, 2, 2)), [tensor([0], { dtype: 'int64' }), tensor([1], { dtype: 'int64' }), tensor([2], { dtype: 'int64' })])), /two-view call .* takes no indicesTuple/);
  assert.throws(() => scope(() => loss.forward(t(gaussian(3, 2, 1)), [0, 1])), /NTXentLoss: got 2 labels for 3 embeddings/);
});

test('SelfSupervisedLoss: symmetric wraps a labelled loss into the two-view one; not symmetric compares embeddings with refEmb only', () => {
  const z1 = gaussian(5, 4, 740);
  const z2 = gaussian(5, 4, 741);
  const ntxent = new NTXentLoss({ temperature: 0.2 });
  near(value(() => new SelfSupervisedLoss(ntxent).forward(t(z1), t(z2))), value(() => ntxent.forward(t(z1), t(z2))), 'symmetric = SimCLR');
  const rows = [...z1, ...z2];
  const ids = [...Array(5).keys(), ...Array(5).keys()];
  const expected = ntXentLabelsRef(rows, ids, 0.2, (i) => i < 5, (j) => j >= 5);
  near(value(() => new SelfSupervisedLoss(ntxent, { symmetric: false }).forward(t(z1), t(z2))), expected, 'anchors -> refs');
  const sup = new SupConLoss({ temperature: 0.2 });
  near(value(() => new SelfSupervisedLoss(sup).forward(t(z1), t(z2))), value(() => sup.forward(cat([t(z1), t(z2)]), ids)), 'SupCon symmetric');
  // A miner's tuples are kept only where the anchor is an embeddings row and the others refEmb rows.
  const mined = new TripletMarginLoss({ margin: 0.5, miner: new BatchAllMiner() });
  const tripletsToRefs = value(() => new SelfSupervisedLoss(mined, { symmetric: false }).forward(t(z1), t(z2)));
  near(tripletsToRefs, tripletRef(rows, ids, { margin: 0.5, keep: (a, p, n) => a < 5 && p >= 5 && n >= 5 }), 'mined triplets anchors -> refs');
  assertGrad((a, b) => new SelfSupervisedLoss(ntxent, { symmetric: false }).forward(a!, b!), [t(z1), t(z2)], 'gradients');
  assert.throws(() => new SelfSupervisedLoss(new NTXentLoss(), { symmetric: 1 as unknown as boolean }), /SelfSupervisedLoss: symmetric must be a boolean, got 1/);
  assert.throws(() => new SelfSupervisedLoss({} as NTXentLoss), /SelfSupervisedLoss: loss must be a label-based loss/);
  assert.throws(() => new SelfSupervisedLoss(new ArcFaceLoss({ numClasses: 3, embeddingSize: 4 })), /SelfSupervisedLoss: ArcFaceLoss does not compare the pairs an index tuple names/);
});
