import { Module } from '../nn/module.js';
import { arange, cat, full, noGrad, scope, Tensor, tensor, where, zeros } from '../tensor/index.js';
import { checkIndicesTuple, type IndicesTuple, isTriplets, selectWhere, toPairs, toTriplets, uniqueTuples, whereIndices } from './indices.js';
import { MetricLoss } from './metric-loss.js';
import type { BaseMiner } from './miners/base.js';
import { checkEmbeddings, checkInteger, checkOptions, describe, toLabels } from './validate.js';

export interface CrossBatchMemoryOptions {
  /** D, the width of the embeddings kept (required). */
  embeddingSize: number;
  /** How many past embeddings the memory holds (default 1024). */
  memorySize?: number;
  /** Mines the tuples between the batch and the memory (default: the wrapped loss's miner, else every pair). */
  miner?: BaseMiner;
}

/**
 * Cross-batch memory (Wang, Zhang, Huang & Scott 2020, "Cross-Batch Memory for Embedding
 * Learning", Sec. 3-4, XBM): a first-in-first-out memory of the last `memorySize` embeddings
 * and labels, so that a pair or triplet loss compares the current batch with many past ones.
 * As pytorch-metric-learning's `CrossBatchMemory(loss, embedding_size, memory_size=1024,
 * miner=None)`: `forward(embeddings (N, D), labels (N), indicesTuple?, enqueueMask?)`
 *  1. enqueues the batch, detached, over the oldest rows of the memory (with `enqueueMask`
 *     (N, bool), only the masked rows are enqueued and only the others are anchors);
 *  2. takes every pair between an anchor (a current-batch row) and a memory row (which now
 *     includes the batch's own copies), minus each row's comparison with its own copy (not done
 *     with `enqueueMask`, as PML), or the miner's tuples restricted that way;
 *  3. adds `indicesTuple` (pairs or triplets within the batch, converted to the kind of step 2);
 *  4. returns the wrapped loss of [anchors; memory] (N + M', D) with [labels; memory labels]
 *     and that tuple, whose anchors are rows < N and whose other rows are memory rows >= N.
 * Memory rows are detached, so gradients flow only into the current batch's anchors. PML passes
 * the memory as `ref_emb`; our losses have no reference set, so this is PML's earlier form
 * (concatenate and index), which gives the same value for pair and triplet losses.
 * A miner mines the N + M' rows; tuples that refer to a current-batch row other than as anchor
 * are moved onto that row's memory copy (the same values, so PML's reference mining would pick
 * it: this keeps hardest-example miners from losing ties to the batch copy), then duplicates are
 * dropped. With `enqueueMask` such rows have no copy and their tuples are dropped (PML's
 * reference miner never sees them).
 * The memory is three buffers, so it moves with `to()` and saves in a state dict:
 * `embedding_memory` (M, D), `label_memory` (M) and `num_enqueued` (rows enqueued since the last
 * `reset()`; the write position is num_enqueued mod M, the filled rows min(num_enqueued, M)).
 * As PML, the memory takes the dtype and device of the embeddings and the dtype of the labels.
 * The loss must be a MetricLoss that takes index tuples (`takesIndicesTuple`: pair and triplet
 * losses; not proxy, classification or FastAP-style losses, which PML does not support either).
 */
export class CrossBatchMemory extends Module<[embeddings: Tensor, labels: Tensor | readonly number[], indicesTuple?: IndicesTuple, enqueueMask?: Tensor | readonly boolean[]], Tensor> {
  readonly loss: MetricLoss;
  readonly miner: BaseMiner | null;
  readonly embeddingSize: number;
  readonly memorySize: number;
  /** (M, D) past embeddings, by slot (the oldest at `queueIdx` once full). */
  readonly embeddingMemory: Tensor;
  /** (M) their labels. */
  readonly labelMemory: Tensor;
  /** int64 scalar: rows enqueued since the last reset. */
  readonly numEnqueued: Tensor;

  constructor(loss: MetricLoss, o: CrossBatchMemoryOptions) {
    super();
    const name = this.name;
    if (!(loss instanceof MetricLoss)) throw new TypeError(`${name}: loss must be a label-based loss (e.g. new ContrastiveLoss()), got ${describe(loss)}`);
    if (!loss.takesIndicesTuple) {
      throw new TypeError(`${name}: ${loss.name} does not compute its loss from index tuples (a proxy, classification or whole-batch loss); wrap a pair or triplet loss (e.g. ContrastiveLoss, TripletMarginLoss, SupConLoss)`);
    }
    if (o === undefined) throw new TypeError(`${name}: options with embeddingSize are required`);
    const opts = checkOptions(name, o, ['embeddingSize', 'memorySize', 'miner']);
    this.embeddingSize = checkInteger(name, 'embeddingSize', opts.embeddingSize);
    this.memorySize = checkInteger(name, 'memorySize', opts.memorySize ?? 1024);
    if (opts.miner !== undefined && (typeof opts.miner !== 'object' || opts.miner === null || typeof opts.miner.mine !== 'function')) {
      throw new TypeError(`${name}: miner must be a miner (e.g. new MultiSimilarityMiner()), got ${describe(opts.miner)}`);
    }
    this.miner = opts.miner ?? loss.miner;
    this.loss = this.registerModule('loss', loss);
    this.embeddingMemory = this.registerBuffer('embedding_memory', zeros([this.memorySize, this.embeddingSize], { dtype: 'float32' }));
    this.labelMemory = this.registerBuffer('label_memory', zeros([this.memorySize], { dtype: 'int64' }));
    this.numEnqueued = this.registerBuffer('num_enqueued', zeros([], { dtype: 'int64' }));
  }

