// ImageFolder: images on disk (jpg, png, webp), decoded and resized through sharp (libvips).
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import sharp from 'sharp';
import { checkIndices, type Dataset, type RawBatch } from './dataset.js';
import { pool, scanClassFolders } from './folder-scan.js';

export interface ImageFolderOptions {
  /** Output size: a side (square) or [height, width]. */
  size: number | readonly [number, number];
  /** 3 for RGB (default), 1 for grayscale (luma). */
  channels?: 1 | 3;
  /**
   * 'cover' (default): scale so the image covers the size, then centre-crop (aspect kept);
   * 'fill': scale each side to the size (aspect not kept).
   */
  fit?: 'cover' | 'fill';
  /**
   * false (default): decode every file when the folder is opened (counts and reports every
   * unreadable file up front). true: decode on first use, inside `read`, which the loader calls
   * ahead of time (prefetch); each file is still decoded once and kept.
   */
  lazy?: boolean;
  /** File extensions read, lower case; default .jpg .jpeg .png .webp. */
  extensions?: readonly string[];
  /** Decodes in flight while opening; default 2 x the cores. */
  concurrency?: number;
  /** Told once per unreadable file (path and reason); default: a line on stderr. */
  onWarning?: (message: string) => void;
}

/** A file that could not be decoded. */
export interface SkippedFile {
  path: string;
  reason: string;
}

const DEFAULT_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'];

/**
 * Decodes one file to (C, H, W) bytes: EXIF orientation applied, resized ('cover' + centre
 * crop, or 'fill') to height x width, alpha dropped, RGB or grayscale. Throws on a corrupt file.
 */
export async function decodeImage(file: string, height: number, width: number, channels: 1 | 3, fit: 'cover' | 'fill' = 'cover'): Promise<Uint8Array> {
  let img = sharp(file, { failOn: 'warning' }).rotate().resize(width, height, { fit, position: 'centre' });
  img = channels === 1 ? img.grayscale() : img.toColourspace('srgb');
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) throw new Error(`decoded to ${info.width}x${info.height}, expected ${width}x${height}`);
  const c = info.channels;
  const hw = height * width;
  const out = new Uint8Array(channels * hw); // (C, H, W) from sharp's (H, W, c)
  for (let ch = 0; ch < channels; ch++) {
    const from = Math.min(ch, c - 1); // a 1-channel decode fills every RGB channel
    for (let p = 0; p < hw; p++) out[ch * hw + p] = data[p * c + from]!;
  }
  return out;
}

/**
 * Images in a folder, as torchvision's `ImageFolder`: a sub-folder per class (searched
 * recursively; classes sorted by name, label i = classes[i]) means labelled; a folder of image
 * files only means unlabelled. jpg, png and webp are decoded through sharp, resized to a set
 * size, RGB or grayscale, into (C, H, W) uint8 bytes kept in memory (decoded once).
 *
 * An unreadable or corrupt file is skipped, counted in `skipped` and reported once with its
 * path (`onWarning`); it never stops the run. A missing path, a file given as root, or a folder
 * with no image is an Error. Open with `await ImageFolder.open(root, options)`.
 */
export class ImageFolder implements Dataset {
  readonly root: string;
  readonly sampleShape: readonly [number, number, number];
  readonly classes: readonly string[];
  readonly fit: 'cover' | 'fill';
  readonly lazy: boolean;
  readonly skipped: SkippedFile[] = [];
  /** Seconds spent decoding when opened (0 when lazy). */
  decodeSeconds = 0;
  #files: string[];
  #labels: Int32Array | null;
  #data: Uint8Array;
  #state: Uint8Array; // per file: 0 not decoded, 1 decoded, 2 unreadable
  #warn: (message: string) => void;

