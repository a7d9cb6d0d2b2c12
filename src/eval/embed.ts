// Embedding datasets with a trained encoder, batch by batch: the features every evaluation reads.
import { Loader, type Dataset } from '../data/index.js';
import type { Encoder, Module } from '../nn/index.js';
import { autocast, cat, keep, noGrad, scope, tensor, type Device, type Tensor } from '../tensor/index.js';
import type { LabelledEmbeddings } from './validate.js';

/** How an encoder runs over data: its device, and the precision and layout it trained in. */
export interface EmbedOptions {
  device: Device;
  /** bf16 autocast on the device (features are returned as float32 either way). */
  bf16: boolean;
  /** Channels-last (NHWC) input images, as the encoder trained. */
  channelsLast: boolean;
  /** Items per forward pass (default 1024). */
  batchSize?: number;
}

/** A network from inputs (and sequence lengths) to one row per item: an encoder, or a classifier (its logits). */
export type ItemModel = Module<[x: Tensor, lengths?: Tensor | null], Tensor>;

/** `embedItems` read no item at all (every file of the data failed to decode). */
export class NoItemsReadError extends RangeError {
  override name = 'NoItemsReadError';
}

/** What `embedItems` gives: the rows, and the dataset index of each. */
export interface EmbeddedItems {
  /** (N, D) float32. */
  embeddings: Tensor;
  /** (N) the item of each row, ascending; fewer than the dataset's items when some cannot be read. */
  indices: Int32Array;
}

/**
 * Features (N, D) float32 of every item of `ds` through `encoder` (or any `ItemModel`: a classifier gives logits) in evaluation mode (BatchNorm
 * running statistics), without gradient; the encoder's mode is restored after. Items a dataset
 * cannot read are left out (N is then less than `ds.length`; `indices` names the rows); when none can be, a
 * `NoItemsReadError`. Owned by the caller's scope.
 */
export async function embedItems(encoder: ItemModel, ds: Dataset, o: EmbedOptions): Promise<EmbeddedItems> {
  const loader = new Loader(ds, { batchSize: o.batchSize ?? 1024, shuffle: false, device: o.device });
  const parts: Tensor[] = [];
  const indices: Int32Array[] = [];
  const wasTraining = encoder.training;
  encoder.eval();
  try {
    for await (const b of loader.epoch(0)) {
      indices.push(b.indices);
      parts.push(keep(noGrad(() => scope(() => {
        const x = o.channelsLast && b.x.ndim === 4 ? b.x.contiguous('channelsLast') : b.x; // (B, C, H, W) or (B, T, C)
        const forward = (): Tensor => encoder.forward(x, b.lengths);
        const h = o.bf16 ? autocast(o.device.startsWith('cuda') ? 'cuda' : 'cpu', forward) : forward(); // (B, D)
        return h.to('float32');
      }))));
    }
    if (parts.length === 0) throw new NoItemsReadError(`embedItems: none of the ${ds.length} items could be read`);
    const all = new Int32Array(indices.reduce((n, a) => n + a.length, 0));
    indices.reduce((at, a) => (all.set(a, at), at + a.length), 0);
    return { embeddings: scope(() => cat(parts)), indices: all }; // (N, D)
  } finally {
    parts.forEach((p) => p.dispose());
    encoder.train(wasTraining);
  }
}

/** `embedItems`' rows alone: (N, D) float32, N less than `ds.length` when items cannot be read. Owned by the caller's scope. */
export async function embedDataset(encoder: ItemModel, ds: Dataset, o: EmbedOptions): Promise<Tensor> {
  return (await embedItems(encoder, ds, o)).embeddings;
}

/** Both splits of a labelled dataset, embedded: what kNN, the probe and the retrieval metrics take. */
export interface EmbeddedSplits {
  train: LabelledEmbeddings;
  test: LabelledEmbeddings;
}

/** Embeds a labelled train and test split (`embedDataset`), with int64 labels, owned by the caller's scope (see `disposeSplits`). */
export async function embedSplits(encoder: Encoder, train: Dataset, test: Dataset, o: EmbedOptions): Promise<EmbeddedSplits> {
  const embed = async (ds: Dataset, what: string): Promise<LabelledEmbeddings> => {
    if (!ds.labels) throw new TypeError(`embedSplits: the ${what} split has no labels`);
    const embeddings = await embedDataset(encoder, ds, o);
    if (embeddings.shape[0] !== ds.length) {
      embeddings.dispose();
      throw new RangeError(`embedSplits: ${ds.length - embeddings.shape[0]!} of the ${ds.length} ${what} items could not be read`);
    }
    return { embeddings, labels: tensor(ds.labels, { dtype: 'int64', device: o.device }) };
  };
  const tr = await embed(train, 'train');
  try {
    return { train: tr, test: await embed(test, 'test') };
  } catch (e) {
    disposeSplits({ train: tr });
    throw e;
  }
}

/** Frees the tensors of embedded splits. */
export function disposeSplits(e: Partial<EmbeddedSplits>): void {
  for (const s of [e.train, e.test]) {
    s?.embeddings.dispose();
    s?.labels.dispose();
  }
}
