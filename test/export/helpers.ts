// Helpers of the ONNX export tests: run a model with onnxruntime-node directly (not through the
// library's wrapper), run the same modules on the engine, and compare.
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { BatchNorm, type AnyModule } from '../../src/nn/index.js';
import { noGrad, rand, randn, scope, setNumThreads, Tensor } from '../../src/index.js';
import { type ExportableModel, type OnnxStage, toOnnx } from '../../src/export/index.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { createEncoder } from '../../src/nn/index.js';

export const { onnx } = onnxProto;

// One intra-op thread: these tests run beside other work on 2 shared cores, where libtorch's
// thread pool spends more time waiting than computing (measured 30x slower under load).
setNumThreads(1);

/** Runs `bytes` once on CPU with onnxruntime-node; returns the output named `output`. */
export async function ortRun(bytes: Uint8Array, input: string, x: Float32Array, dims: readonly number[], output = 'embeddings'): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  try {
    const r = await session.run({ [input]: new ort.Tensor('float32', x, [...dims]) });
    const y = r[output]!;
    return { data: y.data as Float32Array, dims: y.dims };
  } finally {
    await session.release();
  }
}

/** The engine's eval-mode float32 output of `stages` on `x`, as a flat array. */
export function engineRun(stages: readonly OnnxStage[], x: Tensor): Float32Array {
  return noGrad(() => scope(() => {
    let h = x;
    for (const [, m] of stages) h = m.forward(h) as Tensor;
    return h.to('float32').contiguous().data() as Float32Array;
  }));
}

/** max |a - b| and max |b|. */
export function diff(a: Float32Array, b: Float32Array): { maxAbsDiff: number; maxAbs: number } {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (!(e <= d)) d = e; // NaN sticks
    m = Math.max(m, Math.abs(b[i]!));
  }
  return { maxAbsDiff: d, maxAbs: m };
}

/**
 * Gives every BatchNorm of `m` non-trivial statistics and affine parameters: `passes` forwards in
 * training mode on random inputs of `shape` (running statistics move towards the data's), then
 * weight in [0.5, 1.5) and bias ~ 0.1 N(0, 1); leaves `m` in evaluation mode.
 */
export function calibrate(m: AnyModule, shape: readonly number[], passes = 10, input: 'rand' | 'randn' = 'rand'): void {
  m.train();
  noGrad(() => {
    for (let i = 0; i < passes; i++) scope(() => { m.forward(input === 'rand' ? rand(shape) : randn(shape)); });
    scope(() => {
      for (const b of m.modules()) {
        if (!(b instanceof BatchNorm)) continue;
        b.weight?.copy_(rand(b.weight.shape).add(0.5));
        b.bias?.copy_(randn(b.bias.shape).mul(0.1));
      }
    });
  });
  m.eval();
}

/** Exports `stages`, runs onnxruntime and the engine on `x`, and returns the comparison and timings. */
export async function compare(stages: readonly OnnxStage[] | AnyModule, sampleShape: readonly number[], x: Tensor): Promise<{ maxAbsDiff: number; maxAbs: number; exportMs: number; bytes: number; outDims: readonly number[] }> {
  const list: readonly OnnxStage[] = Array.isArray(stages) ? stages : [['', stages as AnyModule]];
  const t0 = performance.now();
  const exp = toOnnx(list, { sampleShape });
  const exportMs = performance.now() - t0;
  const input = scope(() => x.to('float32').contiguous().data() as Float32Array);
  const got = await ortRun(exp.bytes, 'images', input, x.shape);
  const want = engineRun(list, x);
  return { ...diff(got.data, want), exportMs, bytes: exp.bytes.byteLength, outDims: got.dims };
}

/** Multi-band test data: bands (Sentinel-2's 13), side and item count. */
export const BANDS = 13;
export const SIDE = 32;
export const N = 48;
/** Sentinel-2 MSI's 13 bands in file order (ESA). */
export const SENTINEL2_BANDS = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B8A', 'B9', 'B10', 'B11', 'B12'];

let seed = 0;
const lcg = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

/** (N, 13, 32, 32) raw values uniform in [0, 10000) (Sentinel-2 L1C reflectance x 10000), each band its own range; per-band mean and std; the standardised items. */
export function bandData(): { raw: Float32Array; z: Float32Array; mean: number[]; std: number[] } {
  seed = 11; // the same data every call
  const plane = SIDE * SIDE;
  const raw = new Float32Array(N * BANDS * plane);
  for (let i = 0; i < raw.length; i++) {
    const b = Math.floor(i / plane) % BANDS;
    raw[i] = Math.floor((0.3 + 0.7 * (b + 1) / BANDS) * 10000 * lcg());
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let b = 0; b < BANDS; b++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < N; i++) for (let p = 0; p < plane; p++) {
      const v = raw[(i * BANDS + b) * plane + p]!;
      s += v;
      s2 += v * v;
    }
    const m = s / (N * plane);
    mean.push(m);
    std.push(Math.sqrt(s2 / (N * plane) - m * m));
  }
  const z = Float32Array.from(raw, (v, i) => {
    const b = Math.floor(i / plane) % BANDS;
    return (v - mean[b]!) / std[b]!;
  });
  return { raw, z, mean, std };
}


/**
 * A 13-band model as a multi-band run holds it, without a run folder: `encoder` (inChannels 13,
 * BatchNorm calibrated) over a TensorDataset of the standardised items of `bandData()`, labelled
 * in 3 classes, with the data's band statistics and Sentinel-2's band names. Dispose `module`.
 */
export function bandExportable(encoder: string): { model: ExportableModel; module: AnyModule; data: ReturnType<typeof bandData> } {
  const data = bandData();
  const backbone = createEncoder(encoder, { inChannels: BANDS });
  calibrate(backbone, [8, BANDS, SIDE, SIDE], 5, 'randn');
  const ds = new TensorDataset(data.z, { shape: [N, BANDS, SIDE, SIDE], labels: Array.from({ length: N }, (_, i) => i % 3), classes: ['forest', 'river', 'crops'] });
  const model: ExportableModel = {
    stages: [['backbone', backbone]], splits: { train: ds, test: null }, kind: 'embeddings', run: { data: 'in-memory sentinel-2', method: 'simclr', encoder },
    name: `bands-${encoder}`, what: `${encoder} backbone`, metadata: { 'contrastive.encoder': encoder },
    bandStats: { mean: data.mean, std: data.std }, bandNames: SENTINEL2_BANDS,
  };
  return { model, module: backbone, data };
}
