// The progress bar on stderr: loss, learning rate, images/s and ETA. Without a terminal, one line
// per epoch instead (logs stay readable in CI).
import cliProgress from 'cli-progress';

export interface ProgressValues {
  loss: number;
  lr: number;
  ips: number;
}

/** One epoch's bar. */
export class EpochProgress {
  readonly #bar: cliProgress.SingleBar | null;

  constructor(readonly epoch: number, readonly epochs: number, readonly steps: number, readonly enabled: boolean) {
    this.#bar = enabled && process.stderr.isTTY
      ? new cliProgress.SingleBar({
        stream: process.stderr,
        format: `epoch ${epoch}/${epochs} |{bar}| {value}/{total} loss {loss} lr {lr} {ips} img/s ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
      }, cliProgress.Presets.shades_classic)
      : null;
    this.#bar?.start(steps, 0, { loss: '-', lr: '-', ips: '-' });
  }

  update(step: number, v: ProgressValues): void {
    this.#bar?.update(step, { loss: v.loss.toFixed(4), lr: v.lr.toPrecision(3), ips: Math.round(v.ips) });
  }

  stop(): void {
    this.#bar?.stop();
  }
}

/** A line on stderr (progress and logs never go to stdout: `--json` owns it). */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
