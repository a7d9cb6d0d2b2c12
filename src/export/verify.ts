// Checking an exported model against the engine: run it with onnxruntime-node (CPU), an optional package.
import { importOptional } from '../tensor/index.js';

/** One input of a model: float32 values (images, sequences) or int64 ones (lengths), row-major, and their shape. */
export interface OnnxFeed {
  data: Float32Array | BigInt64Array;
  dims: readonly number[];
}

/** An onnxruntime-node session over an exported model. */
export interface OnnxRuntimeSession {
  /** Milliseconds it took to create the session (parse, optimise, allocate). */
  readonly loadMs: number;
  /** The model's input names. */
  readonly inputNames: readonly string[];
  /**
   * Runs the model on `feeds` by input name (a single Float32Array is the first input's, of shape
   * `dims`; feeds the model has no input for are left out) and returns the output, row-major.
   */
  run(feeds: Float32Array | Readonly<Record<string, OnnxFeed>>, dims?: readonly number[]): Promise<{ data: Float32Array; dims: number[] }>;
  release(): Promise<void>;
}

/**
 * Opens the ONNX model `bytes` with onnxruntime-node (CPU execution provider, `threads`
 * intra-op threads, default 1), fed at `input` (and any other inputs by name) and read at `output`.
 */
export async function openOnnxRuntime(bytes: Uint8Array, input: string, output: string, o: { threads?: number } = {}): Promise<OnnxRuntimeSession> {
  const ort = await importOptional<typeof import('onnxruntime-node')>('onnxruntime-node', 'checking an export with onnxruntime (--verify 0 skips it)');
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'], intraOpNumThreads: o.threads ?? 1, interOpNumThreads: 1,
  });
  return {
    loadMs: performance.now() - t0,
    inputNames: session.inputNames,
    async run(feeds, dims) {
      const given: Readonly<Record<string, OnnxFeed>> = feeds instanceof Float32Array ? { [input]: { data: feeds, dims: dims ?? [feeds.length] } } : feeds;
      const inputs = Object.fromEntries(Object.entries(given).filter(([name]) => session.inputNames.includes(name)).map(([name, f]) => [
        name, f.data instanceof BigInt64Array ? new ort.Tensor('int64', f.data, [...f.dims]) : new ort.Tensor('float32', f.data, [...f.dims]),
      ]));
      const result = await session.run(inputs);
      const y = result[output];
      if (!y) throw new Error(`onnxruntime: the model has no output '${output}' (it has ${Object.keys(result).join(', ')})`);
      if (y.type !== 'float32') throw new Error(`onnxruntime: output '${output}' is ${y.type}, expected float32`);
      return { data: y.data as Float32Array, dims: [...y.dims] };
    },
    release: () => session.release(),
  };
}

/** max_i |a_i - b_i| (NaN where either holds a NaN; an error when lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return Number.NaN;
    if (d > m) m = d;
  }
  return m;
}

/** max_i |a_i|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

