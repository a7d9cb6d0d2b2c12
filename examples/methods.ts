// One runnable example per method: each built to its paper's recipe (the recipe its file
// declares: options, heads, optimizer), then trained for a few steps on Fashion-MNIST by a
// hand-written loop around the trainer's step: as images, or as sequences of 28 rows for a
// method that learns from sequences only (CPC).
//
//   node dist/examples/methods.js                 # every method, 20 steps each
//   node dist/examples/methods.js byol supcon --steps 50
//
// `contrastive train --method NAME` runs the same methods with the full trainer (schedule, kNN
// monitor, checkpoints); this file shows what that trainer does underneath.
import { augment, data, memory, methods, nn, scope, training, type Tensor } from '../src/index.js';

const BATCH = 128;

/**
 * What `recipe`'s method trains on here: Fashion-MNIST images with convnet-small and the mnist28
 * views or, for a method that learns from sequences only (CPC), Fashion-MNIST as 28 steps of 28
 * features with the encoder and views its recipe names for sequences.
 */
function setting(recipe: methods.MethodRecipe): { encoder: () => nn.Encoder; views: augment.ViewTransform; dataset: data.Dataset } {
  if (recipe.inputs.includes('image')) {
    return { encoder: () => nn.createEncoder('convnet-small', { inChannels: 1 }), views: augment.mnist28(), dataset: data.fashionMNIST({ split: 'train' }) };
  }
  return {
    encoder: () => nn.createEncoder(recipe.encoder?.sequence ?? 'gru', { inputSize: 28 }),
    views: augment.preset(recipe.augment.sequence as augment.PresetName),
    dataset: data.fashionMNISTSeq({ split: 'train' }),
  };
}

/**
 * The method named `name`, built to its recipe (`methods.SimCLR.recipe`, ...: the paper's
 * temperature, queue, τ and head widths), and the recipe's optimizer at this batch size (see
 * src/methods/ for each recipe and its citations).
 */
function build(name: methods.MethodName, encoder: () => nn.Encoder, steps: number): { method: methods.Method; optimizer: ReturnType<typeof methods.createOptimizer> } {
  const method = methods.createMethod(name, { encoder, totalSteps: steps }); // totalSteps: BYOL's and MoCo's EMA schedule
  const optimizer = methods.createOptimizer(method, methods.optimizerSettings(method.recipe, { batchSize: BATCH }));
  return { method, optimizer };
}

/** Trains `name` for `steps` batches of 128 and returns the first and last losses. */
export async function runMethod(name: methods.MethodName, steps: number): Promise<{ first: number; last: number; tensorsBefore: number; tensorsAfter: number }> {
  const { encoder, views, dataset } = setting(methods.recipeOf(name));
  const { method, optimizer } = build(name, encoder, steps);
  const loader = new data.Loader(dataset, { batchSize: BATCH, shuffle: true, seed: 0, dropLast: true });
  const losses: number[] = [];
  let tensorsBefore = -1;
  let tensorsAfter = -1;
  for await (const batch of loader.epoch(0)) {
    const loss = scope(() => {
      const v: Tensor[] = views.views(batch.x, batch.lengths); // 2 x (128, 1, 28, 28) images or (128, 28, 28) sequences
      // The trainer's step: forward, backward, optimizer step, zeroGrad, then the method's afterStep (EMA targets and queues move).
      return training.trainStep(method, v, batch.y, optimizer, { lengths: batch.lengths }).item();
    });
    losses.push(loss);
    // Live tensors after the first step (the optimizer's state now exists) and after the last.
    if (losses.length === 1) tensorsBefore = memory().tensors;
    if (losses.length === steps) {
      tensorsAfter = memory().tensors;
      break;
    }
  }
  method.dispose();
  optimizer.dispose();
  // Average the first and last few steps: single batches are noisy.
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const k = Math.max(1, Math.floor(steps / 4));
  return { first: mean(losses.slice(0, k)), last: mean(losses.slice(-k)), tensorsBefore, tensorsAfter };
}

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--steps');
  const steps = i >= 0 ? Number(argv[i + 1]) : 20;
  if (!Number.isInteger(steps) || steps < 2) throw new Error(`--steps expects an integer >= 2, got ${argv[i + 1]}`);
  const names = argv.filter((a, j) => !a.startsWith('--') && !(i >= 0 && j === i + 1));
  for (const n of names) if (!(methods.METHOD_NAMES as readonly string[]).includes(n)) throw new Error(`unknown method '${n}'; known: ${methods.METHOD_NAMES.join(', ')}`);
  for (const name of (names.length ? names : methods.METHOD_NAMES) as methods.MethodName[]) {
    const r = await runMethod(name, steps);
    console.log(`${name.padEnd(12)} loss ${r.first.toFixed(4)} -> ${r.last.toFixed(4)} over ${steps} steps; live tensors ${r.tensorsBefore} -> ${r.tensorsAfter}`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
