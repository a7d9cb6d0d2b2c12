// The report page: one self-contained HTML file (ECharts inlined from the npm package, images as
// data: URIs, series as inline SVG, the data as inline JSON), which opens offline and fetches nothing.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { InputKind } from '../data/index.js';
import type { EvaluationResult } from '../eval/index.js';
import type { EpochMetrics, TrainConfig } from '../run/index.js';
import type { Preview } from './items.js';
import { seriesSvg, type SeriesFigure, type SeriesThumb } from './series.js';
import type { ViewGrid } from './views.js';

/** One point of the embedding map: its image (`thumb`) or its series (`series`, on the map's `figure`). */
export interface MapPoint extends Preview {
  x: number;
  y: number;
  /** Class index, or null when the dataset is unlabelled. */
  label: number | null;
  /** Index of the item in its split. */
  index: number;
}

/** The embedding map: UMAP of a subsample of one split. */
export interface EmbeddingMap {
  split: 'test' | 'train';
  /** Items in the split (the map shows `points.length` of them, evenly spaced). */
  total: number;
  points: MapPoint[];
  /** Seconds the UMAP layout took. */
  seconds: number;
  /** Sequences: the axes the points' series share in the hover previews. */
  figure?: SeriesFigure | null;
}

/** One item of a neighbour gallery: its image, or its series on the galleries' `figure`. */
export interface GalleryImage extends Preview {
  /** Index in its split. */
  index: number;
  label: number | null;
}

/** A query and its nearest training items, best first. */
export interface GalleryRow {
  query: GalleryImage;
  neighbours: (GalleryImage & { similarity: number; correct: boolean | null })[];
}

/** The neighbour galleries. */
export interface Galleries {
  querySplit: 'test' | 'train';
  rows: GalleryRow[];
  /** Sequences: the axes every series of the galleries (queries and neighbours) shares. */
  figure?: SeriesFigure | null;
}

/** The report's sections, for notes that replace or qualify one. */
export type SectionId = 'training' | 'evaluation' | 'map' | 'neighbours' | 'views' | 'config';

/** Everything the page shows; `renderReportHtml` turns it into HTML. */
export interface ReportModel {
  /** Heading (the run folder's name). */
  title: string;
  /** The run folder, as given. */
  dir: string;
  config: TrainConfig;
  metrics: EpochMetrics[];
  evaluation: EvaluationResult | null;
  /** Class names (label i is classes[i]); empty when unlabelled. */
  classes: readonly string[];
  map: EmbeddingMap | null;
  galleries: Galleries | null;
  views: ViewGrid | null;
  /** What the items are (`inputKind` of the data), which names them and picks how they are drawn; null when the data was not opened (no checkpoint). */
  input?: InputKind | null;
  /** Per-section explanations (why a section is empty, or what it shows). */
  notes: Partial<Record<SectionId, string>>;
}

