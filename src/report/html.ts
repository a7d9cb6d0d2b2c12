// The report page (of a pre-training or a fine-tuning run): one self-contained HTML file (ECharts inlined from the npm package, images as
// data: URIs, series as inline SVG, the data as inline JSON), which opens offline and fetches nothing.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { InputKind } from '../data/index.js';
import type { EpochMetrics } from '../run/index.js';
import type { ClassificationSection } from './classification.js';
import { compositeKey, type BandChoice, type Composite } from './composite.js';
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
  /** Multi-band images: how the thumbnails draw them (one stretch for the whole map); null when drawn as they are. */
  composite?: Composite | null;
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
  /** Multi-band images: how the thumbnails draw them (one stretch for queries and neighbours); null when drawn as they are. */
  composite?: Composite | null;
}

/** The report's sections, for notes that replace or qualify one. */
export type SectionId = 'training' | 'evaluation' | 'classification' | 'bands' | 'map' | 'neighbours' | 'views' | 'config';

/** A run's config as the page shows it: every key in the config table; `epochs` and `seed` are read. */
export type ReportConfig = Record<string, unknown> & { epochs: number; seed: number; rgbBands?: BandChoice };

/** Everything the page shows; `renderReportHtml` turns it into HTML. */
export interface ReportModel {
  /** What trained: a contrastive method ('pretrain'; the default) or a classifier ('finetune'), which picks the accuracy the summary and the curves show. */
  kind?: 'pretrain' | 'finetune';
  /** Heading (the run folder's name). */
  title: string;
  /** The line under the heading (what ran, on what data, where). */
  subtitle: string;
  /** The run folder, as given. */
  dir: string;
  config: ReportConfig;
  metrics: EpochMetrics[];
  /** eval.json's object: its scalar values make the evaluation table. */
  evaluation: Record<string, unknown> | null;
  /** Class names (label i is classes[i]); empty when unlabelled. */
  classes: readonly string[];
  map: EmbeddingMap | null;
  galleries: Galleries | null;
  views: ViewGrid | null;
  /** Multi-band images: the composite of the first figure (map, else galleries, else views) and its items' per-band mean and std, for the bands section. */
  bands?: Composite | null;
  /** A classifier's predictions on the test split (fine-tuning runs). */
  classification?: ClassificationSection | null;
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

/** A figure's composite caption (which bands, which stretch), then `extra`; empty for images drawn as they are. */
function compositeLine(c: Composite | null | undefined, extra = ''): string {
  return c ? `<p class="composite">${escapeHtml(compositeKey(c) + extra)}</p>` : '';
}

/** The bands section: what the composite is made of, and the chart of each band's mean and std over the shown items. */
function bandsHtml(m: ReportModel): string {
  const c = m.bands!;
  return `${compositeLine(c)}<p>Mean and standard deviation of each of the ${c.channels} bands over the same ${c.summary.count} ${itemNouns(m.input).many}, in the values the network sees (mean on the left axis, std on the right); the composite's bands are marked ${c.bands.length === 3 ? 'R, G, B' : 'gray'}.</p><div class="chart" id="chart-bands"></div>`;
}

/** The bands chart's data: each band's axis label (its name, and R, G or B when in the composite), mean and std. */
function bandsData(c: Composite | null | undefined): { labels: string[]; mean: number[]; std: number[] } | null {
  if (!c) return null;
  const roles = c.bands.length === 3 ? ['R', 'G', 'B'] : ['gray'];
  return { labels: c.names.map((n, b) => (c.bands.includes(b) ? `${n} (${roles[c.bands.indexOf(b)]})` : n)), mean: c.summary.mean, std: c.summary.std };
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

/** Known eval.json keys, in order, with their names on the page; other scalar keys follow under their own. */
const EVAL_ROWS: [string, string][] = [
  ['top1', 'classifier top-1 (test)'],
  ['top5', 'classifier top-5 (test)'],
  ['loss', 'classifier cross-entropy (test)'],
  ['count', 'test items scored'],
  ['labels', 'training labels used'],
  ['knn_top1', 'kNN top-1 (weighted, k 200, T 0.1, cosine)'],
  ['knn_top5', 'kNN top-5'],
  ['linear_top1', 'linear probe top-1'],
  ['precision_at_1', 'precision@1'],
  ['r_precision', 'R-precision'],
  ['map_at_r', 'MAP@R'],
  ['mean_average_precision', 'mean average precision'],
  ['mean_reciprocal_rank', 'mean reciprocal rank'],
  ['nmi', 'NMI (k-means)'],
  ['ami', 'AMI (k-means)'],
];

function note(m: ReportModel, id: SectionId): string {
  const n = m.notes[id];
  return n ? `<p class="note">${escapeHtml(n)}</p>` : '';
}

/** `v` to 4 decimals, or a dash when it is not a number. */
function fixed4(v: unknown): string {
  return typeof v === 'number' ? v.toFixed(4) : '—';
}

/** The accuracy the run is judged by: the classifier's test top-1 (fine-tuning) or the kNN monitor's (pre-training), with its curve's field and title. */
function accuracy(m: ReportModel): { card: string; field: 'test_top1' | 'knn_top1'; title: string; empty: string } {
  return m.kind === 'finetune' || m.metrics.some((e) => typeof e.test_top1 === 'number')
    ? { card: 'test top-1', field: 'test_top1', title: 'Test top-1 (classifier)', empty: 'No epoch has finished yet.' }
    : { card: 'kNN top-1', field: 'knn_top1', title: 'kNN top-1 accuracy (test)', empty: 'No kNN monitor (the data has no labels, or no epoch has finished).' };
}

function summary(m: ReportModel): string {
  const last = m.metrics[m.metrics.length - 1];
  const seconds = m.metrics.reduce((s, e) => s + e.seconds, 0);
  const acc = accuracy(m);
  const evalKey = acc.field === 'test_top1' ? 'top1' : 'knn_top1';
  const cards: [string, string][] = [
    ['epochs', `${last?.epoch ?? 0} / ${m.config.epochs}`],
    ['final loss', last ? last.loss.toFixed(4) : '—'],
    [acc.card, fixed4(m.evaluation?.[evalKey] ?? last?.[acc.field])],
    [`${itemNouns(m.input).many}/s`, last ? String(Math.round(m.metrics.reduce((s, e) => s + e.images_per_second, 0) / m.metrics.length)) : '—'],
    ['training time', m.metrics.length ? `${seconds.toFixed(1)} s` : '—'],
  ];
  return `<div class="cards">${cards.map(([k, v]) => `<div class="card"><div class="k">${escapeHtml(k)}</div><div class="v">${escapeHtml(v)}</div></div>`).join('')}</div>`;
}

/** Whether `v` is one value (a number, string, boolean or null), not an array or object of them. */
function isScalar(v: unknown): boolean {
  return v === null || ['number', 'string', 'boolean'].includes(typeof v);
}

/** The evaluation's scalar metrics, known keys first (arrays and objects, e.g. per-class results, are shown elsewhere or not at all). */
function evaluationTable(m: ReportModel): string {
  const e = m.evaluation;
  if (!e) return note(m, 'evaluation') || '<p class="note">No evaluation yet.</p>';
  const known = new Set<string>(EVAL_ROWS.map(([k]) => k));
  const rows = EVAL_ROWS.filter(([k]) => e[k] !== undefined).map(([k, label]) => [label, e[k]] as [string, unknown]);
  for (const [k, v] of Object.entries(e)) if (!known.has(k)) rows.push([k, v]);
  return `${note(m, 'evaluation')}<table class="kv" id="eval-table"><thead><tr><th>metric</th><th>value</th></tr></thead><tbody>${
    rows.filter(([, v]) => isScalar(v)).map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="num">${escapeHtml(fmt(v))}</td></tr>`).join('')}</tbody></table>`;
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
  const key = g.figure ? `<p>${seriesKey(g.figure)}</p>` : compositeLine(g.composite);
  return `${note(m, 'neighbours')}${key}<div class="gallery${g.figure ? ' series-gallery' : ''}" id="gallery">${rows}</div>`;
}

function viewsHtml(m: ReportModel): string {
  const v = m.views;
  if (!v) return note(m, 'views');
  const what = `${note(m, 'views')}<p>Augmentation: <code>${escapeHtml(v.augmentation)}</code>. Each row: a training ${itemNouns(m.input).one}, then ${v.views} augmented views.</p>`;
  if (v.kind === 'image') return `${what}${compositeLine(v.composite, ' The views are drawn with the originals\' stretch.')}<img id="views-grid" class="pixel" src="${v.png}" alt="augmented views">`;
  const [w, h] = SERIES_SIZE.views;
  const head = `<tr><th>original</th>${Array.from({ length: v.views }, (_, i) => `<th>view ${i + 1}</th>`).join('')}</tr>`;
  const rows = v.cells.map((row) => `<tr>${row.map((s: SeriesThumb) => `<td>${seriesSvg(s, v.figure, w, h)}</td>`).join('')}</tr>`).join('');
  return `${what}<p>${seriesKey(v.figure)}</p><table id="views-grid" class="series-grid"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
}

