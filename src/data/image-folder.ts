// ImageFolder: a folder of image (or raster) files, indexed at open, decoded on demand through
// its decoders, kept in memory when it fits a budget, else decoded again for every batch.
import { availableParallelism } from 'node:os';
import { extname, join, relative } from 'node:path';
import { checkIndices, type Dataset, type RawBatch } from './dataset.js';
import type { DecodeTarget, FileDecoder, SampleType } from './decoder.js';
import { updateIndex, type IndexEntry } from './folder-index.js';
import { scanClassFolders } from './folder-scan.js';
import { imageDecoder } from './image-decoder.js';
import { rasterDecoder } from './raster.js';
import { Semaphore } from './semaphore.js';

/** Decodes one image file to (C, H, W) bytes (now in image-decoder.ts; re-exported where it always was). */
export { decodeImage } from './image-decoder.js';

/** Where decoded items live: kept once decoded ('memory'), or decoded for every read ('none'). */
export type FolderCache = 'memory' | 'none';

export interface ImageFolderOptions {
  /** Output size: a side (square) or [height, width]. */
  size: number | readonly [number, number];
  /** Images ('uint8' decoders): 3 for RGB (default), 1 for grayscale (luma). Rasters keep their band count. */
  channels?: 1 | 3;
  /**
   * 'cover' (default): scale so the image covers the size, then centre-crop (aspect kept);
   * 'fill': scale each side to the size (aspect not kept).
   */
  fit?: 'cover' | 'fill';
  /** The decoders files are read with, chosen by extension (the first that lists it); default [imageDecoder, rasterDecoder] (jpg, png, webp; tif, tiff, npy). The files read are those of their extensions. */
  decoders?: readonly FileDecoder[];
  /**
   * 'memory': each item is decoded on first read and kept; 'none': nothing decoded is kept, every
   * read decodes its files (any folder size); 'auto' (default): 'memory' when the decoded items
   * (length x C x H x W x 1 byte for uint8 output, 4 for float32) fit `memoryBudget`, else 'none'.
   */
  cache?: 'auto' | FolderCache;
  /** Bytes of decoded items 'auto' keeps in memory at most; default 1 GiB. */
  memoryBudget?: number;
  /** @deprecated use `cache: 'memory'` (what `lazy: true` now means: nothing is decoded at open any more). */
  lazy?: boolean;
  /** Probes and decodes in flight at once, across every concurrent read of the dataset; default 2 x the cores. */
  concurrency?: number;
  /** Told once per unreadable file (path and reason); default: a line on stderr. */
  onWarning?: (message: string) => void;
  /** float32 output (rasters) only: read gives (x - mean[c]) / std[c] per band c (lengths C, std > 0). Images are normalised by augmentation's Normalize. */
  normalize?: { mean: readonly number[]; std: readonly number[] };
}

/** A file that could not be read (probed at open, or decoded in `read`). */
export interface SkippedFile {
  path: string;
  reason: string;
}

const GIB = 1024 ** 3;

/** Which decoder reads each file (by extension), or an Error naming a file of each when the folder needs two. */
function pickDecoder(root: string, files: readonly string[], decoders: readonly FileDecoder[]): FileDecoder {
  const byExt = new Map<string, FileDecoder>();
  for (const d of [...decoders].reverse()) for (const e of d.extensions) byExt.set(e.toLowerCase(), d); // the first decoder listing an extension wins
  const first = new Map<FileDecoder, string>();
  for (const f of files) {
    const d = byExt.get(extname(f).toLowerCase())!;
    if (!first.has(d)) first.set(d, f);
  }
  if (first.size > 1) {
    const [[a, fa], [b, fb]] = [...first.entries()] as [[FileDecoder, string], [FileDecoder, string]];
    throw new Error(`ImageFolder: the files under '${root}' need two decoders: ${relative(root, fa)} (${a.name}) and ${relative(root, fb)} (${b.name}); keep one kind of file per folder`);
  }
  return [...first.keys()][0]!;
}

