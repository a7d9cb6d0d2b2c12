// `contrastive export`: a run folder's encoder (and optionally projection head) as an ONNX file,
// checked against the engine with onnxruntime-node, and optionally an index for the browser.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { evenlySpaced, inputKind, type Dataset } from '../data/index.js';
import { rgbBands } from '../data/bands.js';
import { writeFileAtomic } from '../io/index.js';
import { Softmax, type AnyModule } from '../nn/index.js';
import { isFinetuneRun, loadFinetuneRun, loadRun } from '../run/index.js';
import { bandThumbnails, type BrowserIndexSummary, type ExportBands, writeBrowserIndex } from './browser-index.js';
import { OnnxExportError } from './converter.js';
import { type BandStatistics, embedBands, embedImages, embedSequences, readBands, readImages, readSequences, unstandardize } from './engine.js';
import { type OnnxStage, toOnnx } from './export.js';
import { LENGTHS_INPUT } from './sequence.js';
import { maxAbs, maxAbsDiff, type OnnxFeed, openOnnxRuntime } from './verify.js';

/** Options of `exportRun`. */
export interface ExportRunOptions {
  /** The .onnx file to write. */
  onnx: string;
  /** Export backbone + projection head (the loss's embedding space) instead of the backbone alone (a pre-training run). */
  head?: boolean;
  /** A fine-tuning run: output the classifier's softmax probabilities ('probabilities') instead of its logits ('logits'). */
  probabilities?: boolean;
  /** Test items (images or sequences) to compare onnxruntime-node's outputs with the engine's on (default 256; 0 skips). */
  verifyImages?: number;
  /**
   * The largest accepted max |onnxruntime - engine|, relative to max(1, max |engine output|)
   * (default 1e-4). Above it nothing is written and an OnnxExportError is thrown.
   */
  tolerance?: number;
  /** Also write a nearest-neighbour index for examples/browser/ into this folder. */
  indexForBrowser?: string;
  /** Images in that index, spread over the test split (or the train split without one); default 1000. */
  indexLimit?: number;
}

/** What `exportRun` did (the CLI prints it with --json). */
export interface ExportRunResult {
  onnx: string;
  bytes: number;
  head: boolean;
  /** What the model outputs: 'embeddings' (a pre-training run), 'logits' or 'probabilities' (a fine-tuning run's classifier). */
  kind: 'embeddings' | 'logits' | 'probabilities';
  opset: number;
  ir_version: number;
  input: { name: string; shape: (number | string)[] };
  output: { name: string; shape: (number | string)[] };
  nodes: number;
  initializers: number;
  /** Seconds to build and serialise the graph. */
  export_seconds: number;
  verify: null | { images: number; max_abs_diff: number; max_abs_output: number; onnxruntime_load_ms: number; onnxruntime_ms_per_image: number };
  index: BrowserIndexSummary | null;
  /** A multi-band run: its bands and the statistics the graph standardises raw values with; null for images and sequences. */
  bands: ExportBands | null;
}

/** The method's projection head (`projectionHead`), or an error naming the method. */
function projectionHeadOf(method: AnyModule, methodName: string): AnyModule {
  const head = method.namedChildren().find(([n]) => n === 'projectionHead')?.[1];
  if (!head) throw new OnnxExportError(`ONNX export: method ${methodName} has no projection head to export with --head`);
  return head;
}

/**
 * Inputs and the engine's outputs for `n` items of `ds` spread over it: images as pixel bytes / 255
 * at input 'images', or sequences (zero-padded) at 'sequences' with their lengths at 'lengths',
 * or (with `bands`) multi-band images: the engine fed the dataset's standardised values, the
 * model their raw values (the graph standardises them).
 */
