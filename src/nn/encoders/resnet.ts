// ResNet-18/34/50 (He et al. 2016), laid out as torchvision's so their state dicts interchange.
import { type Tensor, scope } from '../../tensor/index.js';
import { ReLU } from '../activation.js';
import { Sequential } from '../container.js';
import { Conv2d } from '../conv.js';
import { constant_, kaimingNormal_ } from '../init.js';
import { Flatten, Identity, Linear } from '../linear.js';
import { Module } from '../module.js';
import { BatchNorm2d } from '../norm.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../pooling.js';
import type { Encoder } from './encoder.js';

function conv3x3(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
}

function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/** The block interface ResNet stacks. */
interface Block extends Module {
  readonly bn: BatchNorm2d;
}

/**
 * ResNet's basic block: two 3x3 convolutions and an identity (or 1x1 projection) shortcut,
 * out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); torchvision's `BasicBlock`.
 */
export class BasicBlock extends Module implements Block {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  /** `downsample` is built by the caller first, as torchvision does (its draws come first). */
  constructor(inPlanes: number, planes: number, stride: number, downsample: Sequential | null) {
    super();
    this.conv1 = this.registerModule('conv1', conv3x3(inPlanes, planes, stride));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.relu = this.registerModule('relu', new ReLU(true));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.downsample = this.registerModule('downsample', downsample);
  }

  get bn(): BatchNorm2d {
    return this.bn2;
  }

  forward(x: Tensor): Tensor {
    return scope(() => {
      let out = this.relu.forward(this.bn1.forward(this.conv1.forward(x))); // (N, planes, H/s, W/s)
      out = this.bn2.forward(this.conv2.forward(out));
      const identity = this.downsample ? this.downsample.forward(x) : x;
      out.add_(identity);
      return this.relu.forward(out);
    });
  }
}

/**
 * ResNet's bottleneck block (v1.5: the stride on the 3x3 convolution, as torchvision):
 * 1x1 reduce, 3x3, 1x1 expand (x4), plus the shortcut; torchvision's `Bottleneck`.
 */
export class Bottleneck extends Module implements Block {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly relu: ReLU;
  readonly downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride: number, downsample: Sequential | null) {
    super();
    this.conv1 = this.registerModule('conv1', conv1x1(inPlanes, planes));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes, stride));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.registerModule('conv3', conv1x1(planes, planes * 4));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(planes * 4));
    this.relu = this.registerModule('relu', new ReLU(true));
    this.downsample = this.registerModule('downsample', downsample);
  }

  get bn(): BatchNorm2d {
    return this.bn3;
  }

  forward(x: Tensor): Tensor {
    return scope(() => {
      let out = this.relu.forward(this.bn1.forward(this.conv1.forward(x))); // (N, planes, H, W)
      out = this.relu.forward(this.bn2.forward(this.conv2.forward(out))); // (N, planes, H/s, W/s)
      out = this.bn3.forward(this.conv3.forward(out)); // (N, 4 planes, H/s, W/s)
      const identity = this.downsample ? this.downsample.forward(x) : x;
      out.add_(identity);
      return this.relu.forward(out);
    });
  }
}

/** Options of the ResNet encoders. */
export interface ResNetOptions {
  /** Input channels (3 for RGB, 1 for grayscale); default 3. */
  inChannels?: number;
  /**
   * The small-image stem: a 3x3 stride-1 first convolution and no max-pool, as lightly and
   * solo-learn use for 32x32 images (CIFAR). Default false (the 7x7 stride-2 ImageNet stem).
   */
  cifarStem?: boolean;
  /** Adds torchvision's classifier `fc` (featureDim -> numClasses); default none (features). */
  numClasses?: number;
  /** Zero the last BatchNorm weight of each block (Goyal et al. 2017); default false. */
  zeroInitResidual?: boolean;
}

type BlockClass = (typeof BasicBlock | typeof Bottleneck);

