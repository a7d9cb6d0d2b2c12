// The memory model of docs/architecture.md: scopes, keep, dispose, memory(); flat over long loops.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { F, keep, memory, noGrad, ones, randn, scope, tensor, tidy, zeros, type Tensor } from '../../src/index.js';

describe('scope', () => {
  test('frees what it created, except what it returns', () => {
    const before = memory().tensors;
    const kept = scope(() => {
      const a = ones([2, 2]);
      const b = a.add(1);
      b.mul(3); // garbage
      return b;
    });
    assert.equal(memory().tensors, before + 1);
    assert.deepEqual(kept.toArray(), [[2, 2], [2, 2]]);
    kept.dispose();
    assert.equal(memory().tensors, before);
  });

  test('returned tensors survive deep inside arrays, objects and maps', () => {
    const before = memory().tensors;
    const r = scope(() => {
      ones([1]); // garbage
      return { a: [ones([1]), { b: zeros([2]) }], m: new Map([['c', ones([3])]]), n: 5 };
    });
    assert.equal(memory().tensors, before + 3);
    assert.deepEqual(r.a[0] instanceof Object && (r.a[1] as { b: Tensor }).b.shape, [2]);
    assert.deepEqual(r.m.get('c')!.shape, [3]);
    (r.a[0] as Tensor).dispose();
    (r.a[1] as { b: Tensor }).b.dispose();
    r.m.get('c')!.dispose();
    assert.equal(memory().tensors, before);
  });

  test('nested scopes hand returned tensors to the enclosing scope', () => {
    const before = memory().tensors;
    scope(() => {
      const inner = scope(() => {
        ones([1]);
        return ones([2]);
      });
      assert.equal(memory().tensors, before + 1);
      assert.equal(inner.isDisposed, false);
    });
    assert.equal(memory().tensors, before); // the outer scope freed it
  });

  test('keep() takes a tensor out of its scope; dispose() frees it', () => {
    const before = memory().tensors;
    let k: Tensor | undefined;
    scope(() => {
      k = keep(ones([4]));
      ones([4]);
    });
    assert.equal(memory().tensors, before + 1);
    assert.equal(k!.sum().item(), 4); // the sum is unscoped: dispose it below
    assert.equal(memory().tensors, before + 2);
    k!.dispose();
    assert.equal(memory().tensors, before + 1);
  });

  test('a throwing scope frees everything it created and rethrows', () => {
    const before = memory().tensors;
    assert.throws(() => scope(() => {
      ones([8]);
      ones([2]).matmul(ones([3]));
    }), /aten::matmul/);
    assert.equal(memory().tensors, before);
  });

  test('a tensor disposed inside a scope is not disposed twice, and tidy is scope', () => {
    const before = memory().tensors;
    tidy(() => {
      const a = ones([1]);
      a.dispose();
    });
    assert.equal(memory().tensors, before);
    assert.equal(tidy, scope);
  });

  test('memory() counts bytes of live tensors', () => {
    const m0 = memory();
    const a = zeros([10, 10]); // 400 bytes of float32
    const b = zeros([5], { dtype: 'float64' }); // 40
    const m1 = memory();
    assert.equal(m1.tensors - m0.tensors, 2);
    assert.equal(m1.bytes - m0.bytes, 440);
    a.dispose();
    b.dispose();
    assert.deepEqual(memory(), m0);
  });
});

