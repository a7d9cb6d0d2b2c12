import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scope, tensor } from '../../src/index.js';
import { AvgNonZeroReducer, MeanReducer, SumReducer, ThresholdReducer, zeroLoss } from '../../src/losses/index.js';

const losses = [0, 0.5, 0, 2, 3.5, 0.25];
const emb = (): ReturnType<typeof tensor> => tensor([[1, 2], [3, 4]], { dtype: 'float64' }).requiresGrad_();
const reduce = (r: { reduce: MeanReducer['reduce'] }, v: number[], kind: 'element' | 'pos_pair' | 'triplet' = 'element'): number =>
  scope(() => r.reduce({ loss: { losses: tensor(v, { dtype: 'float64' }), reductionType: kind } }, emb()).item());

test('MeanReducer, SumReducer, AvgNonZeroReducer and ThresholdReducer reduce as their formulas say', () => {
  for (const kind of ['element', 'pos_pair', 'triplet'] as const) {
    assert.equal(reduce(new MeanReducer(), losses, kind), 6.25 / 6);
    assert.equal(reduce(new SumReducer(), losses, kind), 6.25);
    assert.equal(reduce(new AvgNonZeroReducer(), losses, kind), 6.25 / 4);
    assert.equal(reduce(new ThresholdReducer({ low: 0.3 }), losses, kind), 6 / 3);
    assert.equal(reduce(new ThresholdReducer({ high: 1 }), losses, kind), 0.75 / 4);
    assert.equal(reduce(new ThresholdReducer({ low: 0.3, high: 3 }), losses, kind), 2.5 / 2);
  }
});

test('a threshold no loss passes, an empty or a null loss gives a zero that backpropagates', () => {
  assert.equal(reduce(new AvgNonZeroReducer(), [0, 0, 0]), 0);
  assert.equal(reduce(new ThresholdReducer({ low: 10 }), losses), 0);
  scope(() => {
    const e = emb();
    for (const r of [new MeanReducer(), new SumReducer(), new AvgNonZeroReducer()]) {
      const z = r.reduce({ a: { losses: null, reductionType: 'element' }, b: { losses: tensor([], { dtype: 'float64' }), reductionType: 'triplet' } }, e);
      assert.equal(z.item(), 0);
      z.backward();
    }
    assert.deepEqual(Array.from(e.grad!.data() as Float64Array), [0, 0, 0, 0]);
    assert.equal(zeroLoss(e).requiresGrad, true);
  });
});

test('sub-losses are reduced one by one and summed (PML MultipleReducers)', () => {
  const v = scope(() => new AvgNonZeroReducer().reduce({
    pos_loss: { losses: tensor([0, 1, 3], { dtype: 'float64' }), reductionType: 'pos_pair' },
    neg_loss: { losses: tensor([0.5, 0, 0], { dtype: 'float64' }), reductionType: 'neg_pair' },
  }, emb()).item());
  assert.equal(v, 2 + 0.5);
  const already = scope(() => new MeanReducer().reduce({ loss: { losses: tensor(4.5, { dtype: 'float64' }), reductionType: 'already_reduced' } }, emb()).item());
  assert.equal(already, 4.5);
});

test('ThresholdReducer needs a bound', () => {
  assert.throws(() => new ThresholdReducer({}), /at least one of low and high/);
  assert.throws(() => new ThresholdReducer({ low: Number.NaN }), /low must be a number/);
});
