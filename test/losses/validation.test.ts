import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randn, scope, Tensor, tensor } from '../../src/index.js';
import {
  BarlowTwinsLoss, BatchHardMiner, ContrastiveLoss, DCLLoss, DCLWLoss, InfoNCELoss, LogisticLoss, NegativeCosineSimilarity,
  NPairsLoss, NTXentLoss, SupConLoss, TripletMarginLoss, VICRegLoss,
} from '../../src/losses/index.js';

const labelLosses = () => [new SupConLoss(), new ContrastiveLoss(), new TripletMarginLoss(), new NPairsLoss(), new LogisticLoss()];
const twoViewLosses = () => [new NTXentLoss(), new DCLLoss(), new DCLWLoss(), new BarlowTwinsLoss(), new VICRegLoss()];

test('temperature <= 0, NaN or infinite is rejected when the loss is built', () => {
  for (const temperature of [0, -0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => new NTXentLoss({ temperature }), /NTXentLoss: temperature must be a finite number > 0/);
    assert.throws(() => new InfoNCELoss({ temperature }), /InfoNCELoss: temperature must be a finite number > 0/);
    assert.throws(() => new SupConLoss({ temperature }), /SupConLoss: temperature must be a finite number > 0/);
    assert.throws(() => new DCLLoss({ temperature }), /DCLLoss: temperature must be a finite number > 0/);
    assert.throws(() => new DCLWLoss({ temperature }), /DCLWLoss: temperature must be a finite number > 0/);
    assert.throws(() => new LogisticLoss({ temperature }), /LogisticLoss: temperature must be a finite number > 0/);
  }
  assert.throws(() => new DCLWLoss({ sigma: 0 }), /sigma must be a finite number > 0/);
  assert.throws(() => new TripletMarginLoss({ margin: Number.NaN }), /margin must be a finite number/);
  assert.throws(() => new ContrastiveLoss({ posMargin: '0' as never }), /posMargin must be a finite number/);
  assert.throws(() => new TripletMarginLoss({ swap: 1 as never }), /swap must be a boolean/);
  assert.throws(() => new NTXentLoss({ temprature: 0.1 } as never), /unknown option 'temprature'/);
  assert.throws(() => new SupConLoss({ reducer: {} as never }), /reducer must be a reducer/);
  assert.throws(() => new SupConLoss({ miner: 3 as never }), /miner must be a miner/);
  assert.throws(() => new SupConLoss({ distance: {} as never }), /distance must be a distance/);
});

test('label-based losses reject bad embeddings and labels with clear errors', () => {
  scope(() => {
    const e = randn([4, 3]);
    for (const loss of labelLosses()) {
      const name = loss.constructor.name;
      assert.throws(() => loss.forward(e, [0, 0, 1]), new RegExp(`${name}: got 3 labels for 4 embeddings`));
      assert.throws(() => loss.forward(e, tensor([[0, 0], [1, 1]])), new RegExp(`${name}: labels must be 1-d`));
      assert.throws(() => loss.forward(e, 'abc' as never), new RegExp(`${name}: labels must be a 1-d Tensor or an array`));
      assert.throws(() => loss.forward(randn([4]), [0, 0, 1, 1]), new RegExp(`${name}: embeddings must be 2-d`));
      assert.throws(() => loss.forward(tensor([[1n, 2n], [3n, 4n]]), [0, 1]), new RegExp(`${name}: embeddings must be floating point, got int64`));
      assert.throws(() => loss.forward([[1, 2]] as never, [0]), new RegExp(`${name}: embeddings must be a Tensor`));
      assert.throws(() => loss.forward(e, [0, 0, 1, Number.NaN]), /labels must be a 1-d Tensor or an array of numbers/);
    }
  });
});

test('label-based losses reject malformed index tuples', () => {
  scope(() => {
    const e = randn([4, 3]);
    const y = [0, 0, 1, 1];
    const i = (v: number[]): ReturnType<typeof tensor> => tensor(v, { dtype: 'int64' });
    for (const loss of labelLosses()) {
      assert.throws(() => loss.forward(e, y, [i([0])] as never), /indicesTuple must be \[a, p, n\] \(triplets\) or \[a1, p, a2, n\] \(pairs\)/);
      assert.throws(() => loss.forward(e, y, [i([0]), i([1]), i([2, 3])]), /mismatched lengths \(1, 1, 2\)/);
      assert.throws(() => loss.forward(e, y, [i([0]), i([1]), i([7])]), /indicesTuple n holds indices outside \[0, 3\]/);
      assert.throws(() => loss.forward(e, y, [i([0]), tensor([1.5]), i([2])]), /indicesTuple p must be int64, got float32/);
      assert.throws(() => loss.forward(e, y, [i([0]), i([1]), i([2]), [3] as never]), /indicesTuple n must be a Tensor/);
    }
  });
});

