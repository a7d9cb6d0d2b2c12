// Helpers of the ONNX export tests: run a model with onnxruntime-node directly (not through the
// library's wrapper), run the same modules on the engine, and compare.
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { BatchNorm, type AnyModule } from '../../src/nn/index.js';
import { noGrad, rand, randn, scope, setNumThreads, Tensor } from '../../src/index.js';
import { type OnnxStage, toOnnx } from '../../src/export/index.js';

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
