// Building and writing DIR/report.html: reads the run folder, embeds a subsample of the test
// split with the trained backbone, lays it out with UMAP, finds neighbours, draws views (images
// as thumbnails, sequences as series previews).
import { basename, join, resolve } from 'node:path';
import { evenlySpaced, evenSubset, inputKind, type Dataset, type InputKind } from '../data/index.js';
import { embedDataset, type EmbedOptions, type ItemModel } from '../eval/index.js';
import { writeFileAtomic } from '../io/index.js';
import { embedOptions, loadRun, readRunConfig, type LoadedRun } from '../run/index.js';
import { scope, tensor, type Tensor } from '../tensor/index.js';
import { ReportError, readRunFiles, type RunFiles } from './data.js';
import { cosineNeighbours, pickQueries } from './gallery.js';
import { itemNouns, renderReportHtml, type EmbeddingMap, type Galleries, type ReportConfig, type ReportModel, type SectionId } from './html.js';
import type { BandChoice, Composite } from './composite.js';
import { previews, type Preview } from './items.js';
import { UMAP_MIN_POINTS, umapLayout } from './umap.js';
import { augmentedViewGrid, type ViewGrid } from './views.js';

/** Options of `writeReport` / `buildReport`: what the report shows and where it goes. */
export interface ReportOptions {
  /** Items (images, series) on the embedding map, evenly spaced over the test split (default 2000). */
  mapPoints?: number;
  /** Query items in the neighbour galleries (default 10). */
  galleryQueries?: number;
  /** Neighbours shown per query (default 8). */
  neighbours?: number;
  /** Items in the augmented-views grid (default 8). */
  viewRows?: number;
  /** Seed of the UMAP layout and the augmentation draw (default: the run's seed). */
  seed?: number;
  /** Where to write (default DIR/report.html). */
  file?: string;
  /**
   * The run, already opened (the trainer passes its own method and datasets): used as is and not
   * disposed. Without it the report opens the run with `loadRun(dir)` and disposes it after.
   */
  run?: LoadedRun;
  /**
   * Backbone features the caller already has, (N, D) float32 per split of `run` (the trainer's
   * final evaluation): used instead of embedding again, and not disposed.
   */
  features?: { train: Tensor; test: Tensor | null } | null;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** What `writeReport` did. */
export interface ReportResult {
  /** The HTML file written. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
  /** Wall-clock seconds, in all and per phase (load, embed, umap, thumbnails (images' or series' previews), neighbours, views, html). */
  seconds: number;
  timings: Record<string, number>;
  /** Sections left out or reduced, and why (e.g. no labels, no checkpoint yet). */
  notes: Partial<Record<SectionId, string>>;
}

/** The parts of the model that need the trained network. */
interface NetworkSections {
  input: InputKind | null;
  classes: readonly string[];
  map: EmbeddingMap | null;
  galleries: Galleries | null;
  views: ViewGrid | null;
  bands: Composite | null;
}

/** What the builders of one report share while they make it: the seed of its draws, the notes on its sections, the seconds of each phase. */
export interface ReportContext {
  seed: number;
  /** The composite bands of multi-band images (the run config's `rgbBands`; default 'auto'). */
  bands?: BandChoice;
  notes: ReportModel['notes'];
  timings: Record<string, number>;
}

/** Times `fn` into `timings[name]` (seconds). */
export async function timed<T>(timings: Record<string, number>, name: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = (timings[name] ?? 0) + (performance.now() - t0) / 1000;
  }
}

/** Rows of `model` (N, D) for the items of `ds` (a backbone's features, a classifier's logits), checked to cover every item; `what` names the split in the error. */
export async function features(model: ItemModel, ds: Dataset, o: EmbedOptions, what: string): Promise<Tensor> {
  const x = await embedDataset(model, ds, o);
  if (x.shape[0] !== ds.length) {
    x.dispose();
    throw new ReportError(`report: ${ds.length - x.shape[0]!} of the ${ds.length} ${what} items could not be read`);
  }
  return x;
}

