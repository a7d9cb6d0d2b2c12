// Memory banks and what methods do with them: the FIFO bank's wrap-around, NNCLR's nearest
// neighbour in its support set, and the order in which MoCo enqueues its keys.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryBank, MoCo, NNCLR } from '../../src/methods/index.js';
import { createEncoder, type Encoder } from '../../src/nn/index.js';
import { cat, F, manualSeed, memory, noGrad, randn, scope, tensor } from '../../src/tensor/index.js';
import { assertClose } from '../helpers.js';

const encoder = (): Encoder => createEncoder('mlp', { inputDim: 6, hiddenDims: [8] });

/** Rows of a 2-d tensor as arrays. */
const rows = (t: { toArray(): unknown }): number[][] => t.toArray() as number[][];

describe('MemoryBank', () => {
  test('a FIFO over the oldest rows: wraps around the end, keeps the last `size` of a long batch, stores unit rows', () => {
    const bank = new MemoryBank(5, 2);
    const before = memory().tensors;
    const unit = (x: number, y: number): number[] => [x / Math.hypot(x, y), y / Math.hypot(x, y)];
    scope(() => bank.enqueue(tensor([[1, 0], [0, 2], [3, 4]], { dtype: 'float32' })));
    assert.equal(bank.position.item(), 3);
    scope(() => assertClose(rows(bank.bank).slice(0, 3), [unit(1, 0), unit(0, 2), unit(3, 4)]));
    // Four more rows: two fill positions 3, 4, two wrap to 0, 1.
    scope(() => bank.enqueue(tensor([[1, 1], [2, 1], [1, 2], [5, 0]], { dtype: 'float32' })));
    assert.equal(bank.position.item(), 2);
    scope(() => assertClose(rows(bank.bank), [unit(1, 2), unit(5, 0), unit(3, 4), unit(1, 1), unit(2, 1)]));
    // More rows than the bank holds: only the last five are kept, written from the position on.
    scope(() => bank.enqueue(tensor([[1, 0], [1, 1], [1, 2], [1, 3], [1, 4], [1, 5], [1, 6]], { dtype: 'float32' })));
    assert.equal(bank.position.item(), (2 + 5) % 5);
    scope(() => assertClose(rows(bank.bank), [unit(1, 5), unit(1, 6), unit(1, 2), unit(1, 3), unit(1, 4)]));
    assert.equal(memory().tensors, before, 'enqueue creates nothing that lives on');
    assert.throws(() => scope(() => bank.enqueue(tensor([[1, 2, 3]], { dtype: 'float32' }))), /MemoryBank.enqueue: expected \(N, 2\), got \[1, 3\]/);
    bank.dispose();
  });
});

describe('NNCLR', () => {
  test('the positive is the support-set row of highest cosine similarity, whatever the query\'s norm', () => {
    manualSeed(3);
    const m = new NNCLR({ encoder, queueSize: 50, outputDim: 4, hiddenDim: 8 });
    const [q, z, picked] = scope(() => {
      const support = F.normalize(randn([50, 4]));
      noGrad(() => m.supportSet.bank.copy_(support));
      const queries = randn([7, 4]).mul(3); // not unit: the lookup normalises
      return [rows(support), rows(queries), rows(m.nearestNeighbour(queries))];
    });
    for (let i = 0; i < z.length; i++) {
      const cos = q.map((row) => row.reduce((a, v, j) => a + v * z[i]![j]!, 0) / Math.hypot(...z[i]!));
      const best = cos.indexOf(Math.max(...cos));
      assertClose(picked[i]!, q[best]!, { message: `query ${i}` });
    }
    m.dispose();
  });
});

describe('MoCo', () => {
  test('after the step, both views\' keys (view 1, then view 2) are enqueued at the queue\'s position, from the key encoder', () => {
    manualSeed(4);
    const m = new MoCo({ encoder, queueSize: 20, outputDim: 4, hiddenDim: 8, tau: 0.5 });
    const b = 3;
    const [x1, x2] = [randn([b, 6]), randn([b, 6])];
    // The keys as the key encoder makes them in training mode (BatchNorm on the batch), normalised as the bank stores them.
    const keys = scope(() => noGrad(() => rows(F.normalize(m.targetProjectionHead.forward(m.targetBackbone.forward(cat([x1, x2])))))));
    scope(() => noGrad(() => m.queue.position.fill_(17))); // wraps: rows 17, 18, 19, then 0, 1, 2
    scope(() => {
      m.forward([x1, x2], null);
      assert.equal(m.queue.position.item(), 17, 'nothing is enqueued before the step (the loss reads the queue)');
    });
    m.afterStep();
    assert.equal(m.queue.position.item(), 3);
    scope(() => {
      const q = rows(m.queue.bank);
      assertClose([q[17]!, q[18]!, q[19]!, q[0]!, q[1]!, q[2]!], keys, { atol: 1e-5 });
    });
    for (const t of [x1, x2]) t.dispose();
    m.dispose();
  });
});
