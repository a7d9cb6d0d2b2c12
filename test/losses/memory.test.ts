import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, randn, scope, tensor } from '../../src/index.js';
import {
  BarlowTwinsLoss, BatchHardMiner, ContrastiveLoss, DCLLoss, DCLWLoss, InfoNCELoss, LogisticLoss, MultiSimilarityMiner,
  NegativeCosineSimilarity, NPairsLoss, NTXentLoss, SupConLoss, TripletMarginLoss, VICRegLoss,
} from '../../src/losses/index.js';

const STEPS = 5;

test('label-based losses: forward + backward in a scope leaves memory().tensors flat over steps', () => {
  const w = randn([6, 8]).requiresGrad_(); // a parameter, outside scopes
  const labels = tensor([0, 0, 1, 1, 2, 2, 3, 3, 0, 1, 2, 3]);
  const logistic = new LogisticLoss({ learnable: true });
  const losses = [
    new SupConLoss(), new ContrastiveLoss(), new TripletMarginLoss(), new NPairsLoss(), logistic,
    new TripletMarginLoss({ miner: new BatchHardMiner() }), new ContrastiveLoss({ miner: new MultiSimilarityMiner() }),
  ];
  scope(() => losses.forEach((l) => l.forward(randn([12, 6]).mm(w), labels).backward())); // warm-up: grads exist
  const before = memory();
  for (let step = 0; step < STEPS; step++) {
    for (const loss of losses) {
      scope(() => {
        const x = randn([12, 6]);
        const l = loss.forward(x.mm(w), labels);
        l.backward();
        w.grad!.zero_();
      });
    }
  }
  assert.deepEqual(memory(), before);
  logistic.dispose();
  w.dispose();
  labels.dispose();
});

test('two-view losses: forward + backward in a scope leaves memory().tensors flat over steps', () => {
  const w = randn([6, 8]).requiresGrad_();
  const queue = randn([32, 8]);
  const losses = [new NTXentLoss(), new DCLLoss(), new DCLWLoss(), new BarlowTwinsLoss(), new VICRegLoss(), new NegativeCosineSimilarity()];
  const step = (): void => {
    for (const loss of losses) {
      scope(() => {
        const l = loss.forward(randn([10, 6]).mm(w), randn([10, 6]).mm(w));
        l.backward();
      });
    }
    scope(() => new InfoNCELoss().forward(randn([10, 6]).mm(w), randn([10, 6]).mm(w), queue).backward());
  };
  step();
  const before = memory();
  for (let i = 0; i < STEPS; i++) step();
  assert.deepEqual(memory(), before);
  w.dispose();
  queue.dispose();
});