/** The items of `source` a map shows: `n` evenly spaced positions, the same items as a dataset, and their labels (null when `labelled` is false or the data has none). */
export function mapSample(source: Dataset, n: number, labelled: boolean): { picks: Int32Array; sub: Dataset; labels: number[] | null } {
  const picks = evenlySpaced(source.length, n);
  const sub = evenSubset(source, picks.length);
  return { picks, sub, labels: labelled && sub.labels ? Array.from(sub.labels) : null };
}

/**
 * The embedding map of `x` (P, D), the features of the items of `source` (the `split` split) at
 * `picks` whose classes are `labels`: UMAP (timed as 'umap') with each point's preview (timed as
 * 'thumbnails'); null, with a note, for fewer than UMAP_MIN_POINTS items. `x` is not disposed.
 */
export async function embeddingMap(source: Dataset, split: EmbeddingMap['split'], picks: Int32Array, x: Tensor, labels: readonly number[] | null, cx: ReportContext): Promise<EmbeddingMap | null> {
  const { timings } = cx;
  if (picks.length < UMAP_MIN_POINTS) {
    cx.notes.map = `Too few ${split} items (${picks.length}) for a map: UMAP needs at least ${UMAP_MIN_POINTS}.`;
    return null;
  }
  const coords = await timed(timings, 'umap', () => umapLayout(x, { seed: cx.seed }));
  const pictures = await timed(timings, 'thumbnails', () => previews([{ ds: source, indices: picks }], { bands: cx.bands }));
  return {
    split, total: source.length, seconds: timings.umap ?? 0, figure: pictures.figure, composite: pictures.composite,
    points: coords.map(([px, py], i) => ({ x: px, y: py, label: labels ? labels[i]! : null, index: picks[i]!, ...pictures.items[0]![i]! })),
  };
}

/** Map, galleries and views from the trained network. Every tensor made here is disposed before it returns. */
async function networkSections(run: LoadedRun, o: ReportOptions, cx: ReportContext): Promise<NetworkSections> {
  const { seed, notes, timings } = cx;
  const { train, test } = run.splits;
  const split = test ? 'test' : 'train';
  const source = test ?? train;
  const input = inputKind(source.sampleShape);
  const labelled = source.labels !== null && (test === null || train.labels !== null);
  const classes = labelled ? source.classes.length ? source.classes : [] : [];
  if (!labelled) notes.map = 'The data has no labels: every point has one colour, and neighbours are not marked right or wrong.';
  if (!test) notes.neighbours = `The data has no test split: queries are training ${itemNouns(input).many}, each excluded from its own neighbours.`;

  const { picks, sub, labels: subLabels } = mapSample(source, o.mapPoints ?? 2000, labelled); // positions in `source`, the same items as a dataset
  const given = o.features ?? null;
  let subX: Tensor | null = null;
  let trainX: Tensor | null = null;
  try {
    const sourceX = given ? (test ? given.test : given.train) : null;
    subX = sourceX
      ? scope(() => sourceX.indexSelect(0, tensor(picks, { dtype: 'int64', device: sourceX.device })))
      : await timed(timings, 'embed', () => features(run.method.backbone, sub, embedOptions(run.config), split));
    const map = await embeddingMap(source, split, picks, subX, subLabels, cx);

    // Neighbour galleries: queries from the subsample, references the whole train split.
    const k = o.neighbours ?? 8;
    const queries = pickQueries(subLabels, picks.length, o.galleryQueries ?? 10);
    let galleries: Galleries | null = null;
    if (queries.length > 0 && train.length > (test ? 0 : 1)) {
      const refX = given?.train ?? (trainX = await timed(timings, 'embed', () => features(run.method.backbone, train, embedOptions(run.config), 'train')));
      const x = subX;
      const lists = await timed(timings, 'neighbours', () => {
        return scope(() => {
          const q = x.indexSelect(0, tensor(queries, { dtype: 'int64', device: x.device })); // (Q, D)
          return cosineNeighbours(q, refX, k, test ? undefined : queries.map((p) => picks[p]!));
        });
      });
      const refIdx = Int32Array.from(lists.flatMap((l) => l.indices));
      const pictures = await timed(timings, 'thumbnails', () => previews([{ ds: source, indices: Int32Array.from(queries, (p) => picks[p]!) }, { ds: train, indices: refIdx }], { bands: cx.bands }));
      const [queryPictures, refPictures] = pictures.items as [Preview[], Preview[]];
      const trainLabels = labelled ? train.labels : null;
      let at = 0;
      galleries = {
        querySplit: split,
        figure: pictures.figure,
        composite: pictures.composite,
        rows: queries.map((p, qi) => {
          const qLabel = subLabels ? subLabels[p]! : null;
          return {
            query: { index: picks[p]!, label: qLabel, ...queryPictures[qi]! },
            neighbours: lists[qi]!.indices.map((r, j) => {
              const label = trainLabels ? trainLabels[r]! : null;
              return {
                index: r, label, ...refPictures[at++]!, similarity: lists[qi]!.similarities[j]!,
                correct: label === null || qLabel === null ? null : label === qLabel,
              };
            }),
          };
        }),
      };
    } else {
      notes.neighbours = 'Not enough items for neighbour galleries.';
    }

    const views = await timed(timings, 'views', () => augmentedViewGrid(run.config, train, evenlySpaced(train.length, o.viewRows ?? 8), seed));
    if (!views) notes.views = `The data are ${itemNouns(input).many}: there are no augmented views to show.`;
    const bands = map?.composite ?? galleries?.composite ?? (views?.kind === 'image' ? views.composite : null) ?? null;
    return { input, classes, map, galleries, views, bands };
  } finally {
    subX?.dispose();
    trainX?.dispose();
  }
}

