import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, scope } from '../../src/index.js';
import { InfoNCELoss } from '../../src/losses/index.js';
import { gaussian, infoNceRef, normalizeRows } from './reference.js';
import { assertGrad, near, t, value } from './util.js';

test('InfoNCELoss matches the naive MoCo formula across batch sizes, queue sizes and temperatures', () => {
  let seed = 700;
  for (const n of [1, 4, 9]) for (const k of [0, 1, 16, 64]) for (const temperature of [0.07, 0.2, 1]) {
    const q = gaussian(n, 6, seed++);
    const key = gaussian(n, 6, seed++);
    const queue = normalizeRows(gaussian(k, 6, seed++));
    const loss = new InfoNCELoss({ temperature });
    const expected = infoNceRef(q, key, queue, temperature);
    near(value(() => loss.forward(t(q), t(key), k === 0 ? t([[0, 0, 0, 0, 0, 0]]).narrow(0, 0, 0) : t(queue))), expected, `n=${n} K=${k} T=${temperature}`);
  }
});

test('InfoNCELoss defaults to MoCo temperature 0.07 and uses queue rows as given', () => {
  assert.equal(new InfoNCELoss().temperature, 0.07);
  const q = gaussian(3, 4, 1);
  const k = gaussian(3, 4, 2);
  const raw = gaussian(5, 4, 3);
  const expected = infoNceRef(q, k, raw, 0.07); // not normalised
  near(value(() => new InfoNCELoss().forward(t(q), t(k), t(raw))), expected, 'raw queue');
});

test('InfoNCELoss gradients match finite differences into query and key, none into the queue', () => {
  const queue = t(normalizeRows(gaussian(7, 3, 5)));
  assertGrad((q, k) => new InfoNCELoss({ temperature: 0.3 }).forward(q!, k!, queue), [t(gaussian(4, 3, 6)), t(gaussian(4, 3, 7))], 'query/key');
  scope(() => {
    const qu = F.normalize(t(gaussian(7, 3, 8))).requiresGrad_();
    new InfoNCELoss().forward(t(gaussian(2, 3, 9)).requiresGrad_(), t(gaussian(2, 3, 10)), qu).backward();
    assert.equal(qu.grad, null);
  });
});