async function referenceItems(stages: readonly OnnxStage[], ds: Dataset, n: number, inputName: string, bands: BandStatistics | null) {
  const indices = evenlySpaced(ds.length, n);
  const shape = ds.sampleShape;
  if (bands) {
    const batch = await readBands(ds, indices);
    const k = batch.indices.length;
    return { count: k, feeds: { [inputName]: { data: unstandardize(batch.values, shape, bands), dims: [k, ...shape] } }, ...embedBands(stages, batch) };
  }
  if (inputKind(shape) === 'sequence') {
    const batch = await readSequences(ds, indices);
    const k = batch.indices.length;
    const feeds: Record<string, OnnxFeed> = { [inputName]: { data: batch.values, dims: [k, ...shape] }, [LENGTHS_INPUT]: { data: batch.lengths, dims: [k] } };
    return { count: k, feeds, ...embedSequences(stages, batch) };
  }
  const images = await readImages(ds, indices);
  const { inputs, outputs, dim } = embedImages(stages, images);
  return { count: images.indices.length, feeds: { [inputName]: { data: inputs, dims: [images.indices.length, ...shape] } }, outputs, dim };
}

/**
 * What `exportModel` exports: the modules in order, the data they were trained on (a multi-band
 * run's datasets give items standardised with `bandStats`), and how the model is named and described.
 */
export interface ExportableModel {
  stages: OnnxStage[];
  splits: { train: Dataset; test: Dataset | null };
  kind: ExportRunResult['kind'];
  /** The run's data, method (a pre-training run's) and encoder. */
  run: { data: string; method: string; encoder: string };
  /** The graph's name, and what its doc string says the model is. */
  name: string;
  what: string;
  metadata: Record<string, string>;
  /** A multi-band run's per-band statistics (its items are (raw - mean) / std), else null. */
  bandStats: BandStatistics | null;
  /** A multi-band run's band names, when its files declare them. */
  bandNames?: readonly string[] | null;
}

/** A run folder opened for export: what it exports, and how to free its modules. */
interface ExportSource extends ExportableModel {
  dispose(): void;
}

/** The band names of a dataset of multi-band images, when it declares them (e.g. a folder of GeoTIFFs with band descriptions). */
function bandNamesOf(ds: Dataset): string[] | null {
  const names = (ds as { bandNames?: unknown }).bandNames;
  return Array.isArray(names) && names.length === ds.sampleShape[0] && names.every((n) => typeof n === 'string') ? names as string[] : null;
}

/** Opens `dir` for export on the CPU: a pre-training run's backbone (and head), or a fine-tuning run's classifier (and softmax). */
async function openSource(dir: string, o: ExportRunOptions): Promise<ExportSource> {
  if (isFinetuneRun(dir)) {
    if (o.head) throw new OnnxExportError('ONNX export: --head is for pre-training runs; this is a fine-tuning run, whose model is the classifier (add --probabilities for softmax outputs)');
    const { config: c, splits, classifier } = await loadFinetuneRun(dir, { device: 'cpu' });
    const kind = o.probabilities ? 'probabilities' : 'logits';
    return {
      stages: [['backbone', classifier.backbone], ['head', classifier.head], ...(o.probabilities ? [['softmax', new Softmax(1)] as OnnxStage] : [])],
      splits, kind, run: { data: c.data, method: 'finetune', encoder: c.encoder }, name: `finetune-${c.encoder}-${c.head}`, what: `${c.encoder} classifier (${c.head} head, ${classifier.numClasses} classes, ${kind})`,
      metadata: { 'contrastive.encoder': c.encoder, 'contrastive.head': c.head, 'contrastive.classes': JSON.stringify(splits.train.classes) },
      bandStats: c.bandStats, bandNames: bandNamesOf(splits.train),
      dispose: () => classifier.dispose(),
    };
  }
  if (o.probabilities) throw new OnnxExportError('ONNX export: --probabilities is for fine-tuning runs (a classifier); this run is a pre-training run (export its embeddings, or fine-tune it with contrastive finetune)');
  const { config: c, splits, method } = await loadRun(dir, { device: 'cpu' });
  const stages: OnnxStage[] = [['backbone', method.backbone]];
  try {
    if (o.head) stages.push(['projectionHead', projectionHeadOf(method, c.method)]);
  } catch (e) {
    method.dispose();
    throw e;
  }
  return {
    stages, splits, kind: 'embeddings', run: { data: c.data, method: c.method, encoder: c.encoder }, name: `${c.method}-${c.encoder}${o.head ? '-head' : ''}`,
    what: `${c.method} ${c.encoder} ${o.head ? 'backbone + projection head' : 'backbone'}`,
    metadata: { 'contrastive.method': c.method, 'contrastive.encoder': c.encoder, 'contrastive.head': String(Boolean(o.head)) },
    bandStats: c.bandStats, bandNames: bandNamesOf(splits.train),
    dispose: () => method.dispose(),
  };
}

