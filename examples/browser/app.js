// The browser example: embeds a dropped (or chosen) image with the exported ONNX encoder in
// onnxruntime-web (WebAssembly, one thread) and lists its nearest neighbours in the exported
// index by exact cosine similarity. Everything runs client-side.
//
// It reads data/index.json, written by `contrastive export ... --index-for-browser DIR` (served
// as data/ by serve.mjs): the model file, its input and output names, the preprocessing, the
// embeddings file (count x dim float32, rows L2-normalised) and each item's id, label and thumbnail.
import * as ort from './ort/ort.wasm.min.mjs';

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
  const src = index.source ?? {};
  setState('ready', `Ready: ${src.encoder ?? 'model'}${src.head ? ' + projection head' : ''} (${src.method ?? ''}), ${e.dim}-d embeddings; index of ${e.count} ${src.data ?? ''} ${src.split ?? ''} images. Input ${p.channels}x${p.height}x${p.width}.`);

  let busy = Promise.resolve();
  const query = (file) => {
    busy = busy.then(async () => {
      setState('busy', `Embedding ${file.name || 'the image'}…`);
      let bitmap;
      try {
        bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
      } catch {
        setState('error', `Could not decode ${file.name || 'the file'} as an image.`);
        return;
      }
      const { x, canvas } = toInput(bitmap, p);
      bitmap.close();
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
