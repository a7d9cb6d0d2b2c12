import { noGrad, randperm, scope, type Tensor } from '../../tensor/index.js';
import type { MetricLoss } from '../metric-loss.js';
import { checkEmbeddings, checkOptions, toLabels } from '../validate.js';
import type { BaseMiner } from './base.js';

export interface MaximumLossMinerOptions {
  /** The loss each random subset is scored with. */
  loss: MetricLoss;
  /** Mines the tuples of each subset for `loss` (default none: the loss's own pairs/triplets). */
  miner?: BaseMiner;
  /** How many random subsets to try (default 5). */
  numTrials?: number;
  /** The size of each subset (required, <= the batch size). */
  outputBatchSize: number;
}

/**
 * Picks, of `numTrials` random subsets of `outputBatchSize` rows (without replacement), the one
 * whose `loss` (with `miner`'s tuples, if given) is the largest, and returns its (outputBatchSize)
 * int64 row indices. As pytorch-metric-learning's `MaximumLossMiner` (a subset-batch miner: its
 * output is batch indices, not a pair or triplet tuple, so it is no loss's `miner`). Subsets come
 * from the seeded generator (`randperm`). Default numTrials 5. It reads each trial's loss back
 * (numTrials syncs), as PML's `.item()`.
 */
export class MaximumLossMiner {
  readonly name = 'MaximumLossMiner';
  readonly loss: MetricLoss;
  readonly miner: BaseMiner | null;
  readonly numTrials: number;
  readonly outputBatchSize: number;

  constructor(o: MaximumLossMinerOptions) {
    const who = this.name;
    if (o === undefined) throw new TypeError(`${who}: loss and outputBatchSize are required`);
    const opts = checkOptions(who, o, ['loss', 'miner', 'numTrials', 'outputBatchSize']);
    if (typeof opts.loss !== 'object' || opts.loss === null || typeof opts.loss.forward !== 'function') throw new TypeError(`${who}: loss must be a loss (e.g. new ContrastiveLoss())`);
    if (opts.miner !== undefined && (typeof opts.miner !== 'object' || opts.miner === null || typeof opts.miner.mine !== 'function')) {
      throw new TypeError(`${who}: miner must be a miner (e.g. new MultiSimilarityMiner())`);
    }
    const int = (name: string, v: unknown): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${who}: ${name} must be an integer >= 1, got ${String(v)}`);
      return v;
    };
    this.loss = opts.loss;
    this.miner = opts.miner ?? null;
    this.numTrials = int('numTrials', opts.numTrials ?? 5);
    this.outputBatchSize = int('outputBatchSize', opts.outputBatchSize);
  }

  /** The row indices (outputBatchSize) of the highest-loss subset of `embeddings` (N, D). */
  mine(embeddings: Tensor, labels: Tensor | readonly number[]): Tensor {
    checkEmbeddings(this.name, 'embeddings', embeddings);
    const n = embeddings.shape[0]!;
    if (this.outputBatchSize > n) throw new RangeError(`${this.name}: outputBatchSize ${this.outputBatchSize} exceeds the batch size ${n}`);
    return noGrad(() => scope(() => {
      const x = embeddings.detach();
      const y = toLabels(this.name, labels, n, x.device);
      let best: Tensor | null = null;
      let bestLoss = -Infinity;
      for (let t = 0; t < this.numTrials; t++) {
        const idx = randperm(n, { device: x.device }).narrow(0, 0, this.outputBatchSize); // (outputBatchSize)
        const loss = scope(() => {
          const e = x.indexSelect(0, idx);
          const l = y.indexSelect(0, idx);
          return this.loss.forward(e, l, this.miner?.mine(e, l)).item();
        });
        if (best === null || loss > bestLoss) { // first maximum wins, as np.argmax
          best = idx;
          bestLoss = loss;
        }
      }
      return best!;
    }));
  }
}