/**
 * ResNet (He, Zhang, Ren & Sun 2016, "Deep Residual Learning for Image Recognition"), built
 * and initialised as torchvision's `resnet18/34/50`: the same module names, so state dicts
 * (`conv1.weight`, `layer1.0.bn1.running_mean`, `layer2.0.downsample.0.weight`, ...) load into
 * torchvision unchanged, and the same initialisation (convolutions kaiming_normal fan_out
 * relu, BatchNorm weight 1 and bias 0). With the same seed it draws the same weights as
 * torchvision when `fc` is present. Returns features (N, featureDim) after global average
 * pooling, or logits (N, numClasses) when `numClasses` is set.
 */
export class ResNet extends Module implements Encoder {
  readonly featureDim: number;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly maxpool: Module;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly flatten = new Flatten(1);
  readonly fc: Linear | null;
  #inPlanes = 64;

  constructor(block: BlockClass, layers: readonly [number, number, number, number], o: ResNetOptions = {}) {
    super();
    const inChannels = o.inChannels ?? 3;
    this.conv1 = this.registerModule('conv1', o.cifarStem
      ? new Conv2d(inChannels, 64, 3, { stride: 1, padding: 1, bias: false })
      : new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(64));
    this.relu = this.registerModule('relu', new ReLU(true));
    this.maxpool = this.registerModule('maxpool', o.cifarStem ? new Identity() : new MaxPool2d(3, { stride: 2, padding: 1 }));
    this.layer1 = this.registerModule('layer1', this.#makeLayer(block, 64, layers[0], 1));
    this.layer2 = this.registerModule('layer2', this.#makeLayer(block, 128, layers[1], 2));
    this.layer3 = this.registerModule('layer3', this.#makeLayer(block, 256, layers[2], 2));
    this.layer4 = this.registerModule('layer4', this.#makeLayer(block, 512, layers[3], 2));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.featureDim = 512 * block.expansion;
    this.fc = this.registerModule('fc', o.numClasses === undefined ? null : new Linear(this.featureDim, o.numClasses));
    for (const m of this.modules()) {
      if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
      else if (m instanceof BatchNorm2d) {
        constant_(m.weight!, 1);
        constant_(m.bias!, 0);
      }
    }
    if (o.zeroInitResidual) {
      for (const m of this.modules()) if (m instanceof BasicBlock || m instanceof Bottleneck) constant_(m.bn.weight!, 0);
    }
  }

  #makeLayer(block: BlockClass, planes: number, blocks: number, stride: number): Sequential {
    const out = planes * block.expansion;
    const downsample = stride !== 1 || this.#inPlanes !== out
      ? new Sequential(conv1x1(this.#inPlanes, out, stride), new BatchNorm2d(out))
      : null;
    const list: Module[] = [new block(this.#inPlanes, planes, stride, downsample)];
    this.#inPlanes = out;
    for (let i = 1; i < blocks; i++) list.push(new block(this.#inPlanes, planes, 1, null));
    return new Sequential(...list);
  }

  /** Features (N, featureDim), or logits (N, numClasses) with `fc`. Input (N, C, H, W). */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.conv1.inChannels) {
      throw new Error(`ResNet: expected input (N, ${this.conv1.inChannels}, H, W), got shape [${x.shape.join(', ')}]`);
    }
    return scope(() => {
      let h = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x)))); // (N, 64, H', W')
      for (const layer of [this.layer1, this.layer2, this.layer3, this.layer4]) {
        const next = layer.forward(h);
        h.dispose();
        h = next;
      } // (N, featureDim, H'/8, W'/8)
      h = this.flatten.forward(this.avgpool.forward(h)); // (N, featureDim)
      return this.fc ? this.fc.forward(h) : h;
    });
  }
}

/** ResNet-18: basic blocks [2, 2, 2, 2], 512-d features (torchvision `resnet18`). */
export function resnet18(o: ResNetOptions = {}): ResNet {
  return new ResNet(BasicBlock, [2, 2, 2, 2], o);
}

/** ResNet-34: basic blocks [3, 4, 6, 3], 512-d features (torchvision `resnet34`). */
export function resnet34(o: ResNetOptions = {}): ResNet {
  return new ResNet(BasicBlock, [3, 4, 6, 3], o);
}

/** ResNet-50: bottleneck blocks [3, 4, 6, 3], 2048-d features (torchvision `resnet50`). */
export function resnet50(o: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 4, 6, 3], o);
}

