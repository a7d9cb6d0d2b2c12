// The browser example: embeds a dropped (or chosen) image with the exported ONNX encoder in
// onnxruntime-web (WebAssembly, one thread) and lists its nearest neighbours in the exported
// index by exact cosine similarity. Everything runs client-side.
//
// Image models take a dropped image (JPEG, PNG, ...); multi-band models (index.json has `bands`)
// take a (C, H, W) NumPy .npy array or a GeoTIFF of raw band values, fed as they are (the model
// standardises them).
//
// It reads data/index.json, written by `contrastive export ... --index-for-browser DIR` (served
// as data/ by serve.mjs): the model file, its input and output names, the preprocessing, the
// embeddings file (count x dim float32, rows L2-normalised) and each item's id, label and thumbnail.
import * as ort from './ort/ort.wasm.min.mjs';
import { resizeRaster } from './lib/raster-resize.js'; // the library's own resampling (dist/src/data), as ImageFolder reads rasters

ort.env.wasm.wasmPaths = new URL('ort/', document.baseURI).href;
ort.env.wasm.numThreads = 1; // no SharedArrayBuffer needed, so no cross-origin isolation
ort.env.wasm.proxy = false;

const DATA = new URL('data/', document.baseURI);
const TOP_K = 10;

const $ = (id) => document.getElementById(id);
const setState = (state, message) => {
  document.body.dataset.state = state;
  $('status').textContent = message;
};

/** sRGB byte -> linear light, for the 256 byte values. */
const SRGB_TO_LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/** Linear light -> sRGB value in [0, 255] (not rounded). */
function linearToSrgb(y) {
  const c = y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055;
  return 255 * Math.min(1, Math.max(0, c));
}

/**
 * An image as the model's input (1, C, H, W), exactly as evaluation feeds the backbone:
 * cover-resized and centre-cropped to H x W (as the ImageFolder dataset does; the resampling
 * filter is the canvas's, not libvips' lanczos3), transparent areas on black, for one channel the
 * Rec. 709 luminance in linear light re-encoded to sRGB and rounded to a byte (as sharp's
 * grayscale), then every byte times `scale` (1 / 255: images in [0, 1], no mean/std).
 */
function toInput(bitmap, p) {
  const { channels: C, height: H, width: W, scale } = p;
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, W, H);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  const s = Math.max(W / bitmap.width, H / bitmap.height); // cover
  const sw = W / s;
  const sh = H / s;
  ctx.drawImage(bitmap, (bitmap.width - sw) / 2, (bitmap.height - sh) / 2, sw, sh, 0, 0, W, H);
  const image = ctx.getImageData(0, 0, W, H);
  const rgba = image.data;
  const hw = H * W;
  const x = new Float32Array(C * hw);
  for (let i = 0; i < hw; i++) {
    const r = rgba[4 * i];
    const g = rgba[4 * i + 1];
    const b = rgba[4 * i + 2];
    if (C === 1) {
      const y = 0.2126 * SRGB_TO_LINEAR[r] + 0.7152 * SRGB_TO_LINEAR[g] + 0.0722 * SRGB_TO_LINEAR[b];
      const v = Math.round(linearToSrgb(y));
      x[i] = v * scale;
      rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = v; // show the gray the model gets
    } else {
      x[i] = r * scale;
      x[hw + i] = g * scale;
      x[2 * hw + i] = b * scale;
    }
  }
  ctx.putImageData(image, 0, 0);
  return { x, canvas };
}

/** What a file holds, from its first bytes: 'npy' (NumPy magic), 'tiff' (II*\0 or MM\0*), else 'image'. */
function fileKind(head) {
  if (head.length >= 6 && head[0] === 0x93 && String.fromCharCode(...head.subarray(1, 6)) === 'NUMPY') return 'npy';
  if (head.length >= 4 && ((head[0] === 0x49 && head[1] === 0x49 && head[2] === 42 && head[3] === 0) || (head[0] === 0x4d && head[1] === 0x4d && head[2] === 0 && head[3] === 42))) return 'tiff';
  return 'image';
}

