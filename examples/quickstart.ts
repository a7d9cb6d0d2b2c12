// The library's one-call path: train SimCLR on part of Fashion-MNIST with the report callback,
// then read the run folder.
//
//   node dist/examples/quickstart.js [OUT_DIR]
//
// The same as `contrastive train --train-limit 4096 --test-limit 1000 --epochs 2 --out OUT_DIR`.
import { DEFAULT_CONFIG, reportCallback, train } from '../src/index.js';

const out = process.argv[2] ?? 'runs/quickstart';
const result = await train(
  { ...DEFAULT_CONFIG, out, epochs: 2, trainLimit: 4096, testLimit: 1000, batchSize: 256 },
  { progress: false, callbacks: [reportCallback()] }, // the report from the trained model in memory, as the command writes it
);
for (const e of result.epochs) console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, kNN top-1 ${e.knn_top1?.toFixed(4)}`);
console.log(JSON.stringify(result.evaluation));
console.log(`run folder: ${result.out} (config.json, metrics.jsonl, checkpoint/, eval.json, report.html)`);
