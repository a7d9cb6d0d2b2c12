// SimSiam: Chen & He 2021, "Exploring Simple Siamese Representation Learning".
import { NegativeCosineSimilarity } from '../losses/index.js';
import { SimSiamPredictionHead, SimSiamProjectionHead } from '../nn/index.js';
import { cat, type Tensor } from '../tensor/index.js';
import { checkViews, headDims, Method, type MethodOptions } from './method.js';

/**
 * SimSiam: encoder f (backbone + 3-layer projection MLP) and predictor h (2-layer bottleneck
 * MLP); the loss D(p1, stopgrad(z2))/2 + D(p2, stopgrad(z1))/2 with D the negative cosine
 * similarity (Algorithm 1). No negatives, no momentum encoder: the stop-gradient prevents
 * collapse.
 */
export class SimSiam extends Method {
  readonly methodName = 'simsiam';
  readonly projectionHead: SimSiamProjectionHead;
  readonly predictionHead: SimSiamPredictionHead;
  readonly criterion = new NegativeCosineSimilarity();

  constructor(o: MethodOptions) {
    super(o);
    const d = headDims(this.backbone.featureDim, o, { hidden: 2048, output: 2048 });
    this.projectionHead = this.registerModule('projectionHead', new SimSiamProjectionHead({
      inputDim: this.backbone.featureDim, hiddenDim: d.hidden, outputDim: d.output,
    }));
    this.predictionHead = this.registerModule('predictionHead', new SimSiamPredictionHead({
      inputDim: d.output, hiddenDim: Math.max(d.output / 4, 32), outputDim: d.output,
    }));
  }

  forward(views: Tensor[]): Tensor {
    checkViews('SimSiam', views);
    const b = views[0]!.shape[0]!;
    const z = this.projectionHead.forward(this.backbone.forward(cat(views))); // (2B, D)
    const p = this.predictionHead.forward(z); // (2B, D)
    const [z1, z2] = [z.narrow(0, 0, b).detach(), z.narrow(0, b, b).detach()];
    const [p1, p2] = [p.narrow(0, 0, b), p.narrow(0, b, b)];
    return this.criterion.forward(p1, z2).add(this.criterion.forward(p2, z1)).mul(0.5);
  }
}