  /** Where the next row is written (PML's `queue_idx`). Reads the counter back from the device. */
  get queueIdx(): number {
    return this.#count() % this.memorySize;
  }

  /** How many memory rows hold embeddings (M once it has wrapped round). */
  get numFilled(): number {
    return Math.min(this.#count(), this.memorySize);
  }

  /** Empties the memory (PML `reset_queue`): zeros in place, so the buffers keep their identity. */
  reset(): void {
    noGrad(() => {
      this.embeddingMemory.zero_();
      this.labelMemory.zero_();
      this.numEnqueued.zero_();
    });
  }

  forward(embeddings: Tensor, labels: Tensor | readonly number[], indicesTuple?: IndicesTuple, enqueueMask?: Tensor | readonly boolean[]): Tensor {
    const name = this.name;
    checkEmbeddings(name, 'embeddings', embeddings);
    if (embeddings.shape[1] !== this.embeddingSize) {
      throw new RangeError(`${name}: embeddings have ${embeddings.shape[1]} features, embeddingSize is ${this.embeddingSize}`);
    }
    if (indicesTuple !== undefined && enqueueMask !== undefined) throw new TypeError(`${name}: indicesTuple and enqueueMask are mutually exclusive (as PML)`);
    return scope(() => {
      const n = embeddings.shape[0]!;
      const device = embeddings.device;
      const y = toLabels(name, labels, n, device);
      if (indicesTuple !== undefined) checkIndicesTuple(name, indicesTuple, n, device);
      this.#follow(embeddings, y);
      let anchors = embeddings;
      let anchorLabels = y;
      let queued = embeddings;
      let queuedLabels = y;
      if (enqueueMask !== undefined) {
        const mask = toMask(name, enqueueMask, n, device);
        const [q] = whereIndices(mask);
        const [k] = whereIndices(mask.logicalNot());
        queued = embeddings.indexSelect(0, q!);
        queuedLabels = y.indexSelect(0, q!);
        anchors = embeddings.indexSelect(0, k!);
        anchorLabels = y.indexSelect(0, k!);
      }
      const nq = queued.shape[0]!;
      if (nq > this.memorySize) {
        throw new RangeError(`${name}: ${nq} rows to enqueue, more than memorySize ${this.memorySize}${enqueueMask === undefined ? ' (the whole batch is enqueued without enqueueMask)' : ''}`);
      }
      const before = this.#count();
      const slots = this.#enqueue(queued, queuedLabels, before); // (Q) int64
      const filled = Math.min(before + nq, this.memorySize);
      const memory = this.embeddingMemory.narrow(0, 0, filled); // (M', D), no gradient
      const memoryLabels = this.labelMemory.narrow(0, 0, filled); // (M')
      const rows = cat([anchors, memory]); // (B + M', D)
      const rowLabels = cat([anchorLabels, memoryLabels]); // (B + M')
      const tuple = this.#tuple(rows, rowLabels, anchors.shape[0]!, enqueueMask === undefined ? slots : null, indicesTuple, y);
      return this.loss.forward(rows, rowLabels, tuple);
    });
  }

  #count(): number {
    return Number(scope(() => this.numEnqueued.item()));
  }

