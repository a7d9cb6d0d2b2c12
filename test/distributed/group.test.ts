// The pieces of data parallelism one process can check: torchrun's environment, the sharded
// sampler, and the process group's errors (named, never a crash or a hang).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RandomBatches, ShardedBatches } from '../../src/data/index.js';
import { Distributed, distributedFromEnv, freePort } from '../../src/distributed/index.js';
import { c10dBackends, memory, scope, Store, tensor, zeros } from '../../src/tensor/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const skip = c10dBackends().includes('gloo') ? false : 'no c10d in this build';

test("distributedFromEnv reads torchrun's variables; one process is null", () => {
  assert.equal(distributedFromEnv({}), null);
  assert.equal(distributedFromEnv({ WORLD_SIZE: '1', RANK: '0' }), null);
  assert.deepEqual(distributedFromEnv({ WORLD_SIZE: '4', RANK: '3', LOCAL_RANK: '1', MASTER_ADDR: 'node0', MASTER_PORT: '1234' }),
    { rank: 3, worldSize: 4, localRank: 1, localWorldSize: 1, masterAddr: 'node0', masterPort: 1234 });
  assert.throws(() => distributedFromEnv({ WORLD_SIZE: '2' }), /WORLD_SIZE is 2 but RANK is not set/);
  assert.throws(() => distributedFromEnv({ WORLD_SIZE: '2', RANK: 'x' }), /RANK must be a non-negative integer, got 'x'/);
});

test('ShardedBatches: the ranks share each global batch exactly, reshuffled per epoch', () => {
  const global = new RandomBatches({ n: 50, batchSize: 12, seed: 3, dropLast: true });
  const shards = [0, 1, 2].map((rank) => new ShardedBatches(global, { rank, worldSize: 3 }));
  for (const epoch of [0, 1]) {
    const whole = global.batches(epoch);
    const parts = shards.map((s) => s.batches(epoch));
    whole.forEach((b, i) => assert.deepEqual([...parts[0]![i]!, ...parts[1]![i]!, ...parts[2]![i]!], [...b]));
  }
  assert.notDeepEqual([...shards[0]!.batches(0)[0]!], [...shards[0]!.batches(1)[0]!]);
  assert.throws(() => new ShardedBatches(global, { rank: 3, worldSize: 3 }), /rank must be an integer in \[0, 3\), got 3/);
  assert.throws(() => new ShardedBatches(new RandomBatches({ n: 10, batchSize: 5 }), { rank: 0, worldSize: 2 }).batches(0), /5 items, which 2 ranks cannot share equally/);
});

test('a process group of one: collectives, and errors that name the op, the tensor and the rank', { skip }, async () => {
  assert.throws(() => new Distributed({ rank: 2, worldSize: 2 }), /rank must be an integer in \[0, 2\), got 2/);
  assert.throws(() => new Distributed({ rank: 0, worldSize: 1, backend: 'mpi' as 'gloo' }), /backend must be 'gloo' or 'nccl', got 'mpi'/);
  const dist = new Distributed({ rank: 0, worldSize: 1, masterPort: await freePort(), timeoutSeconds: 5 });
  const before = memory().tensors;
  scope(() => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const g = dist.gather(x);
    assert.deepEqual(g.toArray(), [[1, 2], [3, 4]]);
    g.mul(tensor([[1, 2], [3, 4]])).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [[1, 2], [3, 4]]);
    assert.deepEqual(dist.allReduceMean_(tensor([2, 4])).toArray(), [2, 4]);
    assert.deepEqual(dist.group.reduceScatter(tensor([1, 2])).toArray(), [1, 2]);
    assert.throws(() => dist.gather(zeros([])), /allGather \[\] float32 on rank 0 of 1: .*batch dimension/);
    assert.throws(() => dist.group.broadcast_(tensor([1, 2]), 3), /broadcast \[2\] float32 on rank 0 of 1: .*root 3 is not a rank/);
    assert.throws(() => dist.group.allReduce_(tensor([1]), 'mean' as 'sum'), /reduce op must be 'sum', 'max', 'min' or 'product', got 'mean'/);
  });
  assert.equal(memory().tensors, before);
  assert.equal(await dist.share('k', () => 'v'), 'v');
  dist.close();
  assert.throws(() => dist.group.barrier(), /group \d+ is closed or unknown/);
});

test("a FileStore: c10d's key-value store in a file", { skip }, () => {
  const store = new Store({ kind: 'file', path: join(mkdtempSync(join(tmpdir(), 'store-')), 'store'), worldSize: 1, timeoutMs: 300 });
  store.set('a', 'one');
  assert.equal(store.get('a'), 'one');
  assert.equal(store.add('n', 2), 2);
  assert.equal(store.add('n', 3), 5);
  assert.equal(store.check(['a', 'n']), true);
  assert.equal(store.check(['missing']), false);
  assert.throws(() => store.get('missing'), /store get missing: .*[Tt]imeout/);
  store.close();
  assert.throws(() => store.get('a'), /store \d+ is closed or unknown/);
});

test('a rank whose peers never come fails after its timeout with the rank named, not a hang', { skip }, async () => {
  const port = await freePort();
  const t0 = performance.now();
  assert.throws(() => new Distributed({ rank: 0, worldSize: 2, masterPort: port, timeoutSeconds: 1 }), /gloo process group \(rank 0 of 2, the others joining within 1\.000 s\): .*[Tt]imeout/);
  assert.ok(performance.now() - t0 < 10_000, 'within its timeout, give or take');
  assert.throws(() => new Distributed({ rank: 1, worldSize: 2, masterPort: 1, timeoutSeconds: 1 }), /TCPStore 127\.0\.0\.1:1/); // no rank 0 there at all
});
