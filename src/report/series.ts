// Sequences drawn small, wherever the report draws images: a line per channel for a few channels,
// a heat-map strip (steps x features) for many. Only each series' valid steps are drawn; every
// series of one figure shares its axes (`SeriesFigure`). Series travel in the page as a few
// bytes each (`SeriesThumb`) and `seriesSvg`, whose source the page inlines, draws them.
import { Buffer } from 'node:buffer';

/** Channels drawn as lines; data with more channels per step is drawn as a heat map. */
export const LINE_CHANNELS = 4;

/** Most points a series keeps: longer ones are reduced (lines: a min and a max per bucket, heat maps: bucket means). */
export const SERIES_MAX_POINTS = 128;

/** Most features a heat map shows: the first ones (the page notes it). */
export const HEATMAP_MAX_FEATURES = 32;

/** Line colours by channel: distinct from the galleries' blue, green and red frames. */
const LINE_COLOURS = ['#4e79a7', '#f28e2b', '#76b7b2', '#b07aa1'];

/** The axes every series of one figure (the map, the galleries, the views grid) is drawn on. */
export interface SeriesFigure {
  /** 'lines': a line per channel (at most LINE_CHANNELS); 'heatmap': features down, steps across. */
  style: 'lines' | 'heatmap';
  /** The time axis: the dataset's T. Step i of every series is at the same place; a shorter series ends early. */
  steps: number;
  /** Channels (features per step) of the data. */
  channels: number;
  /** Channels drawn: all for lines, the first HEATMAP_MAX_FEATURES for a heat map. */
  shown: number;
  /** The value scale over the figure's valid steps: the lines' y axis, the heat map's colour range. */
  min: number;
  max: number;
  /** Line colour of each channel drawn (empty for a heat map). */
  colours: string[];
}

/** One series ready to draw on its figure: its valid steps, quantized. */
export interface SeriesThumb {
  /** The series' valid steps (its length), in [1, steps]. */
  length: number;
  /**
   * Base64 of P x shown bytes, point-major (P <= SERIES_MAX_POINTS, the valid steps or their
   * reduction), each value mapped from the figure's [min, max] to 0..255.
   */
  q: string;
}

/** One series as the report reads it: its valid steps only, (length, C) row-major, values as the loader gives them. */
export interface SeriesValues {
  length: number;
  values: Float32Array;
}

/** The figure of `series` (each (length, C) of data shaped (T, C)): the style by C, the value range over the valid steps of the channels drawn. */
export function seriesFigure(series: readonly (SeriesValues | null)[], sampleShape: readonly number[]): SeriesFigure {
  if (sampleShape.length !== 2) throw new RangeError(`seriesFigure: sampleShape must be (T, C), got [${sampleShape.join(', ')}]`);
  const [steps, channels] = sampleShape as [number, number];
  const style = channels <= LINE_CHANNELS ? 'lines' : 'heatmap';
  const shown = style === 'lines' ? channels : Math.min(channels, HEATMAP_MAX_FEATURES);
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    if (!s) continue;
    for (let k = 0; k < s.length * channels; k++) {
      const v = s.values[k]!;
      if (k % channels < shown && Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  if (!(min < max)) [min, max] = Number.isFinite(min) ? [min - 0.5, min + 0.5] : [0, 1]; // flat (or empty): the middle of the range
  return { style, steps, channels, shown, min, max, colours: style === 'lines' ? LINE_COLOURS.slice(0, shown) : [] };
}

/**
 * Series `s` on figure `fig`: its valid steps (reduced to SERIES_MAX_POINTS when longer: for lines
 * the min and the max of each of SERIES_MAX_POINTS / 2 buckets, in step order, so that spikes stay,
 * M4-style (Jugel et al. 2014); for heat maps each bucket's mean), quantized to 0..255 on the
 * figure's range.
 */
export function seriesThumb(s: SeriesValues, fig: SeriesFigure): SeriesThumb {
  if (!Number.isInteger(s.length) || s.length < 1 || s.length > fig.steps) {
    throw new RangeError(`seriesThumb: length must be an integer in [1, ${fig.steps}], got ${s.length}`);
  }
  if (s.values.length < s.length * fig.channels) throw new RangeError(`seriesThumb: ${s.values.length} values for ${s.length} steps of ${fig.channels} channels`);
  const c = fig.channels;
  const at = (step: number, ch: number): number => s.values[step * c + ch]!;
  const lines = fig.style === 'lines';
  const buckets = s.length <= SERIES_MAX_POINTS ? s.length : lines ? SERIES_MAX_POINTS / 2 : SERIES_MAX_POINTS;
  const per = buckets === s.length ? 1 : lines ? 2 : 1; // points per bucket
  const points = buckets * per;
  const out = new Float32Array(points * fig.shown); // (P, shown)
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * s.length) / buckets);
    const hi = Math.max(lo + 1, Math.floor(((b + 1) * s.length) / buckets)); // steps [lo, hi)
    for (let ch = 0; ch < fig.shown; ch++) {
      if (hi - lo === 1) {
        for (let j = 0; j < per; j++) out[(b * per + j) * fig.shown + ch] = at(lo, ch);
      } else if (lines) {
        let iMin = lo;
        let iMax = lo;
        for (let i = lo; i < hi; i++) {
          if (at(i, ch) < at(iMin, ch)) iMin = i;
          if (at(i, ch) > at(iMax, ch)) iMax = i;
        }
        const [first, second] = iMin <= iMax ? [iMin, iMax] : [iMax, iMin];
        out[b * 2 * fig.shown + ch] = at(first, ch);
        out[(b * 2 + 1) * fig.shown + ch] = at(second, ch);
      } else {
        let sum = 0;
        for (let i = lo; i < hi; i++) sum += at(i, ch);
        out[b * fig.shown + ch] = sum / (hi - lo);
      }
    }
  }
  const span = fig.max - fig.min;
  const q = Uint8Array.from(out, (v) => (Number.isFinite(v) ? Math.min(255, Math.max(0, Math.round(((v - fig.min) / span) * 255))) : 0));
  return { length: s.length, q: Buffer.from(q).toString('base64') };
}

