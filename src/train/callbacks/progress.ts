// Progress on stderr: a bar per epoch (loss, learning rate, images/s, ETA) and a line per epoch.
// Without a terminal, only the lines (logs stay readable in CI).
import cliProgress from 'cli-progress';
import type { Optimizer } from '../../optim/index.js';
import type { Callback, LoopState } from '../loop.js';

/** A line on stderr (progress and logs never go to stdout: `--json` owns it). */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** One epoch's bar, drawn only on a terminal. */
class EpochBar {
  readonly #bar: cliProgress.SingleBar | null;

  constructor(epoch: number, epochs: number, steps: number, done: number) {
    this.#bar = process.stderr.isTTY
      ? new cliProgress.SingleBar({
        stream: process.stderr,
        format: `epoch ${epoch}/${epochs} |{bar}| {value}/{total} loss {loss} lr {lr} {ips} img/s ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
      }, cliProgress.Presets.shades_classic)
      : null;
    this.#bar?.start(steps, done, { loss: '-', lr: '-', ips: '-' });
  }

  update(step: number, v: { loss: number | null; lr: number; ips: number }): void {
    this.#bar?.update(step, { loss: v.loss === null ? '-' : v.loss.toFixed(4), lr: v.lr.toPrecision(3), ips: Math.round(v.ips) });
  }

  stop(): void {
    this.#bar?.stop();
  }
}

/** What the progress callback reads of a trainer's context. */
export interface ProgressContext extends LoopState {
  readonly optimizer: Optimizer<{ lr: number }>;
  log(line: string): void;
}

/** The per-epoch test metrics the epoch line shows, with the callback that measures each. */
const MONITORS = [['knn_top1', 'kNN top-1', 'knn-monitor'], ['test_top1', 'test top-1', 'test-accuracy']] as const;

/**
 * The progress callback: with `bar`, a bar per epoch (on a terminal); always a line per epoch
 * with its loss, throughput, seconds and test metric (the kNN monitor's, or a classifier's test
 * top-1) with the seconds it took.
 */
export function progressCallback(o: { bar: boolean }): Callback<ProgressContext> {
  let bar: EpochBar | null = null;
  const stop = (): void => {
    bar?.stop();
    bar = null;
  };
  return {
    name: 'progress',
    onEpochStart(s) {
      if (o.bar) bar = new EpochBar(s.epoch + 1, s.epochs, s.stepsPerEpoch, s.step);
    },
    onStepEnd(s) {
      bar?.update(s.step, { loss: s.epochLoss, lr: s.optimizer.paramGroups[0]!.lr, ips: s.epochItems / ((performance.now() - s.epochStart) / 1000) });
    },
    onEpochEnd(s, m) {
      stop();
      const shown = MONITORS.flatMap(([field, label, monitor]) => {
        const v = m[field];
        const t = s.timings[monitor];
        return typeof v === 'number' ? [`, ${label} ${v.toFixed(4)}${t === undefined ? '' : ` (${t.toFixed(1)} s)`}`] : [];
      });
      s.log(`epoch ${m.epoch}/${s.epochs}: loss ${m.loss.toFixed(4)}, ${Math.round(m.images_per_second)} img/s, ${m.seconds.toFixed(1)} s${shown.join('')}`);
    },
    onTrainEnd: stop,
  };
}
