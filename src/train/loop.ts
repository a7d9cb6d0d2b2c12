// The training loop: epochs of steps, and named hooks around them for everything else (progress,
// metrics, monitor, checkpoints, guards, signals, evaluation, report), as Keras and Lightning
// callbacks. Pre-training, fine-tuning and distributed training run the same loop.
import type { EpochMetrics } from '../run/index.js';
import { keep, scope, type Tensor } from '../tensor/index.js';

/** How a run ended: all epochs done, stopped on request (SIGINT), or an error (a callback's or a step's). */
export type LoopStatus = 'running' | 'completed' | 'interrupted' | 'failed';

/** Where the loop stands. Callbacks read it; `requestStop()` ends the run after the current step. */
export interface LoopState {
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  /** The epoch running, 0-based. */
  epoch: number;
  /** Steps done in this epoch (a resumed epoch counts the ones done before the resume). */
  step: number;
  /** The latest loss read back from the device: the mean over the steps since the read before; null before the first. */
  loss: number | null;
  /** Whether `loss` was read at the step that just ended (every step on the CPU, every `lossEvery` on CUDA). */
  lossRead: boolean;
  /** Steps the latest read covers (1 when the loss is read every step). */
  lossSteps: number;
  /** The mean loss of this epoch's steps read back so far (null before the first read). */
  epochLoss: number | null;
  /** Items (images) this epoch's steps have taken, and when (performance.now()) its first step began. */
  epochItems: number;
  epochStart: number;
  /** Epochs done, this run's and (after a resume) the earlier ones. */
  readonly history: EpochMetrics[];
  /** Seconds each callback (by name) took in the current epoch's hooks. */
  readonly timings: Record<string, number>;
  status: LoopStatus;
  /** Whether a callback asked the loop to stop. */
  readonly stopRequested: boolean;
  /** Ends the run after the current step and its hooks, with status 'interrupted'. */
  requestStop(): void;
}

/** A hook's context: the loop state, plus what the caller put in it (the trainer's run, optimizer, ...). */
export interface Callback<S extends LoopState = LoopState> {
  /** Names the callback in timings and messages. */
  readonly name: string;
  /** Before the first step (after a resume has restored the state). */
  onTrainStart?(s: S): void | Promise<void>;
  onEpochStart?(s: S): void | Promise<void>;
  /** After each optimizer step. */
  onStepEnd?(s: S): void | Promise<void>;
  /** After the epoch's last step; `m` is already in `s.history`, and earlier callbacks may have filled fields of it (the kNN monitor's `knn_top1`). */
  onEpochEnd?(s: S, m: EpochMetrics): void | Promise<void>;
  /** Once, however the run ended (`s.status`); an error of the run is rethrown after every callback has seen it. */
  onTrainEnd?(s: S): void | Promise<void>;
}

/** What the loop runs: the batches, the step, and where to start. */
export interface LoopSpec<B extends { step: number }> {
  /** The batches of epoch e, in order; each knows its position in the epoch. */
  batches(epoch: number): AsyncIterable<B>;
  /** One optimisation step on a batch; returns its loss (a scalar, freed by the loop after reading it). */
  step(batch: B): Tensor;
  /** Items in a batch (images/s counts them). */
  items(batch: B): number;
  /** The learning rate now (the epoch's metrics record the last one). */
  lr(): number;
  /** A resumed run's position: epoch, and steps already done in it (default: the start). */
  start?: { epoch: number; step: number };
  /**
   * Read the loss back every n steps (default 1). Reading waits for the device: on CUDA a larger
   * n lets steps queue up; the loss is summed on the device in between, so nothing is lost.
   */
  lossEvery?: number;
}

/** A fresh loop state for `epochs` of `stepsPerEpoch` steps, merged into `extra` (the caller's context). */
export function loopState<E extends object>(epochs: number, stepsPerEpoch: number, extra: E, history: EpochMetrics[] = []): E & LoopState {
  let stop = false;
  const base: LoopState = {
    epochs, stepsPerEpoch, epoch: 0, step: 0, loss: null, lossRead: false, lossSteps: 0, epochLoss: null, epochItems: 0, epochStart: 0,
    history, timings: {}, status: 'running',
    get stopRequested() { return stop; },
    requestStop() { stop = true; },
  };
  return Object.defineProperties(extra, Object.getOwnPropertyDescriptors(base)) as E & LoopState;
}

