// Data parallelism (Li et al. 2020, "PyTorch Distributed: Experiences on Accelerating Data
// Parallel Training"): the same model on every rank, the gradients averaged as backward runs.
import { BatchNorm, type AnyModule } from '../nn/index.js';
import { GradientReducer, scope, type Tensor } from '../tensor/index.js';
import type { Distributed } from './process-group.js';

export interface DataParallelOptions {
  /** Normalise with the global batch's statistics (SyncBatchNorm) in every BatchNorm layer; default false. */
  syncBatchNorm?: boolean;
  /** Gradient bucket size in bytes; default 25 MiB, as DDP's. */
  bucketBytes?: number;
  /** Search each loss's graph for parameters that got no gradient (slower; DDP's find_unused_parameters). Default false. */
  findUnusedParameters?: boolean;
}

/**
 * `torch.nn.parallel.DistributedDataParallel` for a module: rank 0's parameters and buffers are
 * broadcast to every rank once, and c10d's Reducer all-reduces `params`' gradients in buckets
 * while backward runs, leaving their mean over the ranks (so a loss that is each rank's mean over
 * its share of the global batch gives the global batch's gradient, whatever the world size).
 * Call `beforeBackward(loss)` before each `loss.backward()`. Buffers are not broadcast per step
 * (DDP's `broadcast_buffers=False`): with SyncBatchNorm they agree anyway; without it each rank
 * keeps the running statistics of its own share, and rank 0's are the ones saved.
 */
export class DataParallel {
  readonly dist: Distributed;
  readonly module: AnyModule;
  readonly findUnusedParameters: boolean;
  readonly #reducer: GradientReducer;

  constructor(dist: Distributed, module: AnyModule, params: readonly Tensor[], o: DataParallelOptions = {}) {
    this.dist = dist;
    this.module = module;
    this.findUnusedParameters = o.findUnusedParameters ?? false;
    const bucketBytes = o.bucketBytes ?? 25 * 1024 * 1024;
    if (!Number.isInteger(bucketBytes) || bucketBytes < 1) throw new RangeError(`DataParallel: bucketBytes must be a positive integer, got ${String(o.bucketBytes)}`);
    if (o.syncBatchNorm) {
      for (const m of module.modules()) if (m instanceof BatchNorm) m.synchronize((stats) => dist.gather(stats));
    }
    scope(() => dist.group.broadcastCoalesced([...module.parameters(), ...module.buffers()].map((t) => t.detach())));
    this.#reducer = new GradientReducer(dist.group, params, { bucketBytes, findUnusedParameters: this.findUnusedParameters });
  }

  /** Arms the gradient all-reduce for the next backward (of `loss`). */
  beforeBackward(loss: Tensor): void {
    this.#reducer.prepare(this.findUnusedParameters ? [loss] : []);
  }

  /** Frees the reducer and turns SyncBatchNorm back into BatchNorm. */
  close(): void {
    this.#reducer.close();
    for (const m of this.module.modules()) if (m instanceof BatchNorm) m.synchronize(null);
  }
}
