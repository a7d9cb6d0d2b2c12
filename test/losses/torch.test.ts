import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scope, type Tensor } from '../../src/index.js';
import {
  BarlowTwinsLoss, ContrastiveLoss, CosineSimilarity, DCLLoss, DCLWLoss, InfoNCELoss, NegativeCosineSimilarity, NPairsLoss,
  NTXentLoss, SupConLoss, TripletMarginLoss, VICRegLoss,
} from '../../src/losses/index.js';
import { assertClose, runTorch } from '../helpers.js';
import { gaussian, normalizeRows } from './reference.js';
import { TORCH_REFERENCE } from './torch-reference.js';
import { LAYOUTS, t } from './util.js';

interface Case {
  loss: string;
  [k: string]: unknown;
}

/** Our value and gradients for a case, in float64. */
function ours(c: Case): { value: number; grads: (number[][] | null)[] } {
  return scope(() => {
    const inputs: Tensor[] = [];
    let l: Tensor;
    const dist = c.distance === 'cos' ? new CosineSimilarity() : undefined;
    if ('x' in c) {
      const x = t(c.x as number[][]).requiresGrad_();
      inputs.push(x);
      const labels = c.labels as number[];
      const loss = {
        ContrastiveLoss: () => new ContrastiveLoss({ posMargin: c.posMargin as number, negMargin: c.negMargin as number, ...(dist ? { distance: dist } : {}) }),
        SupConLoss: () => new SupConLoss({ temperature: c.temperature as number }),
        TripletMarginLoss: () => new TripletMarginLoss({ margin: c.margin as number, swap: c.swap as boolean, smoothLoss: c.smooth as boolean, ...(dist ? { distance: dist } : {}) }),
        NPairsLoss: () => new NPairsLoss(),
      }[c.loss as 'NPairsLoss']();
      l = loss.forward(x, labels);
    } else {
      const z1 = t(c.z1 as number[][]).requiresGrad_();
      const z2 = t(c.z2 as number[][]).requiresGrad_();
      inputs.push(z1, z2);
      if (c.loss === 'InfoNCELoss') {
        l = new InfoNCELoss({ temperature: c.temperature as number }).forward(z1, z2, t(c.queue as number[][]));
      } else {
        const loss = {
          NTXentLoss: () => new NTXentLoss({ temperature: c.temperature as number }),
          DCLLoss: () => new DCLLoss({ temperature: c.temperature as number }),
          DCLWLoss: () => new DCLWLoss({ temperature: c.temperature as number, sigma: c.sigma as number }),
          BarlowTwinsLoss: () => new BarlowTwinsLoss({ lambdaParam: c.lambdaParam as number }),
          VICRegLoss: () => new VICRegLoss(),
          NegativeCosineSimilarity: () => new NegativeCosineSimilarity(),
        }[c.loss as 'VICRegLoss']();
        l = loss.forward(z1, z2);
      }
    }
    l.backward();
    return { value: l.item(), grads: inputs.map((x) => (x.grad ? (x.grad.toArray() as number[][]) : null)) };
  });
}

function cases(): Case[] {
  const out: Case[] = [];
  let seed = 5000;
  for (const n of [6, 11]) for (const [, layout] of Object.entries(LAYOUTS)) {
    const x = gaussian(n, 5, seed++);
    const labels = layout(n);
    out.push({ loss: 'ContrastiveLoss', x, labels, posMargin: 0.1, negMargin: 1.1, distance: 'l2' });
    out.push({ loss: 'ContrastiveLoss', x, labels, posMargin: 0.8, negMargin: 0.1, distance: 'cos' });
    out.push({ loss: 'SupConLoss', x, labels, temperature: 0.1 });
    out.push({ loss: 'SupConLoss', x, labels, temperature: 0.5 });
    out.push({ loss: 'TripletMarginLoss', x, labels, margin: 0.2, swap: false, smooth: false, distance: 'l2' });
    out.push({ loss: 'TripletMarginLoss', x, labels, margin: 0.1, swap: true, smooth: true, distance: 'cos' });
    out.push({ loss: 'NPairsLoss', x, labels });
  }
  out.push({ loss: 'SupConLoss', x: gaussian(4, 3, 1), labels: [0, 1, 2, 3], temperature: 0.1 }); // no positives
  out.push({ loss: 'TripletMarginLoss', x: gaussian(3, 3, 2), labels: [0, 0, 0], margin: 0.1, swap: false, smooth: false, distance: 'l2' });
  for (const n of [3, 8]) {
    const z1 = gaussian(n, 6, seed++);
    const z2 = gaussian(n, 6, seed++);
    for (const temperature of [0.1, 0.5]) {
      out.push({ loss: 'NTXentLoss', z1, z2, temperature });
      out.push({ loss: 'DCLLoss', z1, z2, temperature });
      out.push({ loss: 'DCLWLoss', z1, z2, temperature, sigma: 0.5 });
      out.push({ loss: 'InfoNCELoss', z1, z2, temperature, queue: normalizeRows(gaussian(10, 6, seed++)) });
    }
    out.push({ loss: 'BarlowTwinsLoss', z1, z2, lambdaParam: 5e-3 });
    out.push({ loss: 'VICRegLoss', z1: z1.map((r) => r.map((v) => v * 0.5)), z2 });
    out.push({ loss: 'NegativeCosineSimilarity', z1, z2 });
  }
  return out;
}

test('values and gradients match PyTorch transcriptions of the PML and lightly algorithms', () => {
  const cs = cases();
  const ref = runTorch<{ value: number; grads: (number[][] | null)[] }[]>(TORCH_REFERENCE, cs);
  assert.equal(ref.length, cs.length);
  cs.forEach((c, i) => {
    const got = ours(c);
    const want = ref[i]!;
    const what = `${c.loss} case ${i}`;
    assertClose([got.value], [want.value], { atol: 1e-9, rtol: 1e-9, message: `${what} value` });
    want.grads.forEach((g, k) => {
      if (g === null) assert.equal(got.grads[k], null, `${what} grad ${k}`);
      else assertClose(got.grads[k]!, g, { atol: 1e-9, rtol: 1e-7, message: `${what} grad ${k}` });
    });
  });
});