/** The classifier's most confident mistakes: each item with its true and predicted class and the confidence. */
function misclassifiedHtml(m: ReportModel, c: ClassificationSection): string {
  const many = itemNouns(m.input).many;
  if (c.misclassified.length === 0) return `<p class="note">The classifier gets every one of the ${c.count} test ${many} right: there are no mistakes to show.</p>`;
  const cells = c.misclassified.map((e) => {
    const truth = className(c.classes, e.label);
    const predicted = className(c.classes, e.predicted);
    return `<figure class="miss" data-index="${e.index}">${pictureHtml(e, c.figure, SERIES_SIZE.gallery, `${truth} predicted as ${predicted}`)}<figcaption>test #${e.index}<br>${
      escapeHtml(truth)} → ${escapeHtml(predicted)}<br>confidence ${e.confidence.toFixed(3)}</figcaption></figure>`;
  }).join('');
  const key = c.figure ? `<p>${seriesKey(c.figure)}</p>` : '';
  return `<p>The ${c.misclassified.length} misclassified test ${many} the classifier is most sure of, most confident first: true → predicted class, and the softmax probability of the predicted one.</p>${
    key}<div class="gallery${c.figure ? ' series-gallery' : ''}" id="misclassified">${cells}</div>`;
}

/** Pixel height of the confusion matrix and per-class charts for `k` classes: room for a row per class. */
function classChartHeight(k: number): number {
  return Math.min(1600, Math.max(420, 160 + 26 * k));
}

