// Embedding: a lookup table of vectors, as `torch.nn.Embedding`.
import { empty, F, type Tensor, noGrad, scope } from '../tensor/index.js';
import { normal_ } from './init.js';
import { Module } from './module.js';
import { type FactoryOptions, positiveInt } from './parameter.js';

/**
 * Rows of a (numEmbeddings, embeddingDim) weight picked by integer indices
 * (`torch.nn.Embedding`); initialised from N(0, 1), the `paddingIdx` row zero.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, o: FactoryOptions & { paddingIdx?: number } = {}) {
    super();
    this.numEmbeddings = positiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    this.embeddingDim = positiveInt('Embedding', 'embeddingDim', embeddingDim);
    let pad = o.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings) {
        throw new RangeError(`Embedding: paddingIdx must be within [-${numEmbeddings}, ${numEmbeddings}), got ${pad}`);
      }
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.weight = scope(() => {
      const w = normal_(empty([numEmbeddings, embeddingDim], o)); // (num, dim)
      if (pad !== null) noGrad(() => w.select(0, pad).zero_());
      return w;
    });
    this.registerParameter('weight', this.weight);
  }

  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int64' && indices.dtype !== 'int32') {
      throw new TypeError(`Embedding: indices must be int64 or int32, got ${indices.dtype}`);
    }
    return F.embedding(indices, this.weight, { paddingIdx: this.paddingIdx }); // (*, dim)
  }
}