/** Checks `exportRun` / `exportModel`'s numeric options; returns them with their defaults. */
function checkOptions(o: ExportRunOptions, fn: string): { verifyImages: number; tolerance: number; indexLimit: number } {
  if (typeof o?.onnx !== 'string' || !o.onnx) throw new TypeError(`${fn}: options.onnx must be a file path, got ${String(o?.onnx)}`);
  const verifyImages = o.verifyImages ?? 256;
  const tolerance = o.tolerance ?? 1e-4;
  if (!Number.isInteger(verifyImages) || verifyImages < 0) throw new RangeError(`${fn}: verifyImages must be a non-negative integer, got ${verifyImages}`);
  if (!(tolerance > 0)) throw new RangeError(`${fn}: tolerance must be positive, got ${tolerance}`);
  const indexLimit = o.indexLimit ?? 1000;
  if (!Number.isInteger(indexLimit) || indexLimit < 1) throw new RangeError(`${fn}: indexLimit must be a positive integer, got ${indexLimit}`);
  return { verifyImages, tolerance, indexLimit };
}

/**
 * Exports the run folder `dir` as an ONNX model: a pre-training run's backbone, or with `head`
 * backbone and projection head, output 'embeddings' (N, D); a fine-tuning run's classifier,
 * output 'logits' (N, K), or with `probabilities` its softmax 'probabilities' (N, K). An image
 * run's input is 'images' (N, C, H, W) float32 in [0, 1] at the run's image size, plain float32
 * NCHW whatever the run trained with (channels-last, bf16 autocast); a multi-band run's (its
 * config has `bandStats`) is 'images' (N, C, H, W) float32 raw band values (as stored in the
 * files), standardised per band by the graph's first nodes; a sequence run's are
 * 'sequences' (N, T, C) float32, zero-padded, and 'lengths' (N) int64 (when the encoder honours
 * lengths). Unless `verifyImages` is 0 the model is first run with onnxruntime-node on test items
 * and compared with the engine's float32 forward in evaluation mode; the file is written
 * (atomically) only if it agrees.
 */
export async function exportRun(dir: string, o: ExportRunOptions): Promise<ExportRunResult> {
  checkOptions(o, 'exportRun');
  const source = await openSource(dir, o);
  try {
    return await exportModel(source, o, resolve(dir));
  } finally {
    source.dispose();
  }
}

/**
 * `exportRun` on modules and datasets in memory (no run folder): exports `model`'s stages with
 * `o`'s options, verified on `model.splits` (test split, else train) as `exportRun` does. With
 * `model.bandStats` the datasets hold standardised multi-band items; the ONNX input is their raw
 * values (x * std + mean), standardised by the graph. `runDir` is recorded in the browser index.
 */
