// Training checkpoints: model, optimizer and schedule state in one safetensors file.
import { Tensor } from '../tensor/index.js';
import type { StateDict } from '../nn/index.js';
import type { OptimizerStateDict, ParamState } from '../optim/index.js';
import { SafetensorsError, loadSafetensors, saveSafetensors } from './safetensors.js';

/** The format marker in a checkpoint's metadata. */
const FORMAT = 'contrastive-checkpoint';
const VERSION = '1';

/**
 * What a checkpoint holds. Tensors go in the safetensors data under prefixes (`model.`,
 * `optimizer.state.<i>.`, `tensors.`); everything else is JSON in the string metadata.
 */
export interface Checkpoint {
  /** The model's state dict (`module.stateDict()`); keys keep PyTorch's dotted names. */
  model: StateDict;
  /** `optimizer.stateDict()`. */
  optimizer?: OptimizerStateDict;
  /** A schedule's (or any JSON) state, e.g. `schedule.stateDict()`. */
  schedule?: unknown;
  /** Other named tensors: an EMA target's weights, a memory bank, the RNG state. */
  tensors?: Record<string, Tensor>;
  /** Other JSON state: epoch, step, configuration, EMA step. */
  extra?: Record<string, unknown>;
}

/**
 * Saves a checkpoint atomically: a torn write (a crash, a full disk) leaves the previous file
 * intact. Model keys are stored as `model.<name>`, so the model part is also readable by any
 * safetensors reader (strip the prefix to load it into PyTorch).
 */
export function saveCheckpoint(path: string, ckpt: Checkpoint): void {
  if (typeof ckpt !== 'object' || ckpt === null || typeof ckpt.model !== 'object' || ckpt.model === null) {
    throw new TypeError('saveCheckpoint: expected { model, optimizer?, schedule?, tensors?, extra? }');
  }
  const tensors = new Map<string, Tensor>();
  for (const [k, t] of Object.entries(ckpt.model)) tensors.set(`model.${k}`, t);
  for (const [k, t] of Object.entries(ckpt.tensors ?? {})) tensors.set(`tensors.${k}`, t);
  const metadata: Record<string, string> = { format: FORMAT, version: VERSION };
  if (ckpt.optimizer) {
    const scalars: Record<number, Record<string, number>> = {};
    for (const [i, s] of Object.entries(ckpt.optimizer.state)) {
      for (const [key, v] of Object.entries(s)) {
        if (key.includes('.')) throw new TypeError(`saveCheckpoint: optimizer state key '${key}' must not contain '.'`);
        if (v instanceof Tensor) tensors.set(`optimizer.state.${i}.${key}`, v);
        else (scalars[Number(i)] ??= {})[key] = v;
      }
    }
    metadata.optimizer = JSON.stringify({ paramGroups: ckpt.optimizer.paramGroups, scalars });
  }
  if (ckpt.schedule !== undefined) metadata.schedule = JSON.stringify(ckpt.schedule);
  if (ckpt.extra !== undefined) metadata.extra = JSON.stringify(ckpt.extra);
  saveSafetensors(path, tensors, metadata);
}

function json(path: string, what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(path, `checkpoint metadata '${what}' is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Loads a checkpoint written by `saveCheckpoint`; the tensors are created in the current scope.
 * A file that is not a checkpoint, or a corrupt one, gives a clear error.
 */
export function loadCheckpoint(path: string): Checkpoint {
  const { tensors, metadata } = loadSafetensors(path);
  if (metadata.format !== FORMAT) {
    throw new SafetensorsError(path, `not a contrastive checkpoint (metadata format is ${metadata.format === undefined ? 'missing' : `'${metadata.format}'`}); use loadSafetensors for plain tensor files`);
  }
  if (metadata.version !== VERSION) throw new SafetensorsError(path, `unsupported checkpoint version '${String(metadata.version)}' (this library reads ${VERSION})`);
  const out: Checkpoint = { model: {} };
  const optState: Record<number, ParamState> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith('model.')) {
      out.model[k.slice(6)] = t;
    } else if (k.startsWith('tensors.')) {
      (out.tensors ??= {})[k.slice(8)] = t;
    } else if (k.startsWith('optimizer.state.')) {
      const rest = k.slice(16);
      const dot = rest.indexOf('.');
      const i = Number(rest.slice(0, dot));
      if (dot < 0 || !Number.isInteger(i)) throw new SafetensorsError(path, `bad optimizer state key '${k}'`);
      (optState[i] ??= {})[rest.slice(dot + 1)] = t;
    } else {
      throw new SafetensorsError(path, `unexpected tensor '${k}' in a checkpoint`);
    }
  }
  if (metadata.optimizer !== undefined) {
    const o = json(path, 'optimizer', metadata.optimizer) as { paramGroups?: unknown; scalars?: Record<string, Record<string, number>> };
    if (!o || !Array.isArray(o.paramGroups)) throw new SafetensorsError(path, 'checkpoint metadata \'optimizer\' has no paramGroups');
    for (const [i, s] of Object.entries(o.scalars ?? {})) Object.assign((optState[Number(i)] ??= {}), s);
    out.optimizer = { state: optState, paramGroups: o.paramGroups as OptimizerStateDict['paramGroups'] };
  } else if (Object.keys(optState).length) {
    throw new SafetensorsError(path, 'optimizer state tensors without optimizer metadata');
  }
  if (metadata.schedule !== undefined) out.schedule = json(path, 'schedule', metadata.schedule);
  if (metadata.extra !== undefined) out.extra = json(path, 'extra', metadata.extra) as Record<string, unknown>;
  return out;
}
