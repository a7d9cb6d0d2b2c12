// Checkpoints: checkpoint/last.safetensors after every epoch and on interruption (everything a
// resume needs), and what the run ships when it completes (the encoder alone, or the classifier).
import { loadCheckpoint, saveCheckpoint } from '../../io/index.js';
import type { StateDict } from '../../nn/index.js';
import type { Optimizer, ScheduleStateDict, WarmupCosineSchedule } from '../../optim/index.js';
import { readMetrics } from '../../run/index.js';
import { getRngState, scope, setRngState } from '../../tensor/index.js';
import type { Callback, LoopState } from '../loop.js';

/** What a checkpoint holds the weights of: a method (with its extras: queues, EMA step) or a classifier. */
export interface Checkpointed {
  stateDict(): StateDict;
  loadStateDict(sd: StateDict): unknown;
  extraState?(): Record<string, unknown>;
  loadExtraState?(state: Record<string, unknown>): void;
}

/** What checkpointing reads of a trainer's context (pre-training's and fine-tuning's both have it). */
export interface CheckpointContext extends LoopState {
  readonly config: unknown;
  readonly paths: { readonly checkpoint: string; readonly metrics: string };
  readonly optimizer: Optimizer<{ lr: number }>;
  readonly schedule: WarmupCosineSchedule;
  log(line: string): void;
}

/** Writes the full state (model, optimizer, schedule, RNG, model extras, position) atomically. */
function save(s: CheckpointContext, model: Checkpointed, epoch: number, step: number): void {
  scope(() => {
    saveCheckpoint(s.paths.checkpoint, {
      model: model.stateDict(),
      optimizer: s.optimizer.stateDict(),
      schedule: s.schedule.stateDict(),
      tensors: { rng: getRngState() },
      extra: { epoch, step, method: model.extraState?.() ?? {}, config: s.config },
    });
  });
}

/**
 * The checkpoint callback: the full state of `o.model(s)` at the end of every epoch, and at the
 * step where an interrupted run stopped (`--resume` continues there); when the run completes,
 * `o.final(s)` writes what the run ships (the encoder alone, or the classifier, under PyTorch
 * names). A failed run writes nothing, so the last good checkpoint stays.
 */
export function checkpointCallback<S extends CheckpointContext>(o: { model: (s: S) => Checkpointed; final: (s: S) => void }): Callback<S> {
  return {
    name: 'checkpoint',
    onEpochEnd(s, m) {
      save(s, o.model(s), m.epoch, 0);
    },
    onTrainEnd(s) {
      if (s.status === 'interrupted') {
        save(s, o.model(s), s.epoch, s.step);
        s.log(`interrupted: checkpoint at epoch ${s.epoch + 1}, step ${s.step} written to ${s.paths.checkpoint}; continue with --resume`);
      } else if (s.status === 'completed') {
        scope(() => o.final(s));
      }
    },
  };
}

/**
 * Restores a run from its checkpoint into `model` (weights and extras), the optimizer, the
 * schedule and the RNG, and the epochs metrics.jsonl records up to it into `s.history`; returns
 * where to continue.
 */
export function restoreCheckpoint(s: CheckpointContext, model: Checkpointed): { epoch: number; step: number } {
  const start = scope(() => {
    const ck = loadCheckpoint(s.paths.checkpoint);
    model.loadStateDict(ck.model);
    if (ck.optimizer) s.optimizer.loadStateDict(ck.optimizer);
    if (ck.schedule) s.schedule.loadStateDict(ck.schedule as ScheduleStateDict);
    if (ck.tensors?.rng) setRngState(ck.tensors.rng);
    const extra = ck.extra ?? {};
    model.loadExtraState?.((extra.method ?? {}) as Record<string, unknown>);
    return { epoch: Number(extra.epoch ?? 0), step: Number(extra.step ?? 0) };
  });
  s.history.push(...readMetrics(s.paths.metrics).filter((m) => m.epoch <= start.epoch));
  return start;
}