/** The NumPy dtypes a dropped .npy may hold (little-endian; '|u1' is how NumPy writes uint8). */
const NPY_DTYPES = { '|u1': Uint8Array, '<u1': Uint8Array, '<u2': Uint16Array, '<i2': Int16Array, '<f4': Float32Array };

/**
 * Parses a NumPy .npy file (format 1.0, 2.0 or 3.0: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * the magic '\x93NUMPY', major and minor version bytes, the header length (uint16 LE for 1.0,
 * uint32 LE for 2.0 and 3.0), a Python dict literal with 'descr', 'fortran_order' and 'shape',
 * then the data in C order. Returns { values: Float32Array, shape } for a C-order 3-d array of a
 * dtype in NPY_DTYPES; anything else throws an Error saying what it got.
 */
function parseNpy(buffer, name) {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  if (fileKind(bytes) !== 'npy') throw new Error(`${name}: not a NumPy .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) throw new Error(`${name}: unsupported .npy format version ${major}.${bytes[7]}`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${name}: malformed .npy header ${header.trim()}`);
  const Type = NPY_DTYPES[descr];
  if (!Type) throw new Error(`${name}: dtype '${descr}' is not supported (expected uint8, <u2, <i2 or <f4)`);
  if (fortran === 'True') throw new Error(`${name}: the array is in Fortran order; save it in C order (np.ascontiguousarray)`);
  const shape = shapeText.split(',').map((d) => d.trim()).filter((d) => d !== '').map(Number);
  if (shape.length !== 3) throw new Error(`${name}: expected a (C, H, W) array, got shape (${shape.join(', ')})`);
  const count = shape[0] * shape[1] * shape[2];
  const offset = start + headerLen;
  if (buffer.byteLength < offset + count * Type.BYTES_PER_ELEMENT) throw new Error(`${name}: the file ends before the (${shape.join(', ')}) ${descr} data`);
  const data = new Type(buffer.slice(offset, offset + count * Type.BYTES_PER_ELEMENT)); // a copy: aligned for the typed array
  return { values: Float32Array.from(data), shape };
}

let geotiffLoaded = null;

/** geotiff.js's browser bundle (served by serve.mjs at geotiff/), loaded on the first GeoTIFF drop; null when it is not served. */
function loadGeoTiff() {
  geotiffLoaded ??= new Promise((resolve) => {
    const script = document.createElement('script');
    script.src = 'geotiff/geotiff.js';
    script.onload = () => resolve(globalThis.GeoTIFF ?? null);
    script.onerror = () => resolve(null);
    document.head.append(script);
  });
  return geotiffLoaded;
}

/**
 * A GeoTIFF's bands as float32 (C, H, W), through geotiff.js: the first image's samples, or,
 * for a multi-page TIFF of one band per page, every page's.
 */
async function readGeoTiff(buffer, name) {
  const GeoTIFF = await loadGeoTiff();
  if (!GeoTIFF) throw new Error(`GeoTIFF files are not supported in this page (geotiff.js is not served): convert ${name} to a (C, H, W) .npy array`);
  const tiff = await GeoTIFF.fromArrayBuffer(buffer);
  const first = await tiff.getImage(0);
  const [h, w] = [first.getHeight(), first.getWidth()];
  let planes = await first.readRasters();
  const pages = await tiff.getImageCount();
  if (planes.length === 1 && pages > 1) {
    planes = [];
    for (let i = 0; i < pages; i++) {
      const page = await tiff.getImage(i);
      if (page.getHeight() !== h || page.getWidth() !== w) throw new Error(`${name}: page ${i} is ${page.getWidth()}x${page.getHeight()}, page 0 ${w}x${h}`);
      planes.push((await page.readRasters())[0]);
    }
  }
  const values = new Float32Array(planes.length * h * w);
  planes.forEach((p, c) => values.set(p, c * h * w));
  return { values, shape: [planes.length, h, w] };
}

