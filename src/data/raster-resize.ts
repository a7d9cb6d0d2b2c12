// Resizing multi-band rasters (C, H, W) in float: antialiased bilinear, as PyTorch's
// `F.interpolate(mode='bilinear', antialias=True, align_corners=False)`, 'cover' or 'fill'.

/** Each output index's first input index, tap count and normalised weights (a triangle filter widened by the scale when shrinking). */
interface Taps {
  start: Int32Array;
  size: Int32Array;
  weights: Float64Array; // (out, maxSize)
  maxSize: number;
}

/**
 * The taps of PyTorch's antialiased bilinear resampling of `input` samples to `output`
 * (aten/src/ATen/native/cpu/UpSampleKernel.cpp, `_compute_indices_weights_aa`): scale =
 * in / out, support = max(scale, 1), centre of output i = scale (i + 0.5), weights
 * max(0, 1 - |x|) at x = (j - centre + 0.5) / max(scale, 1), normalised to sum 1.
 */
function taps(input: number, output: number): Taps {
  const scale = input / output;
  const support = scale >= 1 ? scale : 1;
  const inv = scale >= 1 ? 1 / scale : 1;
  const maxSize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(output);
  const size = new Int32Array(output);
  const weights = new Float64Array(output * maxSize);
  for (let i = 0; i < output; i++) {
    const centre = scale * (i + 0.5);
    const lo = Math.max(Math.trunc(centre - support + 0.5), 0);
    const n = Math.min(Math.trunc(centre + support + 0.5), input) - lo;
    let total = 0;
    for (let j = 0; j < n; j++) {
      const w = Math.max(0, 1 - Math.abs((j + lo - centre + 0.5) * inv));
      weights[i * maxSize + j] = w;
      total += w;
    }
    for (let j = 0; j < n; j++) weights[i * maxSize + j] = total > 0 ? weights[i * maxSize + j]! / total : 0;
    start[i] = lo;
    size[i] = n;
  }
  return { start, size, weights, maxSize };
}

/** Resamples `src` (C, H, W) to (C, h, w), width first then height (separable, as PyTorch). */
export function resizeBilinearAA(src: Float32Array, c: number, h0: number, w0: number, h: number, w: number): Float32Array {
  let cur = src;
  if (w !== w0) {
    const t = taps(w0, w);
    const out = new Float32Array(c * h0 * w); // (C, H0, w)
    for (let row = 0; row < c * h0; row++) {
      for (let x = 0; x < w; x++) {
        let acc = 0;
        const base = row * w0 + t.start[x]!;
        for (let j = 0; j < t.size[x]!; j++) acc += cur[base + j]! * t.weights[x * t.maxSize + j]!;
        out[row * w + x] = acc;
      }
    }
    cur = out;
  }
  if (h !== h0) {
    const t = taps(h0, h);
    const out = new Float32Array(c * h * w); // (C, h, w)
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        const o = (ch * h + y) * w;
        for (let j = 0; j < t.size[y]!; j++) {
          const wt = t.weights[y * t.maxSize + j]!;
          const from = (ch * h0 + t.start[y]! + j) * w;
          for (let x = 0; x < w; x++) out[o + x]! += cur[from + x]! * wt;
        }
      }
    }
    cur = out;
  }
  return cur === src ? src.slice() : cur;
}

/**
 * Resizes `src` (C, H, W) to (C, h, w): 'fill' resamples each side to the size; 'cover' scales
 * both sides by max(h / H, w / W) (to round(H s) x round(W s), at least h x w), then crops the
 * centre (top floor((rh - h) / 2), left likewise). Antialiased bilinear (`resizeBilinearAA`).
 */
export function resizeRaster(src: Float32Array, c: number, h0: number, w0: number, h: number, w: number, fit: 'cover' | 'fill'): Float32Array {
  if (fit === 'fill') return resizeBilinearAA(src, c, h0, w0, h, w);
  const s = Math.max(h / h0, w / w0);
  const rh = Math.max(h, Math.round(h0 * s));
  const rw = Math.max(w, Math.round(w0 * s));
  const big = resizeBilinearAA(src, c, h0, w0, rh, rw); // (C, rh, rw)
  if (rh === h && rw === w) return big;
  const top = Math.floor((rh - h) / 2);
  const left = Math.floor((rw - w) / 2);
  const out = new Float32Array(c * h * w); // (C, h, w)
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) out.set(big.subarray((ch * rh + top + y) * rw + left, (ch * rh + top + y) * rw + left + w), (ch * h + y) * w);
  }
  return out;
}
