// A first-in-first-out bank of embeddings on the training device (MoCo's queue, NNCLR's support set).
import { Module } from '../nn/index.js';
import { F, noGrad, randn, scope, zeros, type Tensor } from '../tensor/index.js';

/**
 * A FIFO queue of the last `size` embeddings (K, D), L2-normalised, as MoCo keeps its keys
 * (He et al. 2020, Sec. 3.1: "the current mini-batch is enqueued ... and the oldest mini-batch
 * is removed") and NNCLR its support set (Dwibedi et al. 2021, Sec. 3.1). It starts with random
 * unit vectors, as MoCo's reference implementation does. Both the bank and its write position
 * are buffers, so checkpoints hold them.
 */
export class MemoryBank extends Module<[Tensor], Tensor> {
  bank: Tensor;
  position: Tensor;

  constructor(readonly size: number, readonly dim: number) {
    super();
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`MemoryBank: size must be a positive integer, got ${size}`);
    this.bank = this.registerBuffer('bank', scope(() => F.normalize(randn([size, dim])))); // (K, D)
    this.position = this.registerBuffer('position', zeros([1], { dtype: 'int64' }));
  }

  /** The bank (K, D), without gradient. */
  forward(): Tensor {
    return this.bank.detach();
  }

  /** Writes `x` (N, D), normalised, over the oldest entries. */
  enqueue(x: Tensor): void {
    if (x.ndim !== 2 || x.shape[1] !== this.dim) throw new RangeError(`MemoryBank.enqueue: expected (N, ${this.dim}), got [${x.shape.join(', ')}]`);
    noGrad(() => scope(() => {
      let rows = F.normalize(x.detach().to('float32'));
      if (rows.shape[0]! > this.size) rows = rows.narrow(0, rows.shape[0]! - this.size, this.size);
      const n = rows.shape[0]!;
      const p = this.position.item();
      const first = Math.min(n, this.size - p);
      this.bank.narrow(0, p, first).copy_(rows.narrow(0, 0, first));
      if (first < n) this.bank.narrow(0, 0, n - first).copy_(rows.narrow(0, first, n - first));
      this.position.fill_((p + n) % this.size);
    }));
  }
}
