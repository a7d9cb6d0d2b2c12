import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cat, tensor } from '../../src/index.js';
import { NTXentLoss, SupConLoss } from '../../src/losses/index.js';
import { gaussian, logSumExp, mean, normalizeRows, dot, ntXentRef } from './reference.js';
import { assertGrad, near, t, value } from './util.js';

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