/**
 * Runs `spec` from its start to `s.epochs`, calling each callback's hooks in order (a hook may be
 * asynchronous). The event loop turns after every step, so signal handlers run. Returns the final
 * status; an error thrown by a step or a hook ends the run ('failed'), reaches every
 * `onTrainEnd`, then is rethrown.
 */
export async function runLoop<S extends LoopState, B extends { step: number }>(s: S, spec: LoopSpec<B>, callbacks: readonly Callback<S>[]): Promise<LoopStatus> {
  const every = spec.lossEvery ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new RangeError(`runLoop: lossEvery must be a positive integer, got ${String(spec.lossEvery)}`);
  const start = spec.start ?? { epoch: 0, step: 0 };
  const hook = async <K extends 'onTrainStart' | 'onEpochStart' | 'onStepEnd' | 'onTrainEnd'>(k: K): Promise<void> => {
    for (const c of callbacks) await timed(s, c.name, () => c[k]?.(s));
  };
  let pending: Tensor | null = null; // the losses not read back yet, summed on the device
  let pendingSteps = 0;
  try {
    await hook('onTrainStart');
    for (let epoch = start.epoch; epoch < s.epochs && !s.stopRequested; epoch++) {
      s.epoch = epoch;
      s.step = epoch === start.epoch ? start.step : 0;
      s.loss = null;
      s.epochLoss = null;
      s.epochItems = 0;
      for (const k of Object.keys(s.timings)) delete s.timings[k];
      await hook('onEpochStart');
      s.epochStart = performance.now();
      let lossSum = 0;
      let lossSteps = 0;
      /** Takes in the sum `value` of the `pendingSteps` losses just read back. */
      const took = (value: number): void => {
        s.loss = value / pendingSteps;
        s.lossSteps = pendingSteps;
        lossSum += value;
        lossSteps += pendingSteps;
        s.epochLoss = lossSum / lossSteps;
        pendingSteps = 0;
        (pending as Tensor | null)?.dispose();
        pending = null;
      };
      for await (const batch of spec.batches(epoch)) {
        if (batch.step < s.step) continue; // done before the resume
        const lastOfEpoch = batch.step + 1 === s.stepsPerEpoch;
        pendingSteps += 1;
        const read = pendingSteps >= every || lastOfEpoch;
        const value = scope(() => {
          const loss = spec.step(batch).detach().to('float32');
          if (read && !pending) return loss.item();
          pending = pending ? pending.add_(loss) : keep(loss.clone());
          return read ? pending.item() : null;
        });
        s.epochItems += spec.items(batch);
        s.step = batch.step + 1;
        s.lossRead = value !== null;
        if (value !== null) took(value);
        await hook('onStepEnd');
        await new Promise((r) => setImmediate(r));
        if (s.stopRequested) break;
      }
      if (s.stopRequested) break;
      const left = pending as Tensor | null; // an epoch shorter than stepsPerEpoch (unreadable items) leaves losses unread
      if (left) took(left.item());
      const seconds = (performance.now() - s.epochStart) / 1000; // the steps and their hooks, not the epoch-end hooks (monitor, checkpoint)
      const m: EpochMetrics = {
        epoch: epoch + 1, loss: s.epochLoss ?? Number.NaN, lr: spec.lr(), images_per_second: s.epochItems / seconds, seconds, knn_top1: null,
      };
      s.history.push(m);
      for (const c of callbacks) await timed(s, c.name, () => c.onEpochEnd?.(s, m));
    }
    s.status = s.stopRequested ? 'interrupted' : 'completed';
  } catch (e) {
    s.status = 'failed';
    await endAfterFailure(s, callbacks);
    throw e;
  } finally {
    (pending as Tensor | null)?.dispose();
  }
  await hook('onTrainEnd');
  return s.status;
}

/** Runs every `onTrainEnd` of a failed run; their own errors are reported on stderr, not raised over the run's. */
async function endAfterFailure<S extends LoopState>(s: S, callbacks: readonly Callback<S>[]): Promise<void> {
  for (const c of callbacks) {
    try {
      await c.onTrainEnd?.(s);
    } catch (e) {
      process.stderr.write(`${c.name}: ${(e as Error).message} (while the run was failing)\n`);
    }
  }
}

/** Runs `fn`, adding its seconds to `s.timings[name]`. */
async function timed(s: LoopState, name: string, fn: () => void | Promise<void>): Promise<void> {
  const t0 = performance.now();
  try {
    await fn();
  } finally {
    s.timings[name] = (s.timings[name] ?? 0) + (performance.now() - t0) / 1000;
  }
}