/** Ten distinct colours (Tableau 10), then evenly spaced hues for more classes. */
export function classColours(n: number): string[] {
  const tab10 = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  return Array.from({ length: n }, (_, i) => (n <= 10 ? tab10[i]! : `hsl(${Math.round((360 * i) / n)}, 65%, 50%)`));
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** JSON safe inside a <script> element (no `</script>`, no HTML comment openers). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

let echartsSource: string | null = null;

/** The minified ECharts bundle from the installed `echarts` package, to inline. */
export function echartsBundle(): string {
  if (echartsSource === null) {
    const file = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
    echartsSource = readFileSync(file, 'utf8').replace(/<\/script/gi, '<\\/script');
  }
  return echartsSource;
}

function fmt(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  if (v === null || v === undefined) return '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** What the report calls the items of `input`, one and many ('series' for sequences). */
export function itemNouns(input: InputKind | null | undefined): { one: string; many: string } {
  switch (input) {
    case 'image': return { one: 'image', many: 'images' };
    case 'sequence': return { one: 'series', many: 'series' };
    case 'vector': return { one: 'vector', many: 'vectors' };
    default: return { one: 'item', many: 'items' };
  }
}

/** Pixel sizes of the series drawings: gallery cells, views cells, the map's hover preview. */
const SERIES_SIZE = { gallery: [96, 56], views: [160, 72], hover: [168, 84] } as const;

/** How a figure draws its series, for its caption: the shared value scale, and the channels' colours or the heat map's rows. */
function seriesKey(fig: SeriesFigure): string {
  const range = `${fmt(fig.min)} to ${fmt(fig.max)}`;
  if (fig.style === 'heatmap') {
    const rows = fig.shown < fig.channels ? `the first ${fig.shown} of ${fig.channels} features` : `${fig.channels} features`;
    return `Each series is a heat map: ${rows} down, steps across (${fig.steps} steps in all); colour from ${range} (dark purple to yellow), one scale for the whole figure; the grey part is past the series' end.`;
  }
  const keys = fig.colours.map((c, i) => `<span class="key" style="background:${c}"></span>channel ${i}`).join(' ');
  return `Each series is a line per channel (${keys}), steps across (${fig.steps} in all), values from ${range} on one scale for the whole figure; the grey part is past the series' end.`;
}

/** An item's image or series, or a placeholder; `alt` names it. */
function pictureHtml(p: Preview, fig: SeriesFigure | null | undefined, size: readonly [number, number], alt: string): string {
  if (p.thumb) return `<img src="${p.thumb}" alt="${escapeHtml(alt)}">`;
  if (p.series && fig) return seriesSvg(p.series, fig, size[0], size[1]);
  return '<div class="noimg">no image</div>';
}

function className(classes: readonly string[], label: number | null): string {
  if (label === null) return 'unlabelled';
  return classes[label] ?? `class ${label}`;
}

const EVAL_ROWS: [keyof EvaluationResult, string][] = [
  ['knn_top1', 'kNN top-1 (weighted, k 200, T 0.1, cosine)'],
  ['knn_top5', 'kNN top-5'],
  ['linear_top1', 'linear probe top-1'],
  ['precision_at_1', 'precision@1'],
  ['r_precision', 'R-precision'],
  ['map_at_r', 'MAP@R'],
  ['nmi', 'NMI (k-means)'],
];

function note(m: ReportModel, id: SectionId): string {
  const n = m.notes[id];
  return n ? `<p class="note">${escapeHtml(n)}</p>` : '';
}

function summary(m: ReportModel): string {
  const last = m.metrics[m.metrics.length - 1];
  const seconds = m.metrics.reduce((s, e) => s + e.seconds, 0);
  const cards: [string, string][] = [
    ['epochs', `${last?.epoch ?? 0} / ${m.config.epochs}`],
    ['final loss', last ? last.loss.toFixed(4) : '—'],
    ['kNN top-1', m.evaluation ? m.evaluation.knn_top1.toFixed(4) : last?.knn_top1 != null ? last.knn_top1.toFixed(4) : '—'],
    [`${itemNouns(m.input).many}/s`, last ? String(Math.round(m.metrics.reduce((s, e) => s + e.images_per_second, 0) / m.metrics.length)) : '—'],
    ['training time', m.metrics.length ? `${seconds.toFixed(1)} s` : '—'],
  ];
  return `<div class="cards">${cards.map(([k, v]) => `<div class="card"><div class="k">${escapeHtml(k)}</div><div class="v">${escapeHtml(v)}</div></div>`).join('')}</div>`;
}

function evaluationTable(m: ReportModel): string {
  if (!m.evaluation) return note(m, 'evaluation') || '<p class="note">No evaluation yet.</p>';
  const known = new Set<string>(EVAL_ROWS.map(([k]) => k));
  const rows = EVAL_ROWS.filter(([k]) => m.evaluation![k] !== undefined).map(([k, label]) => [label, m.evaluation![k]] as const);
  for (const [k, v] of Object.entries(m.evaluation)) if (!known.has(k)) rows.push([k, v as number]);
  return `${note(m, 'evaluation')}<table class="kv" id="eval-table"><thead><tr><th>metric</th><th>value</th></tr></thead><tbody>${
    rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="num">${escapeHtml(fmt(v))}</td></tr>`).join('')}</tbody></table>`;
}

function configTable(m: ReportModel): string {
  return `<table class="kv" id="config-table"><tbody>${Object.entries(m.config)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(fmt(v))}</td></tr>`).join('')}</tbody></table>`;
}

