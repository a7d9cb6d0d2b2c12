// A counting semaphore: at most `limit` tasks in flight across every caller that shares it.

/** Runs tasks with at most `limit` of them in flight at once, whoever submits them (FIFO). */
export class Semaphore {
  readonly limit: number;
  #free: number;
  #waiting: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Semaphore: limit must be a positive integer, got ${String(limit)}`);
    this.limit = limit;
    this.#free = limit;
  }

  /** Runs `fn` once a slot is free, and frees the slot when it settles. */
  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.#free++;
    }
  }
}