/** The item channels: the images' configured 1 or 3, or the rasters' band count (the same in every file). */
function itemChannels(root: string, decoder: FileDecoder, entries: readonly IndexEntry[], channels: 1 | 3): number {
  if (decoder.output === 'uint8') return channels;
  const c0 = entries[0]!.info!.channels;
  const other = entries.find((e) => e.info!.channels !== c0);
  if (other) throw new Error(`ImageFolder: mixed band counts under '${root}': ${entries[0]!.path} has ${c0} bands, ${other.path} has ${other.info!.channels}`);
  return c0;
}

/** The checked per-band normalisation, or an Error naming the bad value. */
function checkNormalize(n: ImageFolderOptions['normalize'], output: 'uint8' | 'float32', c: number): { mean: readonly number[]; std: readonly number[] } | null {
  if (n === undefined) return null;
  if (output === 'uint8') throw new TypeError('ImageFolder: normalize is for float32 rasters; images are normalised by the augmentation (Normalize)');
  if (!Array.isArray(n.mean) || n.mean.length !== c) throw new RangeError(`ImageFolder: normalize.mean must have ${c} values (one per band), got ${JSON.stringify(n.mean)}`);
  if (!Array.isArray(n.std) || n.std.length !== c) throw new RangeError(`ImageFolder: normalize.std must have ${c} values (one per band), got ${JSON.stringify(n.std)}`);
  n.mean.forEach((m, i) => { if (!Number.isFinite(m)) throw new RangeError(`ImageFolder: normalize.mean[${i}] must be finite, got ${m}`); });
  n.std.forEach((s, i) => { if (!(Number.isFinite(s) && s > 0)) throw new RangeError(`ImageFolder: normalize.std[${i}] must be positive, got ${s}`); });
  return { mean: [...n.mean], std: [...n.std] };
}

/**
 * Images in a folder, as torchvision's `ImageFolder`: a sub-folder per class (searched
 * recursively; classes sorted by name, label i = classes[i]) means labelled; a folder of files
 * only means unlabelled. Each file is read by a `FileDecoder` (by extension; default images: jpg,
 * png, webp through sharp), resized to a set size, into (C, H, W) items: uint8 bytes for images,
 * float32 band values for rasters.
 *
 * Opening indexes the folder (each file's header, cached in `<root>/.contrastive-index.json`, see
 * `updateIndex`) and decodes nothing; `read` decodes on demand, at most `concurrency` files at
 * once, keeping the items when `cacheMode` is 'memory'. A file that cannot be probed at open is
 * left out of the dataset; one that cannot be decoded in `read` (corrupt, truncated, deleted) is
 * left out of its batch and never retried; either is counted in `skipped` and reported once with
 * its path (`onWarning`). A missing path, a file given as root, a folder with no readable file,
 * one needing two decoders or holding rasters of different band counts is an Error.
 * Open with `await ImageFolder.open(root, options)`.
 */
export class ImageFolder implements Dataset {
  readonly root: string;
  readonly sampleShape: readonly [number, number, number];
  readonly classes: readonly string[];
  readonly fit: 'cover' | 'fill';
  /** What `read` returns: 'uint8' bytes (images) or 'float32' values (rasters). */
  readonly output: 'uint8' | 'float32';
  /** The files' stored sample type (of the first file; each is converted to `output`). */
  readonly sampleType: SampleType;
  /** Band names, from the first file that declares them; null when none does. */
  readonly bandNames: readonly string[] | null;
  /** Whether decoded items are kept ('memory') or decoded on every read ('none'). */
  readonly cacheMode: FolderCache;
  /** The per-band normalisation `read` applies (float32 output), or null. */
  readonly normalize: { readonly mean: readonly number[]; readonly std: readonly number[] } | null;
  readonly skipped: SkippedFile[] = [];
  #entries: IndexEntry[];
  #options: ImageFolderOptions;
  #files: string[];
  #labels: Int32Array | null;
  #decoder: FileDecoder;
  #items: (Uint8Array | Float32Array | undefined)[] = [];
  #unreadable: Uint8Array;
  #inFlight = new Map<number, Promise<Uint8Array | Float32Array | null>>();
  #limit: Semaphore;
  #warn: (message: string) => void;