/**
 * Series `s` drawn on `fig` as an SVG element `width` x `height` pixels: the time axis spans the
 * figure's T steps (step i in the i-th of T columns), so only the valid steps are drawn and the
 * padding after them is shaded; lines share the figure's y range, a heat map its colour range
 * (viridis, dark purple = min, yellow = max; its pixels an inline 8-bit BMP). Self-contained: the
 * page inlines this function's source to draw the map's hover previews (it uses only its
 * arguments and `atob`/`btoa`, which Node and browsers both have).
 */
export function seriesSvg(s: SeriesThumb, fig: SeriesFigure, width: number, height: number): string {
  const bytes = atob(s.q);
  const shown = fig.shown;
  const points = bytes.length / shown;
  const r = (v: number): string => String(Math.round(v * 10) / 10);
  const span = (s.length / fig.steps) * width; // the valid steps' share of the width
  const parts: string[] = [];
  if (fig.style === 'lines') {
    const pad = 2;
    const y = (q: number): string => r(height - pad - (q / 255) * (height - 2 * pad));
    for (let ch = 0; ch < shown; ch++) {
      const xy: string[] = [];
      if (points === 1) {
        const v = y(bytes.charCodeAt(ch));
        xy.push(`0,${v}`, `${r(span)},${v}`); // one step: a level across its column
      } else {
        for (let p = 0; p < points; p++) {
          const step = (p * (s.length - 1)) / (points - 1); // where point p falls among the valid steps
          xy.push(`${r(((step + 0.5) / fig.steps) * width)},${y(bytes.charCodeAt(p * shown + ch))}`);
        }
      }
      parts.push(`<polyline points='${xy.join(' ')}' fill='none' stroke='${fig.colours[ch] ?? '#1f2328'}' stroke-width='1.2' stroke-linejoin='round'/>`);
    }
  } else {
    // An 8-bit top-down BMP, features down and points across, on a 64-colour viridis palette.
    const anchors = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    const levels = 64;
    const rowBytes = Math.ceil(points / 4) * 4;
    const offset = 14 + 40 + 4 * levels;
    const size = offset + rowBytes * shown;
    const b = new Array<number>(size).fill(0);
    const u32 = (at: number, v: number): void => { for (let k = 0; k < 4; k++) b[at + k] = (v >>> (8 * k)) & 255; };
    b[0] = 66; b[1] = 77; // 'BM'
    u32(2, size); u32(10, offset); u32(14, 40); u32(18, points); u32(22, -shown); // negative height: rows top-down
    b[26] = 1; b[28] = 8; // one plane, 8 bits a pixel
    u32(46, levels);
    for (let i = 0; i < levels; i++) {
      const t = (i / (levels - 1)) * (anchors.length - 1);
      const j = Math.min(Math.floor(t), anchors.length - 2); // between anchors j and j + 1
      const [a, z] = [anchors[j]!, anchors[j + 1]!];
      for (let k = 0; k < 3; k++) b[54 + 4 * i + 2 - k] = Math.round(a[k]! + (t - j) * (z[k]! - a[k]!)); // B, G, R
    }
    for (let ch = 0; ch < shown; ch++) {
      for (let p = 0; p < points; p++) b[offset + ch * rowBytes + p] = bytes.charCodeAt(p * shown + ch) >> 2;
    }
    const bmp = btoa(String.fromCharCode(...b));
    parts.push(`<image href='data:image/bmp;base64,${bmp}' x='0' y='0' width='${r(span)}' height='${height}' preserveAspectRatio='none' style='image-rendering:pixelated'/>`);
  }
  const padding = span < width - 0.05 ? `<rect x='${r(span)}' y='0' width='${r(width - span)}' height='${height}' fill='#eef1f4'/>` : '';
  return `<svg xmlns='http://www.w3.org/2000/svg' class='series' width='${width}' height='${height}' viewBox='0 0 ${width} ${height}' data-length='${s.length}'>`
    + `<rect width='${width}' height='${height}' fill='#fff'/>${padding}${parts.join('')}</svg>`;
}