  private constructor(root: string, files: string[], labels: Int32Array | null, classes: string[], o: ImageFolderOptions, shape: [number, number, number]) {
    this.root = root;
    this.#files = files;
    this.#labels = labels;
    this.classes = classes;
    this.sampleShape = shape;
    this.fit = o.fit ?? 'cover';
    this.lazy = o.lazy ?? false;
    this.#data = new Uint8Array(files.length * shape[0] * shape[1] * shape[2]);
    this.#state = new Uint8Array(files.length);
    this.#warn = o.onWarning ?? ((m) => process.stderr.write(`${m}\n`));
  }

  /** Scans `root` and, unless `lazy`, decodes every image. */
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
    const extensions = new Set((o.extensions ?? DEFAULT_EXTENSIONS).map((e) => e.toLowerCase()));

    const warn = o.onWarning ?? ((m: string) => process.stderr.write(`${m}\n`));
    const { files, labels, classes } = await scanClassFolders(root, extensions, { dataset: 'ImageFolder', files: 'images' }, warn);
    const ds = new ImageFolder(root, files, labels, classes, o, [channels, size[0]!, size[1]!]);
    if (!ds.lazy) {
      const t0 = performance.now();
      await pool(files, o.concurrency ?? 2 * availableParallelism(), async (_, i) => ds.#decode(i));
      ds.decodeSeconds = (performance.now() - t0) / 1000;
      ds.#compact();
      if (ds.length === 0) throw new Error(`ImageFolder: none of the ${files.length} images under '${root}' could be read`);
    }
    return ds;
  }

  /** Number of images (when not lazy: the readable ones). */
  get length(): number {
    return this.#files.length;
  }

  /** The class of each image, or null when unlabelled. */
  get labels(): Int32Array | null {
    return this.#labels;
  }

  /** The image paths, in dataset order. */
  get files(): readonly string[] {
    return this.#files;
  }

  async #decode(i: number): Promise<void> {
    if (this.#state[i] !== 0) return;
    const [c, h, w] = this.sampleShape;
    try {
      const bytes = await decodeImage(this.#files[i]!, h, w, c as 1 | 3, this.fit);
      this.#data.set(bytes, i * c * h * w);
      this.#state[i] = 1;
    } catch (e) {
      if (this.#state[i] !== 0) return;
      this.#state[i] = 2;
      const reason = (e as Error).message.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
      this.skipped.push({ path: this.#files[i]!, reason });
      this.#warn(`ImageFolder: skipping unreadable image ${this.#files[i]} (${reason})`);
    }
  }

  /** Drops the unreadable files after an eager decode, so that every index is a good image. */
  #compact(): void {
    if (this.skipped.length === 0) return;
    const item = this.sampleShape[0] * this.sampleShape[1] * this.sampleShape[2];
    const keepIdx = [...this.#state.keys()].filter((i) => this.#state[i] === 1);
    const data = new Uint8Array(keepIdx.length * item);
    keepIdx.forEach((i, k) => data.set(this.#data.subarray(i * item, (i + 1) * item), k * item));
    this.#data = data;
    this.#files = keepIdx.map((i) => this.#files[i]!);
    if (this.#labels) this.#labels = Int32Array.from(keepIdx, (i) => this.#labels![i]!);
    this.#state = new Uint8Array(keepIdx.length).fill(1);
  }

  /** The images at `indices` (decoding them first when lazy); unreadable ones are left out. */
  async read(indices: Int32Array): Promise<RawBatch> {
    checkIndices('ImageFolder', indices, this.length);
    if (this.lazy) await Promise.all(Array.from(indices, (i) => this.#decode(i)));
    const item = this.sampleShape[0] * this.sampleShape[1] * this.sampleShape[2];
    const good = indices.filter((i) => this.#state[i] === 1);
    const data = new Uint8Array(good.length * item);
    good.forEach((i, k) => data.set(this.#data.subarray(i * item, (i + 1) * item), k * item));
    return { data, labels: this.#labels ? Int32Array.from(good, (i) => this.#labels![i]!) : null, indices: Int32Array.from(good) };
  }

  /** Paths relative to the root, for reports. */
  relativePath(i: number): string {
    return relative(this.root, this.#files[i]!);
  }
}