describe('setData_: a tensor takes over another\'s data and keeps its identity', () => {
  test('the target holds the new data, dtype and shape; requiresGrad stays; memory is flat', () => {
    const p = keep(zeros([2, 2]).requiresGrad_());
    const before = memory();
    scope(() => {
      const u = tensor([1, 2, 3], { dtype: 'float64' });
      assert.equal(p.setData_(u), p);
      assert.equal(u.isDisposed, true);
    });
    assert.deepEqual([p.shape, p.dtype, p.requiresGrad, p.toArray()], [[3], 'float64', true, [1, 2, 3]]);
    assert.equal(memory().tensors, before.tensors, 'the old handle is freed, the new one moved');
    p.dispose();
  });

  test('the consumed source never frees or reaches the handle it gave away', () => {
    const p = keep(zeros([2]));
    const u = keep(ones([2]));
    p.setData_(u);
    assert.throws(() => u.toArray(), /the tensor has been disposed/);
    assert.throws(() => u.add(1), /the tensor has been disposed/);
    u.dispose(); // a no-op: the handle is p's now
    assert.deepEqual(p.toArray(), [1, 1]);
    assert.throws(() => p.setData_(u), /setData_: source has been disposed/);
    assert.throws(() => p.setData_(p), { name: 'TypeError', message: /setData_: source must be another tensor/ });
    assert.throws(() => p.setData_(3 as never), { name: 'TypeError', message: /setData_: source must be a Tensor, got 3/ });
    p.dispose();
    assert.throws(() => p.setData_(ones([1])), /setData_: the tensor has been disposed/);
  });

  test('a refused source changes nothing (an integer tensor cannot require grad)', () => {
    const p = keep(zeros([2]).requiresGrad_());
    const before = memory().tensors;
    scope(() => assert.throws(() => p.setData_(tensor([1n, 2n])), /requiresGrad/));
    assert.deepEqual([p.dtype, p.requiresGrad, memory().tensors], ['float32', true, before]);
    p.dispose();
  });

  test('the GC backstop follows the handle: neither wrapper frees the other\'s data (child process)', () => {
    const here = fileURLToPath(new URL('.', import.meta.url));
    const script = `
      const m = await import(${JSON.stringify(`${here}../../src/index.js`)});
      const settle = async () => { for (let i = 0; i < 5; i++) { global.gc(); await new Promise((r) => setTimeout(r, 20)); } };
      const before = m.memory().tensors;
      let kept = m.zeros([3]); // outside scopes: registered with the backstop
      (() => { kept.setData_(m.ones([3])); })(); // the source wrapper becomes garbage at once
      await settle();
      const alive = m.scope(() => kept.sum().item()); // throws if the source's finalizer freed the handle
      kept = null;
      await settle();
      console.log(JSON.stringify({ alive, after: m.memory().tensors - before }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { alive: 3, after: 0 }, 'the backstop frees the handle the tensor holds now');
  });
});

describe('long loops', () => {
  test('2,000 scoped forward+backward steps through a conv layer: flat tensor count, RSS growth < 50 MB', () => {
    const w = randn([8, 3, 3, 3]).mul_(0.1).requiresGrad_();
    const b = zeros([8], { requiresGrad: true });
    const step = (): void => scope(() => {
      const x = randn([4, 3, 16, 16]); // (N, C, H, W)
      const y = F.conv2d(x, w, b, { padding: 1 }).relu(); // (4, 8, 16, 16)
      const loss = y.square().mean();
      loss.backward();
      noGrad(() => {
        w.sub_(w.grad!, 0.01);
        b.sub_(b.grad!, 0.01);
      });
      w.grad = null;
      b.grad = null;
    });
    for (let i = 0; i < 100; i++) step(); // warm-up: allocator pools, lazy op lookups
    const tensors = memory().tensors;
    global.gc?.();
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 2000; i++) step();
    global.gc?.();
    const growth = (process.memoryUsage().rss - rss) / 2 ** 20;
    assert.equal(memory().tensors, tensors);
    assert.ok(growth < 50, `RSS grew by ${growth.toFixed(1)} MB`);
    w.dispose();
    b.dispose();
  });

  test('the GC frees unscoped tensors nobody disposed (the backstop), in a child process', () => {
    const here = fileURLToPath(new URL('.', import.meta.url));
    const script = `
      const m = await import(${JSON.stringify(`${here}../../src/index.js`)});
      const before = m.memory().tensors;
      for (let i = 0; i < 2000; i++) m.zeros([256, 256]); // 256 KiB each, never disposed
      const leaked = m.memory().tensors - before;
      for (let i = 0; i < 5; i++) { global.gc(); await new Promise((r) => setTimeout(r, 20)); }
      console.log(JSON.stringify({ leaked, after: m.memory().tensors - before }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { leaked, after } = JSON.parse(r.stdout) as { leaked: number; after: number };
    assert.ok(leaked > 0);
    assert.ok(after < leaked / 2, `GC freed too little: ${after} of ${leaked} still live`);
  });
});