function galleryHtml(m: ReportModel): string {
  const g = m.galleries;
  if (!g) return note(m, 'neighbours');
  const cell = (img: GalleryImage, caption: string, cls: string): string => `<figure class="${cls}" data-index="${img.index}">${
    pictureHtml(img, g.figure, SERIES_SIZE.gallery, className(m.classes, img.label))}<figcaption>${caption}</figcaption></figure>`;
  const rows = g.rows.map((r) => `<div class="gallery-row">${cell(r.query, `${g.querySplit} #${r.query.index}<br>${escapeHtml(className(m.classes, r.query.label))}`, 'query')}<div class="arrow">→</div>${
    r.neighbours.map((n) => cell(n, `${n.correct === true ? '✓ ' : n.correct === false ? '✗ ' : ''}${n.similarity.toFixed(3)}<br>${escapeHtml(className(m.classes, n.label))}`,
      n.correct === true ? 'hit' : n.correct === false ? 'miss' : 'plain')).join('')}</div>`).join('');
  const key = g.figure ? `<p>${seriesKey(g.figure)}</p>` : '';
  return `${note(m, 'neighbours')}${key}<div class="gallery${g.figure ? ' series-gallery' : ''}" id="gallery">${rows}</div>`;
}

function viewsHtml(m: ReportModel): string {
  const v = m.views;
  if (!v) return note(m, 'views');
  const what = `${note(m, 'views')}<p>Augmentation: <code>${escapeHtml(v.augmentation)}</code>. Each row: a training ${itemNouns(m.input).one}, then ${v.views} augmented views.</p>`;
  if (v.kind === 'image') return `${what}<img id="views-grid" class="pixel" src="${v.png}" alt="augmented views">`;
  const [w, h] = SERIES_SIZE.views;
  const head = `<tr><th>original</th>${Array.from({ length: v.views }, (_, i) => `<th>view ${i + 1}</th>`).join('')}</tr>`;
  const rows = v.cells.map((row) => `<tr>${row.map((s: SeriesThumb) => `<td>${seriesSvg(s, v.figure, w, h)}</td>`).join('')}</tr>`).join('');
  return `${what}<p>${seriesKey(v.figure)}</p><table id="views-grid" class="series-grid"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
}

const CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: #fff; }
header { padding: 20px 32px 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 0 0 12px; }
.sub { color: var(--muted); margin: 0 0 12px; }
nav { padding: 8px 32px; background: var(--bg); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 10; }
nav a { margin-right: 16px; color: #0969da; text-decoration: none; }
section { padding: 20px 32px; border-bottom: 1px solid var(--line); }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card .k { color: var(--muted); font-size: 12px; } .card .v { font-size: 18px; font-weight: 600; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 900px) { .charts { grid-template-columns: 1fr; } }
.chart { height: 280px; border: 1px solid var(--line); border-radius: 6px; }
#chart-map { height: 640px; border: 1px solid var(--line); border-radius: 6px; }
.note { color: var(--muted); font-style: italic; }
table.kv { border-collapse: collapse; } table.kv td, table.kv th { border: 1px solid var(--line); padding: 4px 10px; text-align: left; }
table.kv th { background: var(--bg); } td.num { font-variant-numeric: tabular-nums; text-align: right; }
.gallery-row { display: flex; align-items: flex-start; gap: 6px; margin-bottom: 10px; flex-wrap: wrap; }
.gallery figure { margin: 0; text-align: center; font-size: 11px; color: var(--muted); width: 80px; }
.gallery img, .gallery .noimg { width: 72px; height: 72px; image-rendering: pixelated; border: 3px solid transparent; border-radius: 4px; display: block; margin: 0 auto; }
.gallery .noimg { background: var(--bg); line-height: 66px; }
.gallery svg.series { border: 3px solid transparent; border-radius: 4px; display: block; margin: 0 auto; }
.gallery.series-gallery figure { width: 104px; }
.gallery .query img, .gallery .query svg { border-color: #0969da; } .gallery .hit img, .gallery .hit svg { border-color: #1a7f37; } .gallery .miss img, .gallery .miss svg { border-color: #cf222e; }
.gallery .hit figcaption { color: #1a7f37; } .gallery .miss figcaption { color: #cf222e; }
.arrow { font-size: 22px; color: var(--muted); padding-top: 20px; }
img.pixel { image-rendering: pixelated; max-width: 100%; }
svg.series { border: 1px solid var(--line); }
table.series-grid { border-collapse: collapse; } table.series-grid td, table.series-grid th { padding: 2px 4px; font-weight: normal; color: var(--muted); font-size: 12px; }
.key { display: inline-block; width: 14px; height: 4px; vertical-align: middle; margin: 0 3px; }
code { background: var(--bg); padding: 1px 4px; border-radius: 4px; }
`;

/** The page's script: draws the charts and the map from the inline JSON with ECharts, series previews with `seriesSvg`. */
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var seriesSvg = ${seriesSvg.toString()};
  var charts = [];
  function emptyNote(el, text) { el.classList.add('empty'); el.style.height = 'auto'; el.innerHTML = '<p class="note" style="padding:12px">' + text + '</p>'; }
  function line(id, title, field, unit, fmt) {
    var el = document.getElementById(id);
    var pts = data.metrics.filter(function (m) { return typeof m[field] === 'number'; }).map(function (m) { return [m.epoch, m[field]]; });
    if (pts.length === 0) { emptyNote(el, field === 'knn_top1' ? 'No kNN monitor (the data has no labels, or no epoch has finished).' : 'No epoch has finished yet.'); return; }
    var c = echarts.init(el, null, { renderer: 'canvas' });
    c.setOption({
      animation: false,
      title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
      grid: { left: 64, right: 24, top: 40, bottom: 40 },
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return fmt(v) + unit; } },
      xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 26, minInterval: 1, min: 0, max: Math.max(data.epochs, pts[pts.length - 1][0]) },
      yAxis: { type: 'value', scale: true, axisLabel: { formatter: function (v) { return fmt(v); } } },
      series: [{ type: 'line', data: pts, showSymbol: true, symbolSize: 7 }]
    });
    charts.push(c);
  }
  var g4 = function (v) { return String(Number(Number(v).toPrecision(4))); };
  var rnd = function (v) { return String(Math.round(v)); };
  line('chart-loss', 'Training loss', 'loss', '', g4);
  line('chart-lr', 'Learning rate (end of epoch)', 'lr', '', g4);
  line('chart-knn', 'kNN top-1 accuracy (test)', 'knn_top1', '', g4);
  line('chart-throughput', 'Throughput (' + data.items + '/s)', 'images_per_second', ' ' + data.items + '/s', rnd);

  var mapEl = document.getElementById('chart-map');
  if (mapEl && data.map) {
    var names = data.classes;
    var labelled = data.map.points.length > 0 && data.map.points[0].label !== null;
    var groups = {};
    data.map.points.forEach(function (p, i) {
      var key = labelled ? p.label : -1;
      (groups[key] = groups[key] || []).push([p.x, p.y, i]);
    });
    var keys = Object.keys(groups).map(Number).sort(function (a, b) { return a - b; });
    var series = keys.map(function (k) {
      return {
        name: k < 0 ? data.items : (names[k] || ('class ' + k)), type: 'scatter', data: groups[k], symbolSize: 6,
        itemStyle: { color: k < 0 ? '#4e79a7' : data.colours[k % data.colours.length], opacity: 0.8 }
      };
    });
    // Equal units on both axes (a UMAP layout has no preferred direction), centred in the plot.
    var xs = data.map.points.map(function (p) { return p.x; }), ys = data.map.points.map(function (p) { return p.y; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var w = Math.max(1, mapEl.clientWidth - 48), h = Math.max(1, mapEl.clientHeight - 64);
    var unit = Math.max((x1 - x0) / w, (y1 - y0) / h, 1e-9) * 1.04;
    var box = {
      x: { min: (x0 + x1) / 2 - unit * w / 2, max: (x0 + x1) / 2 + unit * w / 2 },
      y: { min: (y0 + y1) / 2 - unit * h / 2, max: (y0 + y1) / 2 + unit * h / 2 }
    };
    var m = echarts.init(mapEl, null, { renderer: 'canvas' });
    m.setOption({
      animation: false,
      legend: { type: 'scroll', top: 4, show: labelled },
      grid: { left: 24, right: 24, top: 40, bottom: 24 },
      tooltip: {
        trigger: 'item', confine: true,
        formatter: function (p) {
          var pt = data.map.points[p.data[2]];
          var img = pt.thumb ? '<img src="' + pt.thumb + '" width="84" height="84" style="image-rendering:pixelated;display:block;margin:0 auto 4px">'
            : pt.series && data.map.figure ? '<div style="margin:0 auto 4px">' + seriesSvg(pt.series, data.map.figure, ${SERIES_SIZE.hover[0]}, ${SERIES_SIZE.hover[1]}) + '</div>' : '';
          var name = pt.label === null ? 'unlabelled' : (names[pt.label] || ('class ' + pt.label));
          return img + '<div style="text-align:center">' + name.replace(/[<>&]/g, '') + '<br>' + data.map.split + ' #' + pt.index + '</div>';
        }
      },
      xAxis: Object.assign({ type: 'value', show: false }, box.x),
      yAxis: Object.assign({ type: 'value', show: false }, box.y),
      dataZoom: [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }, { type: 'inside', yAxisIndex: 0, filterMode: 'none' }],
      series: series
    });
    charts.push(m);
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  window.__reportReady = true;
})();
`;

/**
 * The report as one self-contained HTML page: summary, training curves (loss, learning rate,
 * kNN top-1, items/s per epoch), the evaluation table, the UMAP map of embeddings (coloured by
 * class, the image or series on hover), neighbour galleries, augmented views and the config.
 * Images are PNG data: URIs, series inline SVG (drawn by `seriesSvg`, which the page also runs
 * for the map's hover previews); ECharts is inlined from the installed package; nothing is
 * fetched when the page opens.
 */
export function renderReportHtml(m: ReportModel): string {
  const c = m.config;
  const data = {
    metrics: m.metrics,
    epochs: m.config.epochs,
    classes: m.classes,
    colours: classColours(Math.max(1, m.classes.length)),
    items: itemNouns(m.input).many,
    map: m.map ? { split: m.map.split, points: m.map.points, figure: m.map.figure ?? null } : null,
  };
  const { one, many } = itemNouns(m.input);
  const mapCaption = m.map
    ? `<p>UMAP (cosine kNN graph, 15 neighbours, seed ${c.seed}) of the backbone features of ${m.map.points.length} of the ${m.map.total} ${m.map.split} ${many}, evenly spaced; `
      + `${m.classes.length ? 'coloured by class (click the legend to hide one)' : 'one colour: the data has no labels'}. Hover a point for its ${one}; scroll to zoom.</p>`
      + (m.map.figure ? `<p>${seriesKey(m.map.figure)}</p>` : '')
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${m.title} — contrastive report`)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(m.title)}</h1>
<p class="sub">${escapeHtml(`${c.method} · ${c.encoder} · ${c.data} · batch ${c.batchSize} · ${c.device} · seed ${c.seed} · run folder ${m.dir}`)}</p>
${summary(m)}
</header>
<nav><a href="#training">Training</a><a href="#evaluation">Evaluation</a><a href="#map">Embedding map</a><a href="#neighbours">Nearest neighbours</a><a href="#views">Augmented views</a><a href="#config">Config</a></nav>
<section id="training"><h2>Training</h2>${note(m, 'training')}
<div class="charts"><div class="chart" id="chart-loss"></div><div class="chart" id="chart-lr"></div><div class="chart" id="chart-knn"></div><div class="chart" id="chart-throughput"></div></div>
</section>
<section id="evaluation"><h2>Evaluation</h2>${evaluationTable(m)}</section>
<section id="map"><h2>Embedding map</h2>${note(m, 'map')}${m.map ? `${mapCaption}<div id="chart-map"></div>` : ''}</section>
<section id="neighbours"><h2>Nearest neighbours</h2>${m.galleries
    ? `<p>Each row: a ${m.galleries.querySplit} ${one} (blue), then its ${m.galleries.rows[0]?.neighbours.length ?? 0} nearest training ${many} by cosine similarity of the backbone features${m.classes.length ? ' (green ✓: same class, red ✗: another)' : ''}.</p>` : ''}${galleryHtml(m)}</section>
<section id="views"><h2>Augmented views</h2>${viewsHtml(m)}</section>
<section id="config"><h2>Config</h2>${configTable(m)}</section>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${echartsBundle()}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