/** Sentinel-2's red, green and blue bands (B4, B3, B2); other band sets show bands 0, 1, 2 (or band 0 as gray). */
function rgbOf(bands) {
  const names = (bands.names ?? []).map((n) => n.trim().toUpperCase().replace(/^B0*/, 'B'));
  const s2 = ['B4', 'B3', 'B2'].map((b) => names.indexOf(b));
  if (s2.every((i) => i >= 0)) return s2;
  return bands.count >= 3 ? [0, 1, 2] : [0, 0, 0];
}

/** A canvas showing (C, H, W) band values as an RGB composite, each band stretched from its 2nd to its 98th percentile. */
function bandsCanvas(x, bands, H, W) {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(W, H);
  const hw = H * W;
  rgbOf(bands).forEach((b, k) => {
    const plane = x.subarray(b * hw, (b + 1) * hw);
    const sorted = Float32Array.from(plane).sort();
    const lo = sorted[Math.floor(0.02 * (hw - 1))];
    const hi = sorted[Math.ceil(0.98 * (hw - 1))];
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    for (let i = 0; i < hw; i++) image.data[4 * i + k] = (plane[i] - lo) * scale; // clamped by the Uint8ClampedArray
  });
  for (let i = 0; i < hw; i++) image.data[4 * i + 3] = 255;
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/**
 * A multi-band file (a .npy array or a GeoTIFF) as the model's input (1, C, H, W): its raw values
 * as float32, resized to H x W as training read the files (ImageFolder: antialiased bilinear,
 * scaled to cover H x W, then centre-cropped; the model standardises them); an Error when its
 * band count is not the model's.
 */
async function bandsToInput(buffer, kind, name, p, bands) {
  const { values, shape } = kind === 'npy' ? parseNpy(buffer, name) : await readGeoTiff(buffer, name);
  if (shape[0] !== p.channels) throw new Error(`${name} has ${shape[0]} bands (shape ${shape.join('x')}); this model takes ${p.channels}-band (${p.channels}, H, W) arrays`);
  const x = resizeRaster(Float32Array.from(values), shape[0], shape[1], shape[2], p.height, p.width, 'cover');
  return { x, canvas: bandsCanvas(x, bands, p.height, p.width) };
}

/** The `k` rows of `embeddings` (count x dim, unit rows) with the largest cosine to `q`. */
function nearest(embeddings, count, dim, q, k) {
  let norm = 0;
  for (let j = 0; j < dim; j++) norm += q[j] * q[j];
  const inv = 1 / Math.max(Math.sqrt(norm), 1e-12);
  const scores = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let dot = 0;
    const off = i * dim;
    for (let j = 0; j < dim; j++) dot += embeddings[off + j] * q[j];
    scores[i] = dot * inv;
  }
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  return order.slice(0, k).map((i) => ({ row: i, score: scores[i] }));
}

function render(index, hits) {
  const list = $('results');
  list.replaceChildren(...hits.map(({ row, score }, rank) => {
    const item = index.items[row];
    const li = document.createElement('li');
    li.dataset.id = String(item.id);
    li.dataset.score = score.toFixed(6);
    if (item.label !== null) li.dataset.label = String(item.label);
    const img = document.createElement('img');
    img.src = item.thumbnail;
    img.alt = `${item.class ?? 'image'} #${item.id}`;
    const caption = document.createElement('div');
    caption.textContent = `${rank + 1}. ${item.class ?? ''} #${item.id}`;
    const cos = document.createElement('div');
    cos.className = 'muted';
    cos.textContent = `cosine ${score.toFixed(4)}`;
    li.append(img, caption, cos);
    return li;
  }));
}