/** What every report starts from: the run's files and its first notes, as the model's common fields. */
export interface ReportStart<C extends ReportConfig> {
  files: RunFiles<C>;
  cx: ReportContext;
  /** The model's fields that come from the files alone. */
  base: Pick<ReportModel, 'title' | 'dir' | 'config' | 'metrics' | 'evaluation' | 'notes'>;
}

/**
 * Reads the run folder `dir` for a report (its config with `readConfig`) and notes what is not
 * there yet (no finished epoch, no eval.json). A run with neither metrics nor a checkpoint is a
 * ReportError, unless the caller has the run open (`opened`: the trainer, at its end).
 */
export function startReport<C extends ReportConfig>(dir: string, readConfig: (dir: string) => C, o: { opened: boolean; seed?: number }): ReportStart<C> {
  const files = readRunFiles(dir, readConfig);
  if (files.metrics.length === 0 && !files.hasCheckpoint && !o.opened) {
    throw new ReportError(`report: run ${dir} has no metrics and no checkpoint yet: it has not finished an epoch, so there is nothing to report`);
  }
  const notes: ReportModel['notes'] = {};
  if (files.metrics.length === 0) notes.training = 'No epoch has finished yet: metrics.jsonl is empty.';
  if (!files.evaluation) {
    notes.evaluation = files.metrics.length < files.config.epochs
      ? `No evaluation yet: the run has finished ${files.metrics.length} of ${files.config.epochs} epochs (eval.json is written when it completes).`
      : 'No eval.json: the data has no labelled test split, or the run did not complete.';
  }
  const cx: ReportContext = { seed: o.seed ?? files.config.seed, bands: files.config.rgbBands ?? 'auto', notes, timings: {} };
  return { files, cx, base: { title: basename(resolve(dir)), dir, config: files.config, metrics: files.metrics, evaluation: files.evaluation, notes } };
}

/** How a report opens its run and builds the sections that need the trained network. */
export interface NetworkSteps<R, S> {
  /** The run, already open (used as is, not closed). */
  given?: R;
  /** Opens the run folder (timed as 'load'); `close` frees what it opened. */
  open(dir: string): Promise<R>;
  close(run: R): void;
  build(run: R): Promise<S>;
  /** The sections `build` makes, noted as waiting for a checkpoint when there is none. */
  sections: readonly SectionId[];
}

