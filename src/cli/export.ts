// `contrastive export --run DIR --onnx FILE [--head] [--index-for-browser DIR]`: a run's encoder
// (and optionally projection head) as an ONNX model, checked with onnxruntime-node.
import type { Command } from 'commander';
import { exportRun } from '../export/index.js';
import { int, num, printJson } from './options.js';

interface ExportFlags {
  run: string;
  onnx: string;
  head?: boolean;
  probabilities?: boolean;
  verify: number;
  tolerance?: number;
  indexForBrowser?: string;
  indexLimit?: number;
  json?: boolean;
}

export function registerExport(p: Command): void {
  p.command('export')
    .description('export a run\'s encoder (and optionally its projection head), or a fine-tuning run\'s classifier, as an ONNX model (opset 17, float32 NCHW, dynamic batch)')
    .requiredOption('--run <dir>', 'the run folder (from contrastive train)')
    .requiredOption('--onnx <file>', 'the .onnx file to write')
    .option('--head', 'export backbone + projection head (the embedding space of the loss) instead of the backbone alone')
    .option('--probabilities', "a fine-tuning run: output the classifier's softmax probabilities instead of its logits")
    .option('--verify <n>', 'compare onnxruntime-node with the engine on N test images before writing (0 skips)', int('--verify'), 256)
    .option('--tolerance <x>', 'largest accepted max |difference|, relative to max(1, max |output|) (default 1e-4)', num('--tolerance'))
    .option('--index-for-browser <dir>', 'also write the model, embeddings and thumbnails of test images for examples/browser/ into DIR')
    .option('--index-limit <n>', 'images in the browser index (default 1000)', int('--index-limit'))
    .option('--json', 'print one JSON object on stdout')
    .action(async (f: ExportFlags) => {
      const r = await exportRun(f.run, {
        onnx: f.onnx, head: f.head ?? false, probabilities: f.probabilities ?? false, verifyImages: f.verify, tolerance: f.tolerance,
        indexForBrowser: f.indexForBrowser, indexLimit: f.indexLimit,
      });
      if (f.json) {
        printJson(r);
        return;
      }
      const mb = (r.bytes / 1e6).toFixed(2);
      process.stdout.write(`wrote ${r.onnx} (${mb} MB; opset ${r.opset}; ${r.nodes} nodes, ${r.initializers} initializers; ${r.export_seconds.toFixed(2)} s)\n`);
      process.stdout.write(`  ${r.input.name} [${r.input.shape.join(', ')}] float32 -> ${r.output.name} [${r.output.shape.join(', ')}] float32\n`);
      if (r.verify) process.stdout.write(`  onnxruntime vs engine on ${r.verify.images} test images: max |difference| ${r.verify.max_abs_diff.toExponential(2)} (max |output| ${r.verify.max_abs_output.toFixed(3)})\n`);
      if (r.index) process.stdout.write(`  browser index: ${r.index.items} images, dim ${r.index.dim}, in ${r.index.dir}\n`);
    });
}
