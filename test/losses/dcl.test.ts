import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DCLLoss, DCLWLoss, negativeMisesFisherWeights } from '../../src/losses/index.js';
import { dclRef, dot, gaussian, normalizeRows } from './reference.js';
import { assertGrad, near, t, value } from './util.js';

test('DCLLoss and DCLWLoss match the naive Yeh et al. formula across batch sizes and temperatures', () => {
  let seed = 800;
  for (const n of [2, 5, 12]) for (const temperature of [0.05, 0.1, 0.5]) {
    const z1 = gaussian(n, 6, seed++);
    const z2 = gaussian(n, 6, seed++);
    near(value(() => new DCLLoss({ temperature }).forward(t(z1), t(z2))), dclRef(z1, z2, temperature), `DCL n=${n} T=${temperature}`);
    for (const sigma of [0.5, 2]) {
      near(value(() => new DCLWLoss({ temperature, sigma }).forward(t(z1), t(z2))), dclRef(z1, z2, temperature, sigma), `DCLW n=${n} T=${temperature} sigma=${sigma}`);
    }
    near(value(() => new DCLLoss({ temperature }).forward(t(z1, 'float32'), t(z2, 'float32'))), dclRef(z1, z2, temperature), `DCL float32 n=${n}`, 2e-5);
  }
});

test('DCL defaults: temperature 0.1; DCLW sigma 0.5', () => {
  assert.equal(new DCLLoss().temperature, 0.1);
  const w = new DCLWLoss();
  assert.deepEqual([w.temperature, w.sigma], [0.1, 0.5]);
});

test('DCLLoss weightFn scales the positive term; negativeMisesFisherWeights matches its formula', () => {
  const z1 = gaussian(4, 3, 1);
  const z2 = gaussian(4, 3, 2);
  const u = normalizeRows(z1);
  const v = normalizeRows(z2);
  const e = u.map((a, i) => Math.exp(dot(a, v[i]!) / 0.5));
  const sum = e.reduce((s, x) => s + x, 0);
  const w = value(() => negativeMisesFisherWeights(t(u), t(v), 0.5).sum());
  near(w, e.reduce((s, x) => s + 2 - (4 * x) / sum, 0), 'weights');
  const viaFn = value(() => new DCLLoss({ weightFn: (a, b) => negativeMisesFisherWeights(a, b, 0.5) }).forward(t(z1), t(z2)));
  near(viaFn, value(() => new DCLWLoss().forward(t(z1), t(z2))), 'weightFn = DCLW');
});

test('DCLLoss and DCLWLoss gradients match finite differences', () => {
  const a = t(gaussian(5, 3, 11));
  const b = t(gaussian(5, 3, 12));
  assertGrad((x, y) => new DCLLoss({ temperature: 0.2 }).forward(x!, y!), [a, b], 'DCL');
  assertGrad((x, y) => new DCLWLoss({ temperature: 0.2 }).forward(x!, y!), [a, b], 'DCLW');
});
