// Checking an exported model against the engine: run it with onnxruntime-node (CPU).

/** An onnxruntime-node session over an exported model. */
export interface OnnxRuntimeSession {
  /** Milliseconds it took to create the session (parse, optimise, allocate). */
  readonly loadMs: number;
  /** Runs the model on `data` of shape `dims` fed to the input, and returns the output, row-major. */
  run(data: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: number[] }>;
  release(): Promise<void>;
}

/**
 * Opens the ONNX model `bytes` with onnxruntime-node (CPU execution provider, `threads`
 * intra-op threads, default 1), feeding `input` and reading `output`.
 */
export async function openOnnxRuntime(bytes: Uint8Array, input: string, output: string, o: { threads?: number } = {}): Promise<OnnxRuntimeSession> {
  const ort = await import('onnxruntime-node');
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'], intraOpNumThreads: o.threads ?? 1, interOpNumThreads: 1,
  });
  return {
    loadMs: performance.now() - t0,
    async run(data, dims) {
      const result = await session.run({ [input]: new ort.Tensor('float32', data, [...dims]) });
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