/** The classification section: the confusion heat map, per-class accuracy (drawn by the page's script) and the mistakes, or its note. */
function classificationHtml(m: ReportModel): string {
  const c = m.classification;
  if (!c) return note(m, 'classification');
  const correct = c.perClass.reduce((s, p) => s + p.correct, 0);
  const style = `style="height:${classChartHeight(c.classes.length)}px"`;
  return `${note(m, 'classification')}<p>The classifier's argmax on the ${c.count} test ${itemNouns(m.input).many}: top-1 ${fixed4(c.top1)} (${correct} right). `
    + 'The confusion matrix counts them by true class (rows) and predicted class (columns).</p>'
    + `<div class="charts"><div class="chart" id="chart-confusion" ${style}></div><div class="chart" id="chart-per-class" ${style}></div></div>`
    + `<h3>Most confident mistakes</h3>${misclassifiedHtml(m, c)}`;
}

/** `body()` when the section has content or a note, else null (the page leaves it out). */
function optional(m: ReportModel, id: SectionId, present: boolean, body: () => string): string | null {
  return present || m.notes[id] ? body() : null;
}

const CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: #fff; }
header { padding: 20px 32px 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 0 0 12px; } h3 { font-size: 15px; margin: 16px 0 8px; }
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
#misclassified { display: flex; flex-wrap: wrap; gap: 8px; } #misclassified figure { width: 120px; }
.arrow { font-size: 22px; color: var(--muted); padding-top: 20px; }
img.pixel { image-rendering: pixelated; max-width: 100%; }
svg.series { border: 1px solid var(--line); }
table.series-grid { border-collapse: collapse; } table.series-grid td, table.series-grid th { padding: 2px 4px; font-weight: normal; color: var(--muted); font-size: 12px; }
.key { display: inline-block; width: 14px; height: 4px; vertical-align: middle; margin: 0 3px; }
code { background: var(--bg); padding: 1px 4px; border-radius: 4px; }
`;

/** The page's script: draws the charts, the map and the classification charts from the inline JSON with ECharts, series previews with `seriesSvg`. */
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var seriesSvg = ${seriesSvg.toString()};
  var charts = [];
  function emptyNote(el, text) { el.classList.add('empty'); el.style.height = 'auto'; el.innerHTML = '<p class="note" style="padding:12px">' + text + '</p>'; }
  function chart(el, option) {
    var c = echarts.init(el, null, { renderer: 'canvas' });
    c.setOption(Object.assign({ animation: false }, option));
    charts.push(c);
    return c;
  }
  function titled(text) { return { text: text, left: 'center', textStyle: { fontSize: 14 } }; }
  function safe(s) { return String(s).replace(/[<>&]/g, ''); }
  // One curve per epoch field: fields is a field name or [field, legend name] pairs.
  function line(id, title, fields, unit, fmt, empty) {
    var el = document.getElementById(id);
    if (!el) return;
    var named = typeof fields === 'string' ? [[fields, title]] : fields;
    var series = named.map(function (f) {
      var pts = data.metrics.filter(function (m) { return typeof m[f[0]] === 'number'; }).map(function (m) { return [m.epoch, m[f[0]]]; });
      return { type: 'line', name: f[1], data: pts, showSymbol: true, symbolSize: 7 };
    }).filter(function (s) { return s.data.length > 0; });
    if (series.length === 0) { emptyNote(el, empty || 'No epoch has finished yet.'); return; }
    var last = Math.max.apply(null, series.map(function (s) { return s.data[s.data.length - 1][0]; }));
    chart(el, {
      title: titled(title),
      legend: series.length > 1 ? { bottom: 0 } : undefined,
      grid: { left: 64, right: 24, top: 40, bottom: series.length > 1 ? 56 : 40 },
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return fmt(v) + unit; } },
      xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 26, minInterval: 1, min: 0, max: Math.max(data.epochs, last) },
      yAxis: { type: 'value', scale: true, axisLabel: { formatter: function (v) { return fmt(v); } } },
      series: series
    });
  }
  var g4 = function (v) { return String(Number(Number(v).toPrecision(4))); };
  var rnd = function (v) { return String(Math.round(v)); };
  line('chart-loss', 'Training loss', 'loss', '', g4);
  line('chart-lr', 'Learning rate (end of epoch)', 'lr', '', g4);
  line('chart-knn', data.accuracy.title, data.accuracy.field, '', g4, data.accuracy.empty);
  line('chart-throughput', 'Throughput (' + data.items + '/s)', 'images_per_second', ' ' + data.items + '/s', rnd);
  line('chart-retrieval', 'Retrieval (test against itself)', [['precision_at_1', 'precision@1'], ['map_at_r', 'MAP@R']], '', g4);

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
    chart(mapEl, {
      legend: { type: 'scroll', top: 4, show: labelled },
      grid: { left: 24, right: 24, top: 40, bottom: 24 },
      tooltip: {
        trigger: 'item', confine: true,
        formatter: function (p) {
          var pt = data.map.points[p.data[2]];
          var img = pt.thumb ? '<img src="' + pt.thumb + '" width="84" height="84" style="image-rendering:pixelated;display:block;margin:0 auto 4px">'
            : pt.series && data.map.figure ? '<div style="margin:0 auto 4px">' + seriesSvg(pt.series, data.map.figure, ${SERIES_SIZE.hover[0]}, ${SERIES_SIZE.hover[1]}) + '</div>' : '';
          var name = pt.label === null ? 'unlabelled' : (names[pt.label] || ('class ' + pt.label));
          return img + '<div style="text-align:center">' + safe(name) + '<br>' + data.map.split + ' #' + pt.index + '</div>';
        }
      },
      xAxis: Object.assign({ type: 'value', show: false }, box.x),
      yAxis: Object.assign({ type: 'value', show: false }, box.y),
      dataZoom: [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }, { type: 'inside', yAxisIndex: 0, filterMode: 'none' }],
      series: series
    });
  }

  var bandsEl = document.getElementById('chart-bands');
  if (bandsEl && data.bands) {
    chart(bandsEl, {
      title: titled('Per-band mean and std'),
      legend: { bottom: 0 },
      grid: { left: 56, right: 56, top: 48, bottom: 80 },
      tooltip: { trigger: 'axis', valueFormatter: g4 },
      xAxis: { type: 'category', data: data.bands.labels, axisLabel: { interval: 0, rotate: 40 } },
      yAxis: [{ type: 'value', name: 'mean', scale: true }, { type: 'value', name: 'std', min: 0, splitLine: { show: false } }],
      series: [{ type: 'bar', name: 'mean', data: data.bands.mean, itemStyle: { color: '#4e79a7' } }, { type: 'bar', name: 'std', yAxisIndex: 1, data: data.bands.std, itemStyle: { color: '#f28e2b' } }]
    });
  }

  var cls = data.classification;
  if (cls) {
    // Confusion matrix: a cell [predicted, true, count] per pair of classes, true classes down, predicted across.
    var cells = [], most = 1;
    cls.confusion.forEach(function (row, t) { row.forEach(function (n, p) { cells.push([p, t, n]); most = Math.max(most, n); }); });
    var axis = function (name, gap, extra) {
      return Object.assign({ type: 'category', data: cls.classes, name: name, nameLocation: 'middle', nameGap: gap, axisLabel: { interval: 0 }, splitArea: { show: true } }, extra);
    };
    chart(document.getElementById('chart-confusion'), {
      title: titled('Confusion matrix (test)'),
      grid: { left: 120, right: 24, top: 40, bottom: 110 },
      tooltip: { formatter: function (p) { return 'true ' + safe(cls.classes[p.data[1]]) + '<br>predicted ' + safe(cls.classes[p.data[0]]) + '<br>' + p.data[2] + ' ' + data.items; } },
      xAxis: axis('predicted', 90, { axisLabel: { interval: 0, rotate: 40 } }),
      yAxis: axis('true', 106, { inverse: true }),
      visualMap: { min: 0, max: most, show: false, inRange: { color: ['#f6f8fa', '#0969da'] } },
      series: [{ type: 'heatmap', data: cells, label: { show: cls.classes.length <= 30 }, emphasis: { itemStyle: { borderColor: '#1f2328', borderWidth: 1 } } }]
    });
    chart(document.getElementById('chart-per-class'), {
      title: titled('Per-class accuracy (test)'),
      grid: { left: 56, right: 24, top: 40, bottom: 110 },
      tooltip: { trigger: 'axis', formatter: function (ps) { var c = cls.perClass[ps[0].dataIndex]; return safe(c.class) + '<br>' + c.correct + ' of ' + c.count + ' right'; } },
      xAxis: { type: 'category', data: cls.classes, axisLabel: { interval: 0, rotate: 40 } },
      yAxis: { type: 'value', min: 0, max: 1, name: 'top-1' },
      series: [{
        type: 'bar',
        data: cls.perClass.map(function (c, i) { return { value: c.accuracy, itemStyle: { color: data.colours[i % data.colours.length] } }; }),
        label: { show: cls.classes.length <= 30, position: 'top', formatter: function (p) { return p.value === null ? '' : Number(p.value).toFixed(2); } }
      }]
    });
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  window.__reportReady = true;
})();
`;

