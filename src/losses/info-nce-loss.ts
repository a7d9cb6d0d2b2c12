import { cat, F, scope, type Tensor, zeros } from '../tensor/index.js';
import { checkTwoViews } from './two-view.js';
import { checkEmbeddings, checkOptions, checkTemperature } from './validate.js';

export interface InfoNCELossOptions {
  /** Default 0.07 (MoCo's). */
  temperature?: number;
}

/**
 * InfoNCE with explicit negatives (van den Oord et al. 2018, "Representation Learning with
 * Contrastive Predictive Coding"), as MoCo uses it with a queue of keys (He et al. 2020,
 * "Momentum Contrast for Unsupervised Visual Representation Learning", eq. 1):
 *   l_i = -log( exp(q_i . k_i / T) / (exp(q_i . k_i / T) + sum_j exp(q_i . n_j / T)) ),
 * averaged over the N queries, with q = normalize(query), k = normalize(key) and n_j the rows of
 * `queue` (K, D) used as given (store normalised keys, as MoCo does) and not differentiated.
 * Matches lightly's `NTXentLoss(temperature, memory_bank_size > 0)` given the same negatives
 * (lightly's bank holds them as (D, K) columns). Default temperature 0.07.
 */
export class InfoNCELoss {
  readonly temperature: number;

  constructor(o: InfoNCELossOptions = {}) {
    const opts = checkOptions('InfoNCELoss', o, ['temperature']);
    this.temperature = checkTemperature('InfoNCELoss', opts.temperature ?? 0.07);
  }

  /** The loss of queries and their keys (N, D) against the negatives in `queue` (K, D). */
  forward(query: Tensor, key: Tensor, queue: Tensor): Tensor {
    checkTwoViews('InfoNCELoss', query, key, 1, ['query', 'key']);
    checkEmbeddings('InfoNCELoss', 'queue', queue, { minRows: 0 });
    if (queue.shape[1] !== query.shape[1]) {
      throw new RangeError(`InfoNCELoss: queue has ${queue.shape[1]} features, query has ${query.shape[1]} (queue is (K, D))`);
    }
    if (queue.device !== query.device) throw new RangeError(`InfoNCELoss: queue is on ${queue.device}, query on ${query.device}`);
    return scope(() => {
      const q = F.normalize(query); // (N, D)
      const k = F.normalize(key); // (N, D)
      const positive = q.mul(k).sum(1, true); // (N, 1)
      const negative = q.mm(queue.detach().t()); // (N, K)
      const logits = cat([positive, negative], 1).div(this.temperature); // (N, 1 + K)
      const targets = zeros([query.shape[0]!], { dtype: 'int64', device: query.device }); // the positive is class 0
      return F.crossEntropy(logits, targets);
    });
  }
}
