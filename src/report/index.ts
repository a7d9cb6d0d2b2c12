// The HTML report of a run folder (DIR/report.html): training curves, evaluation, a UMAP map of
// the embeddings, neighbour galleries and augmented views (images, or series for sequences), in one
// self-contained page; for a fine-tuning run, the classifier's confusion matrix, per-class
// accuracy and most confident mistakes.
export { writeReport, buildReport, type ReportOptions, type ReportResult } from './write.js';
export { writeFinetuneReport, buildFinetuneReport, type FinetuneReportOptions } from './finetune.js';
export {
  classificationSection, type ClassificationSection, type ClassificationOptions, type ClassAccuracy, type Misclassified,
} from './classification.js';
export { reportCallback, finetuneReportCallback, type ReportCallbackContext, type FinetuneReportCallbackContext } from './callback.js';
export { readRunFiles, ReportError, type RunFiles } from './data.js';
export { umapLayout, mulberry32, UMAP_MIN_POINTS, type UmapOptions } from './umap.js';
export { cosineNeighbours, pickQueries, type NeighbourList } from './gallery.js';
export { pngDataUri, isImageDataset, drawnAsIs, THUMBNAIL_SIDE } from './images.js';
export { thumbnails, readSeries, previews, figureComposite, type Preview } from './items.js';
export {
  BandAccumulator, stretchImage, compositeKey, quantile, STRETCH_SAMPLE, type Composite, type BandSummary, type BandChoice,
} from './composite.js';
export {
  seriesFigure, seriesThumb, seriesSvg, LINE_CHANNELS, SERIES_MAX_POINTS, HEATMAP_MAX_FEATURES,
  type SeriesFigure, type SeriesThumb, type SeriesValues,
} from './series.js';
export { augmentedViewGrid, type ViewGrid, type ImageViewGrid, type SeriesViewGrid } from './views.js';
export {
  renderReportHtml, echartsBundle, itemNouns, classColours, escapeHtml, scriptJson,
  type ReportModel, type ReportConfig, type EmbeddingMap, type MapPoint, type Galleries, type GalleryRow, type GalleryImage, type SectionId,
} from './html.js';