  private constructor(root: string, entries: IndexEntry[], classes: string[], decoder: FileDecoder, shape: [number, number, number], o: ImageFolderOptions, warn: (m: string) => void) {
    this.root = root;
    this.#entries = entries;
    this.#options = o;
    this.#files = entries.map((e) => join(root, e.path));
    this.#labels = classes.length > 0 ? Int32Array.from(entries, (e) => e.label) : null;
    this.classes = classes;
    this.#decoder = decoder;
    this.output = decoder.output;
    this.sampleShape = shape;
    this.fit = o.fit ?? 'cover';
    this.sampleType = entries[0]!.info!.sampleType;
    this.bandNames = entries.find((e) => e.info!.bandNames)?.info!.bandNames ?? null;
    this.normalize = checkNormalize(o.normalize, decoder.output, shape[0]);
    const bytes = entries.length * shape[0] * shape[1] * shape[2] * (decoder.output === 'uint8' ? 1 : 4);
    const asked = o.cache ?? (o.lazy ? 'memory' : 'auto');
    this.cacheMode = asked === 'auto' ? (bytes <= (o.memoryBudget ?? GIB) ? 'memory' : 'none') : asked;
    this.#unreadable = new Uint8Array(entries.length);
    this.#limit = new Semaphore(o.concurrency ?? 2 * availableParallelism());
    this.#warn = warn;
  }

