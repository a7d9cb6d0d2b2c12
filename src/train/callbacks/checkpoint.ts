// Checkpoints: checkpoint/last.safetensors after every epoch and on interruption (everything a
// resume needs), and checkpoint/encoder.safetensors when the run completes (the encoder alone).
import { loadCheckpoint, saveCheckpoint, saveSafetensors } from '../../io/index.js';
import type { ScheduleStateDict } from '../../optim/index.js';
import { readMetrics } from '../../run/index.js';
import { getRngState, scope, setRngState } from '../../tensor/index.js';
import type { TrainContext } from '../context.js';
import type { Callback } from '../loop.js';

/** Writes the full state (model, optimizer, schedule, RNG, method extras, position) atomically. */
function save(s: TrainContext, epoch: number, step: number): void {
  scope(() => {
    saveCheckpoint(s.paths.checkpoint, {
      model: s.run.method.stateDict(),
      optimizer: s.optimizer.stateDict(),
      schedule: s.schedule.stateDict(),
      tensors: { rng: getRngState() },
      extra: { epoch, step, method: s.run.method.extraState(), config: s.config },
    });
  });
}

/**
 * The checkpoint callback: the full state at the end of every epoch, and at the step where an
 * interrupted run stopped (`--resume` continues there); when the run completes, the encoder's
 * state dict alone, under the encoder's own (PyTorch) names. A failed run writes nothing, so the
 * last good checkpoint stays.
 */
export function checkpointCallback(): Callback<TrainContext> {
  return {
    name: 'checkpoint',
    onEpochEnd(s, m) {
      save(s, m.epoch, 0);
    },
    onTrainEnd(s) {
      if (s.status === 'interrupted') {
        save(s, s.epoch, s.step);
        s.log(`interrupted: checkpoint at epoch ${s.epoch + 1}, step ${s.step} written to ${s.paths.checkpoint}; continue with --resume`);
      } else if (s.status === 'completed') {
        scope(() => saveSafetensors(s.paths.encoder, s.run.method.backbone.stateDict(), { format: 'contrastive-encoder', encoder: s.config.encoder }));
      }
    },
  };
}

/**
 * Restores a run from its checkpoint (model, optimizer, schedule, RNG, method extras) and the
 * epochs metrics.jsonl records up to it into `s.history`; returns where to continue.
 */
export function restoreCheckpoint(s: TrainContext): { epoch: number; step: number } {
  const start = scope(() => {
    const ck = loadCheckpoint(s.paths.checkpoint);
    s.run.method.loadStateDict(ck.model);
    if (ck.optimizer) s.optimizer.loadStateDict(ck.optimizer);
    if (ck.schedule) s.schedule.loadStateDict(ck.schedule as ScheduleStateDict);
    if (ck.tensors?.rng) setRngState(ck.tensors.rng);
    const extra = ck.extra ?? {};
    s.run.method.loadExtraState((extra.method ?? {}) as Record<string, unknown>);
    return { epoch: Number(extra.epoch ?? 0), step: Number(extra.step ?? 0) };
  });
  s.history.push(...readMetrics(s.paths.metrics).filter((m) => m.epoch <= start.epoch));
  return start;
}
