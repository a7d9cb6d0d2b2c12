// CPC: van den Oord, Li & Vinyals 2018, "Representation Learning with Contrastive Predictive Coding".
import { Linear, type Encoder } from '../nn/index.js';
import { CPCLoss } from '../losses/index.js';
import type { Tensor } from '../tensor/index.js';
import { checkViews, Method, type MethodOptions } from './method.js';
import type { MethodRecipe } from './recipe.js';

/** What CPC needs of its backbone: the per-step codes z_t of g_enc and contexts c_t of g_ar (the `cpc` encoder). */
export interface CPCEncoder extends Encoder {
  /** Feature sizes of z_t and c_t. */
  readonly codeSize: number;
  readonly contextSize: number;
  /** z (N, T', codeSize), c (N, T', contextSize), zero past each sequence's end, and the lengths T' (null: all T'). */
  encodeSteps(x: Tensor, lengths?: Tensor | null): { z: Tensor; c: Tensor; lengths: Tensor | null };
}

function isCPCEncoder(e: Encoder): e is CPCEncoder {
  return typeof (e as unknown as Partial<CPCEncoder>).encodeSteps === 'function';
}

/**
 * CPC: a strided convolutional encoder g_enc maps a sequence to codes z_t, a GRU autoregressor
 * g_ar summarises z_<=t into a context c_t, and for each of K steps ahead a linear map W_k
 * predicts z_{t+k} from c_t, scored by f_k(z, c_t) = z^T W_k c_t. InfoNCE (eq. 4) picks the true
 * z_{t+k} among the batch's codes at that step and its own sequence's at the other steps
 * (`CPCLoss`: negatives from the other sequences and time steps), "the categorical cross-entropy
 * of classifying the positive sample correctly". The backbone is g_enc + g_ar; its features are
 * the contexts pooled over the steps (Sec. 3.1: "c_t ... can be used as representation"; the
 * `cpc` encoder max-pools them, measured better than c_T). It learns from the sequences
 * themselves: of the trainer's two views it uses the first.
 */
export class CPC extends Method {
  /**
   * K = 3 steps ahead (on 28-step inputs downsampled by the encoder; the paper's 12 are for 160 ms
   * audio frames; K = 8 measured worse), no heads: the predictors map contexts to codes. Adam at
   * 5e-5, a quarter of the paper's 2e-4: on fashion-mnist-seq
   * the kNN of 2e-4 peaked after the first epoch and fell towards random init's (0.791, 0.784,
   * 0.782, 0.779, 0.778 against 0.776), where 5e-5 holds its peak (0.765, 0.791, 0.790, 0.789).
   * The paper augments nothing; TS-TCC's weak view measured better here (kNN 0.647 against 0.579
   * with unaugmented sequences, c_T features, 15,000 sequences, 5 epochs).
   */
  static readonly recipe = {
    name: 'cpc',
    paper: 'van den Oord et al. 2018, Representation Learning with Contrastive Predictive Coding',
    needsLabels: false,
    inputs: ['sequence'],
    optimizer: { name: 'adam', lr: { base: 5e-5, scaling: 'none' }, weightDecay: 0 },
    defaults: {},
    heads: null,
    augment: { image: 'simclr', sequence: 'ts-weak' },
    encoder: { sequence: 'cpc' },
    gathers: 'nothing',
  } as const satisfies MethodRecipe;

  /** Steps ahead the contexts predict. */
  static readonly predictionSteps = 3;
  /** W_k, k = 1..K: context -> code. */
  readonly predictors: Linear[];
  readonly criterion = new CPCLoss();

  constructor(o: MethodOptions) {
    super(CPC.recipe, o);
    const e = this.backbone;
    if (!isCPCEncoder(e)) throw new TypeError(`CPC: needs the cpc encoder (--encoder cpc or auto), got ${e.name}`);
    this.predictors = Array.from({ length: CPC.predictionSteps }, (_, k) => this.registerModule(`predictor${k + 1}`, new Linear(e.contextSize, e.codeSize)));
  }

  forward(views: Tensor[], _labels: Tensor | null, lengths?: Tensor | null): Tensor {
    checkViews('CPC', views);
    const { z, c, lengths: steps } = (this.backbone as CPCEncoder).encodeSteps(views[0]!, lengths); // (N, T, Dz), (N, T, Dc)
    const t = z.shape[1]!;
    if (t < 2) throw new RangeError(`CPC: the encoder's ${t} step${t === 1 ? '' : 's'} leave nothing to predict`);
    const k = Math.min(CPC.predictionSteps, t - 1);
    const predictions = this.predictors.slice(0, k).map((w, i) => w.forward(c.narrow(1, 0, t - i - 1))); // k x (N, T - k, Dz): W_k c_t
    return this.criterion.forward(z, predictions, steps);
  }
}