async function main() {
  const index = await (await fetch(new URL('index.json', DATA))).json();
  if (index.format !== 'contrastive-browser-index/1') throw new Error(`index.json: unknown format ${index.format}`);
  const e = index.embeddings;
  const embeddings = new Float32Array(await (await fetch(new URL(e.file, DATA))).arrayBuffer());
  if (embeddings.length !== e.count * e.dim) throw new Error(`${e.file}: ${embeddings.length} values, expected ${e.count} x ${e.dim}`);
  const session = await ort.InferenceSession.create(new URL(index.model, DATA).href, { executionProviders: ['wasm'] });
  const p = index.preprocess;
  const multiband = p.input === 'bands';
  const src = index.source ?? {};
  setState('ready', `Ready: ${src.encoder ?? 'model'}${src.head ? ' + projection head' : ''} (${src.method ?? ''}), ${e.dim}-d embeddings; index of ${e.count} ${src.data ?? ''} ${src.split ?? ''} images. Input ${p.channels}x${p.height}x${p.width}${multiband ? ` raw band values (${p.channels}-band .npy or GeoTIFF)` : ''}.`);
  if (multiband) $('file').accept = '.npy,.tif,.tiff';

  let busy = Promise.resolve();
  const query = (file) => {
    busy = busy.then(async () => {
      const name = file.name || 'the file';
      setState('busy', `Embedding ${name}…`);
      const buffer = await file.arrayBuffer();
      const kind = fileKind(new Uint8Array(buffer, 0, Math.min(8, buffer.byteLength)));
      if (multiband && kind === 'image') {
        setState('error', `This model takes ${p.channels}-band images: drop a (${p.channels}, H, W) .npy array or a ${p.channels}-band GeoTIFF, not an image like ${name}.`);
        return;
      }
      if (!multiband && kind !== 'image') {
        setState('error', `${name} is a multi-band ${kind === 'npy' ? '.npy array' : 'TIFF'}: it needs a multi-band model (export a run trained on multi-band images); this model takes ${p.channels === 1 ? 'grayscale' : 'colour'} images (JPEG, PNG, WebP).`);
        return;
      }
      let x;
      let canvas;
      if (multiband) {
        try {
          ({ x, canvas } = await bandsToInput(buffer, kind, name, p, index.bands));
        } catch (err) {
          setState('error', `Could not read ${name}: ${err.message}`);
          return;
        }
      } else {
        let bitmap;
        try {
          bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
        } catch {
          setState('error', `Could not decode ${name} as an image.`);
          return;
        }
        ({ x, canvas } = toInput(bitmap, p));
        bitmap.close();
      }
      globalThis.lastInput = x; // the (C, H, W) values fed, for tests and for a look in the console
      const t0 = performance.now();
      const out = await session.run({ [index.input.name]: new ort.Tensor('float32', x, [1, p.channels, p.height, p.width]) });
      const ms = performance.now() - t0;
      const q = out[index.output.name].data;
      const hits = nearest(embeddings, e.count, e.dim, q, TOP_K);
      canvas.id = 'query-input';
      canvas.setAttribute('aria-label', 'The query as the model sees it');
      $('query-input').replaceWith(canvas);
      $('query-info').textContent = `${file.name || 'image'}: embedded in ${ms.toFixed(1)} ms (onnxruntime-web, wasm, 1 thread).`;
      $('query').hidden = false;
      $('results').dataset.inferMs = ms.toFixed(3);
      render(index, hits);
      setState('done', `${hits.length} nearest neighbours of ${file.name || 'the image'} among ${e.count}.`);
    });
  };

  $('file').addEventListener('change', (ev) => {
    const f = ev.target.files?.[0];
    if (f) query(f);
  });
  const drop = $('drop');
  for (const type of ['dragenter', 'dragover']) {
    drop.addEventListener(type, (ev) => {
      ev.preventDefault();
      drop.classList.add('over');
    });
  }
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    const f = ev.dataTransfer?.files?.[0];
    if (f) query(f);
  });
}

main().catch((err) => setState('error', `Could not start: ${err.message}`));