  /** Moves the memory to the embeddings' dtype and device and the labels' dtype (as PML does each call). */
  #follow(embeddings: Tensor, labels: Tensor): void {
    noGrad(() => scope(() => {
      const device = embeddings.device;
      if (this.embeddingMemory.dtype !== embeddings.dtype || this.embeddingMemory.device !== device) {
        this.embeddingMemory.setData_(this.embeddingMemory.to({ dtype: embeddings.dtype, device }));
      }
      if (this.labelMemory.dtype !== labels.dtype || this.labelMemory.device !== device) {
        this.labelMemory.setData_(this.labelMemory.to({ dtype: labels.dtype, device }));
      }
      if (this.numEnqueued.device !== device) this.numEnqueued.setData_(this.numEnqueued.to(device));
    }));
  }

  /** Writes the rows into slots (before + k) mod M (PML `add_to_memory`); returns those slots. */
  #enqueue(x: Tensor, labels: Tensor, before: number): Tensor {
    const q = x.shape[0]!;
    const slots = arange(before, before + q, 1, { dtype: 'int64', device: x.device }).remainder(this.memorySize); // (Q)
    if (q === 0) return slots;
    noGrad(() => scope(() => {
      this.embeddingMemory.indexCopy_(0, slots, x.detach());
      this.labelMemory.indexCopy_(0, slots, labels);
      this.numEnqueued.add_(q);
    }));
    return slots;
  }

  /**
   * The tuple over `rows` = [anchors (B); memory (M')]: anchors < B, other rows >= B.
   * `selfSlots` (B): each anchor's memory slot, whose comparison is removed (null with a mask).
   */
  #tuple(rows: Tensor, rowLabels: Tensor, b: number, selfSlots: Tensor | null, given: IndicesTuple | undefined, batchLabels: Tensor): IndicesTuple {
    const r = rows.shape[0]!;
    const device = rows.device;
    const copyOf = selfSlots?.add(b) ?? null; // (B): each anchor's row in `rows`
    let tuple: IndicesTuple;
    if (this.miner === null) {
      const anchorLabels = rowLabels.narrow(0, 0, b).unsqueeze(1); // (B, 1)
      const refLabels = rowLabels.narrow(0, b, r - b).unsqueeze(0); // (1, M')
      let pos = anchorLabels.eq(refLabels); // (B, M')
      const neg = pos.logicalNot(); // (B, M')
      if (selfSlots !== null && b > 0) {
        const self = zeros([b, r - b], { dtype: 'bool', device })
          .indexPut([arange(0, b, 1, { dtype: 'int64', device }), selfSlots], full([], true, { dtype: 'bool', device })); // (B, M')
        pos = pos.logicalAnd(self.logicalNot());
      }
      const [a1, p] = whereIndices(pos);
      const [a2, n] = whereIndices(neg);
      tuple = [a1!, p!.add(b), a2!, n!.add(b)];
    } else {
      tuple = this.#mined(rows, rowLabels, b, copyOf);
    }
    if (given === undefined) return tuple;
    const extra = isTriplets(tuple) ? toTriplets(given, batchLabels) : toPairs(given, batchLabels);
    return tuple.map((t, i) => cat([t, extra[i]!])) as unknown as IndicesTuple;
  }

  /** The miner's tuples over `rows`, restricted to anchors < B and other rows >= B (see the class comment). */
  #mined(rows: Tensor, rowLabels: Tensor, b: number, copyOf: Tensor | null): IndicesTuple {
    const mined = this.miner!.mine(rows, rowLabels);
    // A reference to a current-batch row j < B moves to its memory copy B + slot(j).
    const ref = (t: Tensor): Tensor => (copyOf === null || b === 0 ? t : where(t.lt(b), copyOf.indexSelect(0, t.clamp(0, b - 1)), t));
    const r = rows.shape[0]!;
    if (isTriplets(mined)) {
      let [a, p, n] = [mined[0], ref(mined[1]), ref(mined[2])];
      [a, p, n] = selectWhere(a.lt(b).logicalAnd(p.ge(b)).logicalAnd(n.ge(b)), [a, p, n] as const);
      if (copyOf !== null && a.shape[0]! > 0) [a, p, n] = selectWhere(p.ne(copyOf.indexSelect(0, a)), [a, p, n] as const);
      return uniqueTuples([a, p, n], r) as [Tensor, Tensor, Tensor];
    }
    let [a1, p, a2, n] = [mined[0], ref(mined[1]), mined[2], ref(mined[3])];
    [a1, p] = selectWhere(a1.lt(b).logicalAnd(p.ge(b)), [a1, p] as const);
    [a2, n] = selectWhere(a2.lt(b).logicalAnd(n.ge(b)), [a2, n] as const);
    if (copyOf !== null && a1.shape[0]! > 0) [a1, p] = selectWhere(p.ne(copyOf.indexSelect(0, a1)), [a1, p] as const);
    const [u1, up] = uniqueTuples([a1, p], r);
    const [u2, un] = uniqueTuples([a2, n], r);
    return [u1!, up!, u2!, un!];
  }
}

function toMask(who: string, m: unknown, n: number, device: string): Tensor {
  let t: Tensor;
  if (m instanceof Tensor) t = m;
  else if (Array.isArray(m) && m.every((v) => typeof v === 'boolean')) t = tensor(m as boolean[], { dtype: 'bool' });
  else throw new TypeError(`${who}: enqueueMask must be a bool Tensor (N) or an array of booleans`);
  if (t.dtype !== 'bool') throw new TypeError(`${who}: enqueueMask must be bool, got ${t.dtype}`);
  if (t.ndim !== 1 || t.shape[0] !== n) throw new RangeError(`${who}: enqueueMask must have shape [${n}], got [${t.shape.join(', ')}]`);
  return t.device === device ? t : t.to(device as Tensor['device']);
}
