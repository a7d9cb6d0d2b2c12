// Augmentations that zero parts of a sequence: timestamp masking (TS2Vec) and channel dropout.
import type { Tensor } from '../../tensor/index.js';
import { checkProbability } from '../check.js';
import { SequenceAugmentation } from './base.js';

/** Zeroes each step (`perStep`) or each channel of each sequence with probability p. */
abstract class RandomZeroing extends SequenceAugmentation {
  readonly p: number;
  protected readonly normal = false;
  constructor(p: number) {
    super();
    this.p = checkProbability(this.constructor.name, 'p', p);
  }
  get name(): string {
    return `${this.constructor.name}(p=${this.p})`;
  }
  protected drawShape(n: number, t: number, c: number): number[] {
    return this.perStep ? [n, t] : [n, c];
  }
  protected run(x: Tensor, _lengths: Tensor | null, _steps: Int32Array, draws: Tensor): Tensor {
    const zero = draws.lt(this.p).to(x.device).unsqueeze(this.perStep ? 2 : 1); // (N, T, 1) or (N, 1, C), over (N, T, C)
    return x.maskedFill(zero, 0);
  }
}

/**
 * Timestamp masking (TS2Vec, Yue et al. 2022, section 3.2: "we randomly mask the latent vectors
 * ... along the time axis ... with a binary mask m drawn from a Bernoulli distribution with
 * p = 0.5"): each valid step, all its channels, set to 0 with probability p (default 0.5,
 * TS2Vec's). TS2Vec masks the encoder's input projection; here it is the input itself.
 */
export class TimestampMask extends RandomZeroing {
  readonly perStep = true;
  constructor(o: { p?: number } = {}) {
    super(o.p ?? 0.5);
  }
}

/**
 * Channel dropout: each channel of each sequence set to 0 over all its steps with probability p
 * (default 0.2), as `torch.nn.Dropout1d` on (N, C, T) without its 1 / (1 - p) rescaling.
 */
export class ChannelDropout extends RandomZeroing {
  readonly perStep = false;
  constructor(o: { p?: number } = {}) {
    super(o.p ?? 0.2);
  }
}
