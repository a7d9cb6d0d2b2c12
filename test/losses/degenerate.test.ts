import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randn, scope, tensor } from '../../src/index.js';
import {
  BatchHardMiner, ContrastiveLoss, LogisticLoss, MultiSimilarityMiner, NPairsLoss, PairMarginMiner, SupConLoss, TripletMarginLoss,
  TripletMarginMiner,
} from '../../src/losses/index.js';

const empty = (): ReturnType<typeof tensor> => tensor([], { dtype: 'int64' });

test('label-based losses: batches without a valid pair or triplet give 0 with zero gradients', () => {
  const cases: [string, number[]][] = [['one sample', [7]], ['all distinct', [0, 1, 2, 3]], ['all the same', [1, 1, 1, 1]]];
  const losses = [new SupConLoss(), new ContrastiveLoss(), new TripletMarginLoss(), new NPairsLoss(), new LogisticLoss()];
  for (const [what, labels] of cases) for (const loss of losses) {
    scope(() => {
      const e = randn([labels.length, 4], { dtype: 'float64' }).requiresGrad_();
      const l = loss.forward(e, labels);
      const name = `${loss.constructor.name}, ${what}`;
      // Logistic loss has a term for every pair: only a single sample is degenerate for it.
      // Contrastive loss with one kind of pair still has the other kind.
      const degenerate = what === 'one sample'
        || (loss instanceof SupConLoss)
        || (loss instanceof TripletMarginLoss)
        || (loss instanceof NPairsLoss && what === 'all distinct');
      if (degenerate) {
        assert.equal(l.item(), 0, name);
        l.backward();
        assert.ok(e.grad !== null, `${name}: backpropagates`);
        assert.equal(e.grad.abs().sum().item(), 0, `${name}: zero gradient`);
      } else {
        assert.ok(Number.isFinite(l.item()), name);
      }
    });
  }
});

test('empty index tuples (a miner found nothing) give 0 with zero gradients', () => {
  for (const loss of [new SupConLoss(), new ContrastiveLoss(), new TripletMarginLoss(), new NPairsLoss(), new LogisticLoss()]) {
    scope(() => {
      const e = randn([4, 3], { dtype: 'float64' }).requiresGrad_();
      for (const tuple of [[empty(), empty(), empty()], [empty(), empty(), empty(), empty()]] as const) {
        const l = loss.forward(e, [0, 0, 1, 1], tuple);
        assert.equal(l.item(), 0, loss.constructor.name);
        l.backward();
      }
      assert.equal(e.grad!.abs().sum().item(), 0);
    });
  }
});

test('miners on degenerate batches return empty tuples', () => {
  scope(() => {
    const e = randn([3, 4]);
    for (const miner of [new BatchHardMiner(), new TripletMarginMiner(), new MultiSimilarityMiner(), new PairMarginMiner({ posMargin: 10, negMargin: -10 })]) {
      for (const t of miner.mine(e, [0, 1, 2]).slice(0, 2)) assert.equal(t.shape[0], 0, miner.constructor.name);
    }
    // A mined-empty tuple flows into a loss as a zero.
    const l = new TripletMarginLoss({ miner: new TripletMarginMiner({ typeOfTriplets: 'easy', margin: 100 }) }).forward(e.requiresGrad_(), [0, 0, 1]);
    assert.equal(l.item(), 0);
  });
});