test('two-view losses reject mismatched views, labels in place of a view and too-small batches', () => {
  scope(() => {
    for (const loss of twoViewLosses()) {
      const name = loss.constructor.name;
      assert.throws(() => loss.forward(randn([4, 3]), randn([4, 2])), new RegExp(`${name}: z1 \\[4, 3\\] and z2 \\[4, 2\\] must have the same shape`));
      assert.throws(() => loss.forward(randn([4, 3]), randn([5, 3])), /must have the same shape/);
      // NTXentLoss also takes labels (PML's call), the others do not.
      if (!(loss instanceof NTXentLoss)) assert.throws(() => loss.forward(randn([4, 3]), tensor([0, 1, 2, 3])), new RegExp(`${name} is a two-view loss: forward\\(z1, z2\\) takes two \\(N, D\\) views, got a 1-d z2`));
      assert.throws(() => loss.forward(randn([0, 2]), randn([0, 2])), /needs at least/);
    }
    assert.throws(() => new VICRegLoss().forward(randn([1, 3]), randn([1, 3])), /VICRegLoss: z1 needs at least 2 rows/);
    assert.throws(() => new DCLLoss().forward(randn([1, 3]), randn([1, 3])), /DCLLoss: z1 needs at least 2 rows/);
    const q = randn([4, 3]);
    assert.throws(() => new InfoNCELoss().forward(q, randn([5, 3]), randn([8, 3])), /InfoNCELoss: query \[4, 3\] and key \[5, 3\] must have the same shape/);
    assert.throws(() => new InfoNCELoss().forward(q, randn([4, 3]), randn([8, 2])), /InfoNCELoss: queue has 2 features, query has 3/);
    assert.throws(() => new NegativeCosineSimilarity().forward(randn([2, 3]), randn([3, 2])), /NegativeCosineSimilarity: x0 \[2, 3\] and x1 \[3, 2\] must have the same shape/);
    assert.throws(() => new NegativeCosineSimilarity({ dim: 2 }).forward(randn([2, 3]), randn([2, 3])), /dim 2 out of range/);
  });
});

test('miners reject bad input', () => {
  scope(() => {
    assert.throws(() => new BatchHardMiner().mine(randn([4, 3]), [0, 1]), /BatchHardMiner: got 2 labels for 4 embeddings/);
    assert.throws(() => new BatchHardMiner().mine(tensor([[1n, 1n]]), [0]), /BatchHardMiner: embeddings must be floating point, got int64/);
  });
});

/** `randn([n, d])` with a NaN (or infinity) at [0, 0]. */
function poisoned(n: number, d: number, value = Number.NaN): Tensor {
  const x = randn([n, d]);
  x.select(0, 0).select(0, 0).fill_(value);
  return x;
}

test('a NaN or infinite input gives a NaN loss, as in PyTorch: losses do not check values', () => {
  scope(() => {
    const y = [0, 0, 1, 1];
    for (const loss of labelLosses()) {
      assert.ok(Number.isNaN(loss.forward(poisoned(4, 3), y).item()), `${loss.constructor.name} of a NaN embedding`);
      assert.ok(Number.isNaN(loss.forward(poisoned(4, 3, Number.POSITIVE_INFINITY), y).item()), `${loss.constructor.name} of an infinite embedding`);
    }
    for (const loss of twoViewLosses()) {
      assert.ok(Number.isNaN(loss.forward(poisoned(4, 3), randn([4, 3])).item()), `${loss.constructor.name} of a NaN z1`);
      assert.ok(Number.isNaN(loss.forward(randn([4, 3]), poisoned(4, 3)).item()), `${loss.constructor.name} of a NaN z2`);
    }
    assert.ok(Number.isNaN(new InfoNCELoss().forward(randn([4, 3]), randn([4, 3]), poisoned(8, 3)).item()), 'InfoNCELoss of a NaN queue');
    assert.ok(Number.isNaN(new NegativeCosineSimilarity().forward(randn([2, 3]), poisoned(2, 3)).item()), 'NegativeCosineSimilarity of a NaN x1');
    // A NaN label is not checked either: it matches no label (NaN != NaN), as in PyTorch.
    assert.ok(Number.isFinite(new SupConLoss().forward(randn([4, 3]), tensor([0, 0, 1, Number.NaN])).item()), 'SupConLoss with a NaN label');
    // A miner of NaN embeddings returns index tuples as usual (which ones is unspecified).
    const [a, p, n] = new BatchHardMiner().mine(poisoned(4, 3), y);
    assert.deepEqual([a.dtype, p.dtype, n.dtype], ['int64', 'int64', 'int64']);
  });
});

test('no loss reads a value back from the device (no host sync per call)', () => {
  // NPairsLoss is left out: picking one pair per label reads the anchors' labels, as PML's does.
  const spied = ['item', 'data', 'toArray'] as const;
  const original = spied.map((m) => Tensor.prototype[m]);
  const reads: string[] = [];
  spied.forEach((m, i) => {
    (Tensor.prototype as unknown as Record<string, unknown>)[m] = function (this: Tensor, ...args: unknown[]) {
      reads.push(m);
      return (original[i] as (...a: unknown[]) => unknown).apply(this, args);
    };
  });
  try {
    scope(() => {
      const losses: [string, () => Tensor][] = [
        ...labelLosses().filter((l) => !(l instanceof NPairsLoss)).map((l) => [l.constructor.name, () => l.forward(randn([6, 3]), [0, 0, 1, 1, 2, 2])] as [string, () => Tensor]),
        ...twoViewLosses().map((l) => [l.constructor.name, () => l.forward(randn([6, 3]), randn([6, 3]))] as [string, () => Tensor]),
        ['InfoNCELoss', () => new InfoNCELoss().forward(randn([6, 3]), randn([6, 3]), randn([8, 3]))],
        ['NegativeCosineSimilarity', () => new NegativeCosineSimilarity().forward(randn([6, 3]), randn([6, 3]))],
      ];
      for (const [name, forward] of losses) {
        reads.length = 0;
        forward();
        assert.deepEqual(reads, [], `${name} read values back: ${reads.join(', ')}`);
      }
    });
  } finally {
    spied.forEach((m, i) => ((Tensor.prototype as unknown as Record<string, unknown>)[m] = original[i]));
  }
});
