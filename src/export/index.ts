// ONNX export: the module tree as an ONNX graph (opset 17), checked with onnxruntime-node, and
// the nearest-neighbour index of the browser example.
export { OnnxGraph, OPSET, IR_VERSION, intAttr, intsAttr, floatAttr, type Dim, type OnnxValue, type OnnxAttribute, type OnnxElementType, type OnnxModelInfo } from './onnx-graph.js';
export { OnnxExportError, type Converter, type ConverterContext, type ConverterEntry } from './converter.js';
export { toOnnx, registerOnnxConverter, findOnnxConverter, onnxModuleTypes, type OnnxStage, type ToOnnxOptions, type OnnxExport } from './export.js';
export { layerConverters } from './layers.js';
export { blockConverters } from './blocks.js';
export { openOnnxRuntime, maxAbsDiff, maxAbs, type OnnxFeed, type OnnxRuntimeSession } from './verify.js';
export { embedImages, embedSequences, forwardStages, pixelsToInput, readImages, readSequences, readBands, embedBands, unstandardize, type ImageBatch, type SequenceBatch, type BandBatch, type BandStatistics } from './engine.js';
export { sequenceConverters, LENGTHS_INPUT } from './sequence.js';
export { writeBrowserIndex, bandThumbnails, BROWSER_INDEX_FORMAT, type BrowserBandPreprocess, type BrowserIndex, type BrowserIndexItem, type BrowserIndexInput, type BrowserIndexSummary, type BrowserPreprocess, type ExportBands } from './browser-index.js';
export { exportRun, exportModel, type ExportableModel, type ExportRunOptions, type ExportRunResult } from './export-run.js';