/**
 * The sections of `steps.build` from the given run, or from the run opened for it and closed
 * after (however `build` ends); null, with a note on each of `steps.sections`, when there is no
 * run and no checkpoint yet.
 */
export async function withNetwork<R, S>(start: ReportStart<ReportConfig>, steps: NetworkSteps<R, S>): Promise<S | null> {
  const { files, cx } = start;
  if (!files.hasCheckpoint && !steps.given) {
    const why = `No checkpoint yet (${join(files.dir, 'checkpoint', 'last.safetensors')}): the trained network is needed for this section.`;
    for (const id of steps.sections) cx.notes[id] = why;
    return null;
  }
  const run = steps.given ?? await timed(cx.timings, 'load', () => steps.open(files.dir));
  try {
    return await steps.build(run);
  } finally {
    if (!steps.given) steps.close(run);
  }
}

/**
 * Writes the model `build` makes as HTML to `o.file` (atomically), logs one line with the
 * phases' seconds and returns what it did; the seconds count from the call.
 */
export async function writeModel(build: () => Promise<{ model: ReportModel; timings: Record<string, number> }>, o: { file: string; log?: (line: string) => void }): Promise<ReportResult> {
  const t0 = performance.now();
  const { model, timings } = await build();
  const html = await timed(timings, 'html', () => Buffer.from(renderReportHtml(model)));
  writeFileAtomic(o.file, [html]);
  const seconds = (performance.now() - t0) / 1000;
  o.log?.(`report: wrote ${o.file} (${(html.length / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s (${
    Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')})`);
  return { file: o.file, bytes: html.length, seconds, timings, notes: model.notes };
}

/**
 * Builds the report model of the run folder `dir`: the config, metrics and evaluation from its
 * files, and (when a checkpoint exists) the embedding map, neighbour galleries and augmented views
 * from the trained network. A run without labels, without finished epochs or without eval.json
 * gives a report with those sections explained; a folder that is not a run, or a run with neither
 * metrics nor a checkpoint, is a ReportError.
 */
export async function buildReport(dir: string, o: ReportOptions = {}): Promise<{ model: ReportModel; timings: Record<string, number> }> {
  const start = startReport(dir, readRunConfig, { opened: !!o.run, seed: o.seed });
  const network = await withNetwork(start, {
    given: o.run, open: (d) => loadRun(d), close: (run) => run.method.dispose(), build: (run) => networkSections(run, o, start.cx), sections: ['map', 'neighbours', 'views'],
  }) ?? { input: null, classes: [], map: null, galleries: null, views: null, bands: null };
  const c = start.files.config;
  const model: ReportModel = {
    ...start.base,
    kind: 'pretrain',
    subtitle: `${c.method} · ${c.encoder} · ${c.data} · batch ${c.batchSize} · ${c.device} · seed ${c.seed} · run folder ${dir}`,
    ...network,
  };
  return { model, timings: start.cx.timings };
}

/**
 * Writes the HTML report of the run folder `dir` (default `DIR/report.html`, atomically): one
 * self-contained page with the config, the training curves, the evaluation table, a UMAP map of
 * the test embeddings (image or series on hover), nearest-neighbour galleries and augmented views
 * (images as thumbnails, multi-band or standardised images as an RGB composite of the config's
 * `rgbBands`, each band stretched by its 2nd/98th percentile over each figure's images, with a
 * per-band mean/std chart; sequences as line plots or heat maps: `inputKind` of the data says
 * which); it opens offline. See `buildReport` for what is required of the run and how missing parts are shown.
 */
export async function writeReport(dir: string, o: ReportOptions = {}): Promise<ReportResult> {
  return writeModel(() => buildReport(dir, o), { file: o.file ?? join(dir, 'report.html'), log: o.log });
}
