// Label-based losses and miners by name, for `contrastive train --method metric --loss NAME
// --miner NAME` and configs: adding one is its file plus one line here. (MaximumLossMiner wraps
// a loss and a miner and returns rows, not pairs: it is not a loss's miner, as in PML.)
import { AngularLoss } from './angular-loss.js';
import { ArcFaceLoss } from './arcface-loss.js';
import { CircleLoss } from './circle-loss.js';
import { ContrastiveLoss } from './contrastive-loss.js';
import { CosFaceLoss } from './cosface-loss.js';
import { FastAPLoss } from './fast-ap-loss.js';
import { HistogramLoss } from './histogram-loss.js';
import { InstanceLoss } from './instance-loss.js';
import { LargeMarginSoftmaxLoss } from './large-margin-softmax-loss.js';
import { GeneralizedLiftedStructureLoss, LiftedStructureLoss } from './lifted-structure-loss.js';
import { LogisticLoss } from './logistic-loss.js';
import { MarginLoss } from './margin-loss.js';
import type { MetricLoss } from './metric-loss.js';
import {
  AngularMiner, BaseMiner, BatchAllMiner, BatchEasyHardMiner, BatchHardMiner, DistanceWeightedMiner, HDCMiner, MultiSimilarityMiner, PairMarginMiner,
  TripletMarginMiner, UniformHistogramMiner,
} from './miners/index.js';
import { MultiSimilarityLoss } from './multi-similarity-loss.js';
import { NormalizedSoftmaxLoss } from './normalized-softmax-loss.js';
import { NPairsLoss } from './npairs-loss.js';
import { NTXentLoss } from './ntxent-loss.js';
import { ProxyAnchorLoss } from './proxy-anchor-loss.js';
import { ProxyNCALoss } from './proxy-nca-loss.js';
import { SoftTripleLoss } from './soft-triple-loss.js';
import { SphereFaceLoss } from './sphereface-loss.js';
import { SubCenterArcFaceLoss } from './subcenter-arcface-loss.js';
import { SupConLoss } from './supcon-loss.js';
import { TripletMarginLoss } from './triplet-margin-loss.js';
import { TupletMarginLoss } from './tuplet-margin-loss.js';

/** What a loss is built from: the embedding width and class count (proxy losses), a miner, and its own options. */
export interface LossContext {
  embeddingSize: number;
  numClasses: number;
  miner: BaseMiner | null;
  /** The loss's options (camelCase, as its class takes them), e.g. `{ margin: 0.2 }`. */
  options: Readonly<Record<string, unknown>>;
}

/** How a named loss is built and trained. */
interface LossEntry {
  /** A pair, triplet or anchor loss (takes `options` and a miner). */
  pairs?: new (o: Record<string, unknown>) => MetricLoss;
  /** A proxy or classification loss (takes `numClasses`, `embeddingSize` and `options`; no miner). */
  proxies?: new (o: Record<string, unknown>) => MetricLoss;
  /**
   * The learning rate of the loss's own parameters (proxies, class weights), as a multiple of
   * the model's: their own optimizer group, as PML documents. 1 unless the paper says otherwise.
   */
  lrScale?: number;
}

type AnyOptions = new (o: Record<string, unknown>) => MetricLoss;
const pairs = (L: unknown): LossEntry => ({ pairs: L as AnyOptions });
const proxies = (L: unknown, lrScale?: number): LossEntry => ({ proxies: L as AnyOptions, ...(lrScale ? { lrScale } : {}) });

