// CPCLoss against a loop written from the paper's eq. 4, with and without lengths; gradients
// by finite differences; and the CPC method's loss is CPCLoss of its encoder and predictors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CPC } from '../../src/methods/index.js';
import { CPCEncoder } from '../../src/nn/index.js';
import { CPCLoss } from '../../src/losses/index.js';
import { manualSeed, memory, randn, scope, tensor, type Tensor } from '../../src/tensor/index.js';
import { dot, gaussian } from './reference.js';
import { assertGrad, near, value } from './util.js';

type Steps = number[][][]; // [n][t][d]

/** N sequences of T steps of D Gaussian features, from `seed`. */
function steps(n: number, t: number, d: number, seed: number): Steps {
  const g = gaussian(n * t, d, seed);
  return Array.from({ length: n }, (_, i) => g.slice(i * t, (i + 1) * t));
}

const f64 = (x: Steps): Tensor => tensor(x, { dtype: 'float64' });

/**
 * Eq. 4 by loops: for each k and each query (n, t) with t + k inside sequence n, the candidates
 * are z_{j, t+k} for every sequence j where that step exists and z_{n, s} for the other steps s
 * of sequence n; the loss is -log softmax of the positive's score p_{n,t} . z_{n,t+k}. The mean
 * over queries, then over k.
 */
function cpcRef(z: Steps, predictions: Steps[], lengths: number[]): number {
  const per = predictions.map((p, i) => {
    const k = i + 1;
    let sum = 0;
    let count = 0;
    for (let n = 0; n < z.length; n++) {
      for (let t = 0; t + k < lengths[n]!; t++) {
        const q = p[n]![t]!;
        const scores = [dot(q, z[n]![t + k]!)]; // the positive first
        for (let j = 0; j < z.length; j++) if (j !== n && t + k < lengths[j]!) scores.push(dot(q, z[j]![t + k]!));
        for (let s = 0; s < lengths[n]!; s++) if (s !== t + k) scores.push(dot(q, z[n]![s]!));
        const top = Math.max(...scores);
        sum += -(scores[0]! - top) + Math.log(scores.reduce((a, v) => a + Math.exp(v - top), 0));
        count++;
      }
    }
    return sum / count;
  });
  return per.reduce((a, b) => a + b, 0) / per.length;
}

test('CPCLoss matches the loop over queries and candidates, full and with lengths', () => {
  let seed = 900;
  for (const [n, t, d, k] of [[1, 4, 3, 1], [3, 5, 4, 2], [4, 7, 3, 3]] as const) {
    const z = steps(n, t, d, seed++);
    const predictions = Array.from({ length: k }, (_, i) => steps(n, t - i - 1, d, seed++));
    const full = Array.from({ length: n }, () => t);
    const loss = new CPCLoss();
    near(value(() => loss.forward(f64(z), predictions.map(f64))), cpcRef(z, predictions, full), `N=${n} T=${t} K=${k}`);
    const lengths = Array.from({ length: n }, (_, i) => t - (i % (t - k)));
    near(value(() => loss.forward(f64(z), predictions.map(f64), tensor(lengths, { dtype: 'int64' }))), cpcRef(z, predictions, lengths), `N=${n} T=${t} K=${k} lengths ${lengths.join(',')}`);
  }
});

test('CPCLoss: what lies past a sequence\'s end changes nothing', () => {
  const z = steps(3, 6, 2, 1);
  const p = [steps(3, 5, 2, 2), steps(3, 4, 2, 3)];
  const lengths = tensor([6, 3, 4], { dtype: 'int64' });
  const a = value(() => new CPCLoss().forward(f64(z), p.map(f64), lengths));
  const junk = (x: Steps, len: number[]): Steps => x.map((r, n) => r.map((v, s) => (s >= len[n]! - 1 ? v.map(() => 1e3) : v)));
  const b = value(() => new CPCLoss().forward(f64(junk(z, [7, 4, 5])), p.map((x) => f64(junk(x, [7, 3, 4]))), lengths));
  near(b, a, 'padding filled with 1e3');
});

test('CPCLoss gradients match finite differences into codes and predictions', () => {
  const lengths = tensor([5, 3, 4], { dtype: 'int64' });
  assertGrad((z, p1, p2) => new CPCLoss().forward(z!, [p1!, p2!], lengths), [f64(steps(3, 5, 3, 4)), f64(steps(3, 4, 3, 5)), f64(steps(3, 3, 3, 6))], 'CPCLoss');
});

test('CPCLoss names bad inputs', () => {
  const z = f64(steps(2, 4, 3, 7));
  assert.throws(() => new CPCLoss().forward(z, []), /CPCLoss: predictions must be a non-empty array/);
  assert.throws(() => new CPCLoss().forward(z, [f64(steps(2, 4, 3, 8))]), /CPCLoss: predictions\[0\] \(k = 1\) must have shape \[2, 3, 3\], got \[2, 4, 3\]/);
  assert.throws(() => new CPCLoss().forward(z, [f64(steps(2, 3, 3, 9))], tensor([4, 4])), /CPCLoss: lengths must be int64 \(2\), got float32/);
  assert.throws(() => new CPCLoss().forward(z.narrow(2, 0, 1).squeeze(2), [z]), /CPCLoss: z must be floating point \(N, T, D\)/);
});

test('the CPC method\'s loss is CPCLoss of its codes and its K = 3 predictors; memory flat', () => {
  manualSeed(3);
  const m = new CPC({ encoder: () => new CPCEncoder({ inputSize: 4, codeSize: 6, hiddenSize: 5 }) });
  m.eval();
  const x = randn([3, 10, 4]);
  const lengths = tensor([10, 7, 9], { dtype: 'int64' });
  const live = memory().tensors;
  scope(() => {
    const loss = m.forward([x, x], null, lengths).item();
    const { z, c, lengths: codeLengths } = (m.backbone as CPCEncoder).encodeSteps(x, lengths);
    const t = z.shape[1]!;
    const p = m.predictors.map((w, i) => w.forward(c.narrow(1, 0, t - i - 1)));
    const list = (a: Tensor): Steps => a.toArray() as Steps;
    near(loss, cpcRef(list(z), p.map(list), Array.from(codeLengths!.data() as BigInt64Array, Number)), 'CPC.forward', 1e-4);
  });
  assert.equal(memory().tensors, live);
  m.dispose();
  x.dispose();
  lengths.dispose();
});