/** The map section's body: the caption and the chart's element, after its note. */
function mapHtml(m: ReportModel): string {
  if (!m.map) return note(m, 'map');
  const { one, many } = itemNouns(m.input);
  return `${note(m, 'map')}<p>UMAP (cosine kNN graph, 15 neighbours, seed ${m.config.seed}) of the backbone features of ${m.map.points.length} of the ${m.map.total} ${m.map.split} ${many}, evenly spaced; `
    + `${m.classes.length ? 'coloured by class (click the legend to hide one)' : 'one colour: the data has no labels'}. Hover a point for its ${one}; scroll to zoom.</p>`
    + (m.map.figure ? `<p>${seriesKey(m.map.figure)}</p>` : compositeLine(m.map.composite))
    + '<div id="chart-map"></div>';
}

/** The neighbours section's body: what a row shows, then the galleries (or the note). */
function neighboursHtml(m: ReportModel): string {
  const { one, many } = itemNouns(m.input);
  return `${m.galleries
    ? `<p>Each row: a ${m.galleries.querySplit} ${one} (blue), then its ${m.galleries.rows[0]?.neighbours.length ?? 0} nearest training ${many} by cosine similarity of the backbone features${m.classes.length ? ' (green ✓: same class, red ✗: another)' : ''}.</p>` : ''}${galleryHtml(m)}`;
}

