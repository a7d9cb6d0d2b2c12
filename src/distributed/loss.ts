// Metric learning on the global batch (pytorch-metric-learning's DistributedLossWrapper).
import type { Tensor } from '../tensor/index.js';
import type { Distributed } from './process-group.js';

/** What `DistributedLoss` wraps: a label-based loss (`losses.TripletMarginLoss`, `losses.SupConLoss`, ...). */
export interface LabelledLoss {
  forward(embeddings: Tensor, labels: Tensor): Tensor;
}

/**
 * A label-based loss over every rank's embeddings and labels: its miner mines, and its pairs and
 * triplets are formed, in the global batch, with the gradient of each row returned to its rank
 * (`Distributed.gather`). With `DataParallel`'s mean of the gradients it trains as one process on
 * the global batch would (pytorch-metric-learning #363 and #712 were this wrapper scaling or
 * losing them).
 */
export class DistributedLoss<L extends LabelledLoss> {
  constructor(readonly loss: L, readonly dist: Distributed) {}

  /** The loss of the global batch: `embeddings` (n, D) and `labels` (n) are this rank's share. */
  forward(embeddings: Tensor, labels: Tensor): Tensor {
    return this.loss.forward(this.dist.gather(embeddings), this.dist.gather(labels, false)); // (W n, D), (W n)
  }
}
