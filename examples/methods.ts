// One runnable example per method: each built from its parts with its paper's optimizer, then
// trained for a few steps on Fashion-MNIST by a hand-written loop.
//
//   node dist/examples/methods.js                 # every method, 20 steps each
//   node dist/examples/methods.js byol supcon --steps 50
//
// `contrastive train --method NAME` runs the same methods with the full trainer (schedule, kNN
// monitor, checkpoints); this file shows what that trainer does underneath.
import { augment, data, memory, methods, nn, optim, scope, type Tensor } from '../src/index.js';

const encoder = (): nn.Encoder => nn.createEncoder('convnet-small', { inChannels: 1 });

/** What a method needs: the model and its paper's optimizer over the trainable parameters. */
interface Recipe { method: methods.Method; optimizer: optim.Optimizer<{ lr: number }> }

const lars = (m: methods.Method, lr: number): optim.Optimizer<{ lr: number }> => new optim.LARS(m.trainableParameters(), { lr, weightDecay: 1e-6 });
const sgd = (m: methods.Method, lr: number): optim.Optimizer<{ lr: number }> => new optim.SGD(m.trainableParameters(), { lr, momentum: 0.9, weightDecay: 5e-4 });

/** Each method with the options its paper is known for (see src/methods/ for the citations). */
export const RECIPES: Record<methods.MethodName, (steps: number) => Recipe> = {
  // SimCLR (Chen et al. 2020): NT-Xent over both views, LARS.
  simclr: () => { const m = new methods.SimCLR({ encoder, temperature: 0.2 }); return { method: m, optimizer: lars(m, 1.2) }; },
  // NNCLR (Dwibedi et al. 2021): the nearest neighbour in a support queue is the positive.
  nnclr: () => { const m = new methods.NNCLR({ encoder, queueSize: 4096, temperature: 0.1 }); return { method: m, optimizer: lars(m, 1.2) }; },
  // BYOL (Grill et al. 2020): predictor + EMA target whose tau rises to 1 over the run.
  byol: (steps) => { const m = new methods.BYOL({ encoder, tau: 0.99, totalSteps: steps }); return { method: m, optimizer: lars(m, 1.2) }; },
  // SupCon (Khosla et al. 2020): the labels say which views are positives.
  supcon: () => { const m = new methods.SupCon({ encoder, temperature: 0.1 }); return { method: m, optimizer: lars(m, 1.2) }; },
  // MoCo v2 (Chen et al. 2020): momentum key encoder and a queue of negatives.
  moco: (steps) => { const m = new methods.MoCo({ encoder, queueSize: 4096, temperature: 0.2, tau: 0.99, totalSteps: steps }); return { method: m, optimizer: sgd(m, 0.06) }; },
  // SimSiam (Chen & He 2021): stop-gradient, no negatives, no EMA.
  simsiam: () => { const m = new methods.SimSiam({ encoder }); return { method: m, optimizer: sgd(m, 0.06) }; },
  // Barlow Twins (Zbontar et al. 2021): the cross-correlation of the views pushed to identity.
  barlowtwins: () => { const m = new methods.BarlowTwins({ encoder }); return { method: m, optimizer: lars(m, 0.2) }; },
  // VICReg (Bardes et al. 2022): variance, invariance and covariance terms.
  vicreg: () => { const m = new methods.VICReg({ encoder }); return { method: m, optimizer: lars(m, 0.2) }; },
};

/** Trains `name` for `steps` batches of 128 and returns the first and last losses. */
export async function runMethod(name: methods.MethodName, steps: number): Promise<{ first: number; last: number; tensorsBefore: number; tensorsAfter: number }> {
  const { method, optimizer } = RECIPES[name](steps);
  const views = augment.mnist28(); // two views: crop, flip, brightness/contrast jitter
  const loader = new data.Loader(data.fashionMNIST({ split: 'train' }), { batchSize: 128, shuffle: true, seed: 0, dropLast: true });
  const losses: number[] = [];
  let tensorsBefore = -1;
  let tensorsAfter = -1;
  for await (const batch of loader.epoch(0)) {
    const loss = scope(() => {
      const v: Tensor[] = views.views(batch.x); // 2 x (128, 1, 28, 28)
      const l = method.forward(v, method.needsLabels ? batch.y : null);
      l.backward();
      optimizer.step();
      optimizer.zeroGrad();
      method.afterStep(); // EMA targets and queues move after each step
      return l.item();
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
  for (const n of names) if (!(n in RECIPES)) throw new Error(`unknown method '${n}'; known: ${methods.METHOD_NAMES.join(', ')}`);
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