/** The page's sections in order, [id, nav title, body]; a section with neither content nor a note is left out. */
function sections(m: ReportModel): [SectionId, string, string][] {
  const all: [SectionId, string, string | null][] = [
    ['training', 'Training', `${note(m, 'training')}
<div class="charts"><div class="chart" id="chart-loss"></div><div class="chart" id="chart-lr"></div><div class="chart" id="chart-knn"></div><div class="chart" id="chart-throughput"></div>${
  m.metrics.some((e) => typeof e.precision_at_1 === 'number') ? '<div class="chart" id="chart-retrieval"></div>' : ''}</div>
`],
    ['evaluation', 'Evaluation', evaluationTable(m)],
    ['classification', 'Classification', optional(m, 'classification', !!m.classification, () => classificationHtml(m))],
    ['bands', 'Bands', m.bands ? bandsHtml(m) : null],
    ['map', 'Embedding map', optional(m, 'map', !!m.map, () => mapHtml(m))],
    ['neighbours', 'Nearest neighbours', optional(m, 'neighbours', !!m.galleries, () => neighboursHtml(m))],
    ['views', 'Augmented views', optional(m, 'views', !!m.views, () => viewsHtml(m))],
    ['config', 'Config', configTable(m)],
  ];
  return all.filter((s): s is [SectionId, string, string] => s[2] !== null);
}