/** Every loss `--loss` accepts, by its kebab-case name. */
const LOSSES = {
  angular: pairs(AngularLoss),
  arcface: proxies(ArcFaceLoss),
  circle: pairs(CircleLoss),
  contrastive: pairs(ContrastiveLoss),
  cosface: proxies(CosFaceLoss),
  'fast-ap': pairs(FastAPLoss),
  'generalized-lifted-structure': pairs(GeneralizedLiftedStructureLoss),
  histogram: pairs(HistogramLoss),
  instance: pairs(InstanceLoss),
  'large-margin-softmax': proxies(LargeMarginSoftmaxLoss),
  'lifted-structure': pairs(LiftedStructureLoss),
  logistic: pairs(LogisticLoss),
  margin: pairs(MarginLoss),
  'multi-similarity': pairs(MultiSimilarityLoss),
  'normalized-softmax': proxies(NormalizedSoftmaxLoss),
  npairs: pairs(NPairsLoss),
  ntxent: pairs(NTXentLoss),
  // "the learning rate of proxies is scaled up by 100 for faster convergence" (Kim et al. 2020, Sec. 4.1).
  'proxy-anchor': proxies(ProxyAnchorLoss, 100),
  'proxy-nca': proxies(ProxyNCALoss),
  // Centres at 0.01 against the backbone's 1e-4 (Qian et al. 2019, Sec. 5.1).
  'soft-triple': proxies(SoftTripleLoss, 100),
  sphereface: proxies(SphereFaceLoss),
  'subcenter-arcface': proxies(SubCenterArcFaceLoss),
  supcon: pairs(SupConLoss),
  triplet: pairs(TripletMarginLoss),
  'tuplet-margin': pairs(TupletMarginLoss),
} as const satisfies Record<string, LossEntry>;

/** Every miner `--miner` accepts. */
const MINERS = {
  angular: AngularMiner,
  'batch-all': BatchAllMiner,
  'batch-easy-hard': BatchEasyHardMiner,
  'batch-hard': BatchHardMiner,
  'distance-weighted': DistanceWeightedMiner,
  hdc: HDCMiner,
  'multi-similarity': MultiSimilarityMiner,
  'pair-margin': PairMarginMiner,
  'triplet-margin': TripletMarginMiner,
  'uniform-histogram': UniformHistogramMiner,
} as const satisfies Record<string, new (o?: never) => BaseMiner>;

export type LossName = keyof typeof LOSSES;
export type MinerName = keyof typeof MINERS;
export const LOSS_NAMES = Object.keys(LOSSES).sort() as [LossName, ...LossName[]];
export const MINER_NAMES = Object.keys(MINERS).sort() as [MinerName, ...MinerName[]];

function entry(name: string): LossEntry {
  const e = (LOSSES as Record<string, LossEntry>)[name];
  if (!e) throw new TypeError(`unknown loss '${name}'; known: ${LOSS_NAMES.join(', ')}`);
  return e;
}

/** Whether the loss named `name` learns proxies or class weights (and so needs the class count). */
export function lossHasProxies(name: string): boolean {
  return entry(name).proxies !== undefined;
}

/** The learning-rate multiple of the named loss's own parameters. */
export function lossLrScale(name: string): number {
  return entry(name).lrScale ?? 1;
}

/** Builds the loss named `name`; an unknown name, a miner for a proxy loss or a bad option is an error naming it. */
export function createLoss(name: string, c: LossContext): MetricLoss {
  const e = entry(name);
  if (e.proxies) {
    if (c.miner) throw new TypeError(`loss '${name}' compares embeddings with learned class weights and takes no miner`);
    return new e.proxies({ numClasses: c.numClasses, embeddingSize: c.embeddingSize, ...c.options });
  }
  return new e.pairs!({ ...c.options, ...(c.miner ? { miner: c.miner } : {}) });
}

/** Builds the miner named `name` with its options; an unknown name is an error listing the known ones. */
export function createMiner(name: string, options: Readonly<Record<string, unknown>> = {}): BaseMiner {
  const M = (MINERS as Record<string, new (o: Record<string, unknown>) => BaseMiner>)[name];
  if (!M) throw new TypeError(`unknown miner '${name}'; known: ${MINER_NAMES.join(', ')}`);
  return new M({ ...options });
}
