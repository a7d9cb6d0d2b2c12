// A small seeded generator for the loader's orders (shuffles, class sampling). Augmentations use
// the engine's generator instead (see src/augment/random.ts); orders stay in JS so they need no
// tensor and are reproducible from (seed, epoch) alone.

/** splitmix32: scrambles a 32-bit state (Steele, Lea & Flood 2014, 32-bit variant). */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Chaotic generator, from PractRand), seeded from
 * (seed, stream) through splitmix32: `new Rng(seed, epoch)` gives each epoch its own order.
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number, stream = 0) {
    if (!Number.isInteger(seed) || !Number.isInteger(stream)) throw new TypeError(`Rng: seed and stream must be integers, got ${seed}, ${stream}`);
    const s0 = splitmix32(seed >>> 0 ^ Math.floor(seed / 2 ** 32));
    this.#a = splitmix32(s0);
    this.#b = splitmix32(this.#a ^ (stream >>> 0));
    this.#c = splitmix32(this.#b ^ Math.floor(stream / 2 ** 32));
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on [0, 1). */
  next(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    let r: number;
    do r = this.nextUint32();
    while (r >= limit);
    return r % n;
  }

  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }
}