/**
 * The report as one self-contained HTML page: summary, training curves (loss, learning rate,
 * kNN top-1 or, for a fine-tuning run, the classifier's test top-1, items/s per epoch), the
 * evaluation table, the classification section (fine-tuning: confusion matrix, per-class
 * accuracy, the most confident mistakes), the UMAP map of embeddings (coloured by class, the
 * image or series on hover), neighbour galleries, augmented views and the config; a section
 * without content or a note is left out. Images are PNG data: URIs, series inline SVG (drawn by
 * `seriesSvg`, which the page also runs for the map's hover previews); ECharts is inlined from
 * the installed package; nothing is fetched when the page opens.
 */
export function renderReportHtml(m: ReportModel): string {
  const c = m.classification;
  const data = {
    metrics: m.metrics,
    epochs: m.config.epochs,
    classes: m.classes,
    colours: classColours(Math.max(1, m.classes.length, c?.classes.length ?? 0)),
    items: itemNouns(m.input).many,
    accuracy: accuracy(m),
    map: m.map ? { split: m.map.split, points: m.map.points, figure: m.map.figure ?? null } : null,
    bands: bandsData(m.bands),
    classification: c ? { classes: c.classes, top1: c.top1, count: c.count, confusion: c.confusion, perClass: c.perClass } : null,
  };
  const shown = sections(m);
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
<p class="sub">${escapeHtml(m.subtitle)}</p>
${summary(m)}
</header>
<nav>${shown.map(([id, title]) => `<a href="#${id}">${title}</a>`).join('')}</nav>
${shown.map(([id, title, body]) => `<section id="${id}"><h2>${title}</h2>${body}</section>`).join('\n')}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${echartsBundle()}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