  /** Scans and indexes `root` (probing new or changed files); decodes nothing. */
  static async open(root: string, o: ImageFolderOptions): Promise<ImageFolder> {
    if (typeof root !== 'string' || root === '') throw new TypeError('ImageFolder: root must be a folder path');
    if (typeof o !== 'object' || o === null) throw new TypeError('ImageFolder: options must be an object with a size');
    const size = typeof o.size === 'number' ? [o.size, o.size] : o.size;
    if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => Number.isInteger(s) && s > 0)) {
      throw new TypeError(`ImageFolder: size must be a positive integer or [height, width], got ${JSON.stringify(o.size)}`);
    }
    const channels = o.channels ?? 3;
    if (channels !== 1 && channels !== 3) throw new TypeError(`ImageFolder: channels must be 1 or 3, got ${String(o.channels)}`);
    if (o.fit !== undefined && o.fit !== 'cover' && o.fit !== 'fill') throw new TypeError(`ImageFolder: fit must be 'cover' or 'fill', got '${String(o.fit)}'`);
    if (o.cache !== undefined && !['auto', 'memory', 'none'].includes(o.cache)) throw new TypeError(`ImageFolder: cache must be 'auto', 'memory' or 'none', got '${String(o.cache)}'`);
    if (o.memoryBudget !== undefined && !(o.memoryBudget >= 0)) throw new RangeError(`ImageFolder: memoryBudget must be a non-negative number of bytes, got ${String(o.memoryBudget)}`);
    const concurrency = o.concurrency ?? 2 * availableParallelism();
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`ImageFolder: concurrency must be a positive integer, got ${String(o.concurrency)}`);
    const decoders = o.decoders ?? [imageDecoder, rasterDecoder];
    if (!Array.isArray(decoders as unknown) || decoders.length === 0) throw new TypeError('ImageFolder: decoders must be a non-empty array of FileDecoder');
    const extensions = new Set(decoders.flatMap((d) => d.extensions.map((e) => e.toLowerCase())));

    const warn = o.onWarning ?? ((m: string) => process.stderr.write(`${m}\n`));
    const { files, labels, classes } = await scanClassFolders(root, extensions, { dataset: 'ImageFolder', files: 'images' }, warn);
    const decoder = pickDecoder(root, files, decoders);
    const index = await updateIndex(root, files, labels, () => decoder, concurrency);
    const good = index.entries.filter((e) => e.info);
    const skipped = index.entries.filter((e) => !e.info).map((e) => ({ path: join(root, e.path), reason: e.error ?? 'unreadable' }));
    if (good.length === 0) throw new Error(`ImageFolder: none of the ${files.length} images under '${root}' could be read (${skipped[0]!.path}: ${skipped[0]!.reason})`);
    const shape: [number, number, number] = [itemChannels(root, decoder, good, channels), size[0]!, size[1]!];
    const ds = new ImageFolder(root, good, classes, decoder, shape, o, warn);
    for (const s of skipped) ds.#skip(s.path, s.reason);
    return ds;
  }

  /**
   * The same files standardised per band with `normalize` (rasters: `(x - mean) / std`), as a new
   * dataset on this one's index: nothing is probed again, files found unreadable stay skipped
   * (not reported again), and decoded items are kept apart from this dataset's.
   */
  withNormalize(normalize: NonNullable<ImageFolderOptions['normalize']>): ImageFolder {
    const ds = new ImageFolder(this.root, this.#entries, [...this.classes], this.#decoder, [...this.sampleShape], { ...this.#options, normalize }, this.#warn);
    ds.#unreadable.set(this.#unreadable);
    ds.skipped.push(...this.skipped);
    return ds;
  }

  /** Number of files (those whose header could be read). */
  get length(): number {
    return this.#files.length;
  }

  /** The class of each file, or null when unlabelled. */
  get labels(): Int32Array | null {
    return this.#labels;
  }

  /** The file paths, in dataset order. */
  get files(): readonly string[] {
    return this.#files;
  }

  /** Counts and reports an unreadable file (once: callers mark it first). */
  #skip(path: string, message: string): void {
    const reason = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
    this.skipped.push({ path, reason });
    this.#warn(`ImageFolder: skipping unreadable image ${path} (${reason})`);
  }

  /** Item i (C, H, W), normalised, decoded now unless kept; null when unreadable (reported once). */
  #item(i: number): Promise<Uint8Array | Float32Array | null> {
    const kept = this.#items[i];
    if (kept) return Promise.resolve(kept);
    if (this.#unreadable[i]) return Promise.resolve(null);
    const pending = this.#inFlight.get(i);
    if (pending) return pending; // the same file read by two batches at once is decoded once
    const [c, height, width] = this.sampleShape;
    const target: DecodeTarget = { channels: c, height, width, fit: this.fit };
    const p = this.#limit.use(() => this.#decoder.decode(this.#files[i]!, target)).then((x: Uint8Array | Float32Array): Uint8Array | Float32Array | null => {
      const want = this.output === 'uint8' ? Uint8Array : Float32Array;
      if (!(x instanceof want) || x.length !== c * height * width) throw new Error(`decoded to ${x?.length} ${x?.constructor.name} values, expected ${c * height * width} (${c}, ${height}, ${width}) ${this.output}`);
      if (this.normalize && x instanceof Float32Array) {
        const hw = height * width;
        for (let ch = 0; ch < c; ch++) {
          const m = this.normalize.mean[ch]!;
          const s = this.normalize.std[ch]!;
          for (let p = ch * hw; p < (ch + 1) * hw; p++) x[p] = (x[p]! - m) / s;
        }
      }
      if (this.cacheMode === 'memory') this.#items[i] = x;
      return x;
    }, (e: unknown) => {
      this.#unreadable[i] = 1;
      this.#skip(this.#files[i]!, (e as Error).message);
      return null;
    }).finally(() => this.#inFlight.delete(i));
    this.#inFlight.set(i, p);
    return p;
  }

  /** The items at `indices`, (n, C, H, W) row-major, decoded now unless kept; unreadable ones are left out (`indices` of the result says which came back). */
  async read(indices: Int32Array): Promise<RawBatch> {
    checkIndices('ImageFolder', indices, this.length);
    const items = await Promise.all(Array.from(indices, (i) => this.#item(i)));
    const good = indices.filter((_, k) => items[k] !== null);
    const per = this.sampleShape[0] * this.sampleShape[1] * this.sampleShape[2];
    const data = this.output === 'uint8' ? new Uint8Array(good.length * per) : new Float32Array(good.length * per);
    let k = 0;
    for (const x of items) if (x) data.set(x, per * k++);
    return { data, labels: this.#labels ? Int32Array.from(good, (i) => this.#labels![i]!) : null, indices: Int32Array.from(good) };
  }

  /** Paths relative to the root, for reports. */
  relativePath(i: number): string {
    return relative(this.root, this.#files[i]!);
  }
}
