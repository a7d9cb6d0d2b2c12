// The library's one-call path: train SimCLR on part of Fashion-MNIST with the report callback,
// read the run folder, then fine-tune a classifier from it on 10 labels per class.
//
//   node dist/examples/quickstart.js [OUT_DIR]
//
// The same as `contrastive train --train-limit 4096 --test-limit 1000 --epochs 2 --out OUT_DIR`,
// then `contrastive finetune --run OUT_DIR --labels-per-class 10 --epochs 10 --out OUT_DIR/finetune`.
import { DEFAULT_CONFIG, finetune, finetuneReportCallback, reportCallback, resolveFinetuneConfig, train } from '../src/index.js';

const out = process.argv[2] ?? 'runs/quickstart';
const result = await train(
  { ...DEFAULT_CONFIG, out, epochs: 2, trainLimit: 4096, testLimit: 1000, batchSize: 256 },
  { progress: false, callbacks: [reportCallback()] }, // the report from the trained model in memory, as the command writes it
);
for (const e of result.epochs) console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, kNN top-1 ${e.knn_top1?.toFixed(4)}`);
console.log(JSON.stringify(result.evaluation));
console.log(`run folder: ${result.out} (config.json, metrics.jsonl, checkpoint/, eval.json, report.html)`);

// Few-label transfer: the run's encoder and a linear head, trained with cross-entropy on 100 labels.
const tuned = await finetune(
  resolveFinetuneConfig({ from: out, labelsPerClass: 10, epochs: 10, out: `${out}/finetune` }),
  { progress: false, callbacks: [finetuneReportCallback()] },
);
console.log(`fine-tuned on 100 labels: test top-1 ${tuned.evaluation?.top1.toFixed(4)} (${tuned.out}: config.json, metrics.jsonl, checkpoint/, eval.json, report.html)`);
