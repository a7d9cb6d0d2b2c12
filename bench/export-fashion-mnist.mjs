// Writes contrastive's Fashion-MNIST split as raw files for bench/simclr_reference.py:
// DIR/fm-{train,test}-x.u8 (N x 28 x 28 uint8) and DIR/fm-{train,test}-y.i32 (N int32 labels).
//   node bench/export-fashion-mnist.mjs [DIR]   (after npx tsc; default /tmp/q)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fashionMNIST } from '../dist/src/data/index.js';

const dir = process.argv[2] ?? '/tmp/q';
mkdirSync(dir, { recursive: true });
for (const split of ['train', 'test']) {
  const ds = fashionMNIST({ split });
  writeFileSync(join(dir, `fm-${split}-x.u8`), Buffer.from(ds.data.buffer, ds.data.byteOffset, ds.data.byteLength));
  writeFileSync(join(dir, `fm-${split}-y.i32`), Buffer.from(ds.labels.buffer, ds.labels.byteOffset, ds.labels.byteLength));
  console.log(`${split}: ${ds.length} images -> ${dir}`);
}
