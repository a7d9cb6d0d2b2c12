import { arange, type Tensor } from '../tensor/index.js';
import { CosineSimilarity } from './distances/cosine-similarity.js';
import { type IndicesTuple, tupleWeights } from './indices.js';
import { maskedLogSumExp } from './numerics.js';
import { ProxyLoss, type ProxyLossOptions } from './proxy-loss.js';
import type { LossDict, SubLoss } from './reducers/base.js';
import { DivisorReducer } from './reducers/divisor-reducer.js';
import { checkNumber } from './validate.js';

export interface ProxyAnchorLossOptions extends ProxyLossOptions {
  /** delta (default 0.1). */
  margin?: number;
  /** alpha, the scale (default 32). */
  alpha?: number;
}

/**
 * The Proxy Anchor loss (Kim et al. 2020, "Proxy Anchor Loss for Deep Metric Learning", eq. 4),
 * as PML's `ProxyAnchorLoss`: with proxies p (numClasses, embeddingSize) (PML's layout, initialised
 * `kaiming_normal_(mode='fan_out')`: N(0, 2 / numClasses)), P+ the proxies of classes in the batch,
 * X_p+ / X_p- the embeddings of / not of p's class and s the cosine,
 *   l = 1/|P+| sum_{p in P+} log(1 + sum_{x in X_p+} e^{-alpha (s(x, p) - delta)})
 *     + 1/|P|  sum_{p in P}  log(1 + sum_{x in X_p-} e^{alpha (s(x, p) + delta)}).
 * Two sub-losses of C per-proxy terms ('element', indices = proxy ids), `pos_loss` summed and
 * divided by |P+| and `neg_loss` by C by the default `DivisorReducer` (PML's
 * `DivisorReducer`). With an index tuple, as PML 2.x, each exponent gets (w_x - 1) added, w_x the
 * miner weight. For a distance (smaller is closer) the exponents are alpha (d - delta) and
 * alpha (-delta - d). PML's weight regularizer is not supported. Defaults: margin 0.1, alpha 32,
 * distance `CosineSimilarity()`.
 */
export class ProxyAnchorLoss extends ProxyLoss {
  readonly margin: number;
  readonly alpha: number;
  /** The proxies (numClasses, embeddingSize), a registered parameter. */
  readonly proxies: Tensor;

  constructor(o: ProxyAnchorLossOptions) {
    super(o, ['margin', 'alpha'], { distance: () => new CosineSimilarity(), reducer: () => new DivisorReducer() });
    this.margin = checkNumber(this.name, 'margin', o.margin ?? 0.1);
    this.alpha = checkNumber(this.name, 'alpha', o.alpha ?? 32);
    this.proxies = this.registerWeight(o, 'proxies', [this.numClasses, this.embeddingSize], 'kaimingNormalFanOut');
  }

  protected computeLoss(embeddings: Tensor, labels: Tensor, tuple: IndicesTuple | undefined): LossDict {
    const y = this.classLabels(embeddings, labels);
    const c = this.numClasses;
    const shift = tupleWeights(tuple, embeddings).sub(1).unsqueeze(1); // (N, 1)
    const cos = this.distance.forward(embeddings, this.castTo(this.proxies, embeddings, 'proxies')); // (N, C)
    const pos = y.unsqueeze(1).eq(arange(c, undefined, undefined, { device: y.device }).unsqueeze(0)); // (N, C) bool
    const posExp = this.distance.margin(cos, this.margin).mul(this.alpha).add(shift); // (N, C)
    const negExp = this.distance.margin(-this.margin, cos).mul(this.alpha).add(shift); // (N, C)
    const indices = arange(c, undefined, undefined, { device: y.device });
    const numPosProxies = pos.any(0).sum().to(cos.dtype);
    const posLoss: SubLoss = { losses: maskedLogSumExp(posExp, pos, { addOne: true, dim: 0 }), reductionType: 'element', indices, divisor: numPosProxies };
    const negLoss: SubLoss = { losses: maskedLogSumExp(negExp, pos.logicalNot(), { addOne: true, dim: 0 }), reductionType: 'element', indices, divisor: c };
    return { pos_loss: posLoss, neg_loss: negLoss };
  }
}