export async function exportModel(model: ExportableModel, o: ExportRunOptions, runDir = ''): Promise<ExportRunResult> {
  const { verifyImages, tolerance, indexLimit } = checkOptions(o, 'exportModel');
  const { stages, splits, bandStats } = model;
  const source = model;
  const sampleShape = splits.train.sampleShape;
  const sequences = inputKind(sampleShape) === 'sequence';
  if (bandStats && (sequences || bandStats.mean.length !== sampleShape[0])) {
    throw new OnnxExportError(`ONNX export: bandStats has ${bandStats.mean.length} bands but the data's items are [${sampleShape.join(', ')}] (expected (C, H, W) with C = ${bandStats.mean.length})`);
  }
  const bands: ExportBands | null = bandStats ? {
    count: bandStats.mean.length, ...(model.bandNames ? { names: [...model.bandNames] } : {}), mean: [...bandStats.mean], std: [...bandStats.std],
  } : null;
  if (sequences && o.indexForBrowser) throw new OnnxExportError('ONNX export: the browser index (--index-for-browser) is for image runs; this run trained on sequences');
  if (source.kind !== 'embeddings' && o.indexForBrowser) throw new OnnxExportError('ONNX export: the browser index (--index-for-browser) searches embeddings; export the pre-training run it came from');
  const c = source.run;
  const t0 = performance.now();
  const exp = toOnnx(stages, {
    sampleShape,
    inputName: sequences ? 'sequences' : 'images',
    outputName: source.kind,
    graphName: source.name,
    standardize: bandStats,
    docString: `contrastive ${source.what}, trained on ${c.data}. Input: ${sequences
      ? `sequences (N, ${sampleShape.join(', ')}) float32, zero past each sequence's end, and ${LENGTHS_INPUT} (N) int64`
      : bands ? `images (N, ${bands.count}, H, W) float32, raw band values as stored in the files (the graph standardises them per band)`
        : 'images (N, C, H, W) float32, pixel bytes / 255'}.`,
    metadata: {
      ...source.metadata, 'contrastive.data': c.data, 'contrastive.output': source.kind,
      'contrastive.preprocess': sequences ? 'values as the dataset holds them (uint8 / 255); zero padding'
        : bands ? 'raw band values (float32); the graph computes (x - mean) / std per band (contrastive.bands)'
          : 'pixel bytes / 255, no mean/std; grayscale = Rec. 709 luminance in linear light',
      ...(bands ? { 'contrastive.bands': JSON.stringify(bands) } : {}),
    },
  });
  const exportSeconds = (performance.now() - t0) / 1000;
  const evalSet = splits.test ?? splits.train;

  let verify: ExportRunResult['verify'] = null;
  if (verifyImages > 0) {
    const ref = await referenceItems(stages, evalSet, verifyImages, exp.input.name, bandStats);
    const n = ref.count;
    const session = await openOnnxRuntime(exp.bytes, exp.input.name, exp.output.name);
    try {
      const t1 = performance.now();
      const got = await session.run(ref.feeds);
      const ms = performance.now() - t1;
      const diff = maxAbsDiff(got.data, ref.outputs);
      const scale = maxAbs(ref.outputs);
      verify = { images: n, max_abs_diff: diff, max_abs_output: scale, onnxruntime_load_ms: session.loadMs, onnxruntime_ms_per_image: ms / n };
      if (!(diff <= tolerance * Math.max(1, scale))) {
        throw new OnnxExportError(`ONNX export: onnxruntime's outputs differ from the engine's by ${diff} (max |output| ${scale}, tolerance ${tolerance}); ${o.onnx} not written`);
      }
    } finally {
      await session.release();
    }
  }

  mkdirSync(dirname(resolve(o.onnx)), { recursive: true });
  writeFileAtomic(o.onnx, [exp.bytes]);

  let index: BrowserIndexSummary | null = null;
  if (o.indexForBrowser) {
    const indices = evenlySpaced(evalSet.length, indexLimit);
    const common = {
      model: exp.bytes, inputName: exp.input.name, outputName: exp.output.name, classes: evalSet.classes,
      source: { run: runDir, method: c.method, encoder: c.encoder, data: c.data, head: Boolean(o.head), split: splits.test ? 'test' : 'train' },
    };
    if (bandStats && bands) {
      const batch = await readBands(evalSet, indices);
      const raw = unstandardize(batch.values, sampleShape, bandStats);
      const { outputs, dim } = embedBands(stages, batch);
      const images = { ...bandThumbnails(raw, sampleShape, rgbBands(bands.count, model.bandNames ?? null)), indices: batch.indices, labels: batch.labels };
      index = await writeBrowserIndex(o.indexForBrowser, { ...common, images, embeddings: outputs, dim, bands });
    } else {
      const images = await readImages(evalSet, indices);
      const { outputs, dim } = embedImages(stages, images);
      index = await writeBrowserIndex(o.indexForBrowser, { ...common, images, embeddings: outputs, dim });
    }
  }
  return {
    onnx: resolve(o.onnx), bytes: exp.bytes.byteLength, head: Boolean(o.head), kind: source.kind, opset: exp.opset, ir_version: exp.irVersion,
    input: { name: exp.input.name, shape: [...exp.input.shape] }, output: { name: exp.output.name, shape: [...exp.output.shape] },
    nodes: exp.nodes, initializers: exp.initializers, export_seconds: exportSeconds, verify, index, bands,
  };
}
