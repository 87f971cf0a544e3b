/**
 * THE seeded pseudo-random generator of the codebase: xoshiro128** seeded by splitmix32, for the
 * carbon Monte Carlo (normal deviates) and the provider backoff jitter (`seededRandom`).
 * Randomness is always injected; nothing here reads a global generator.
 *
 * @module
 */

/**
 * A source of uniform numbers in [0, 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type RandomSource, seededRandom } from "./prng.ts";
 * const random: RandomSource = seededRandom(1);
 * const u = random();
 * assert.ok(u >= 0 && u < 1);
 * ```
 */
export type RandomSource = () => number;

/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman and Vigna) with its 128-bit state
 * filled by splitmix32 from a 32-bit seed. Deterministic across platforms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Xoshiro128 } from "./prng.ts";
 * const a = new Xoshiro128(42), b = new Xoshiro128(42);
 * assert.equal(a.nextUint32(), b.nextUint32());
 * const u = a.nextFloat();
 * assert.ok(u > 0 && u < 1);
 * assert.equal(new Xoshiro128(-1).seed, 4294967295);
 * ```
 */
export class Xoshiro128 {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spare = 0;
  #hasSpare = false;
  /** The seed this generator started from. */
  readonly seed: number;

  /**
   * A generator seeded with `seed`.
   *
   * @param seed Any integer; taken modulo 2^32.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    this.seed = seed >>> 0;
    let x = this.seed;
    const split = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = split();
    this.#s1 = split();
    this.#s2 = split();
    this.#s3 = split();
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.#s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = (this.#s3 << 11) | (this.#s3 >>> 21);
    return result;
  }

  /** Uniform in (0, 1), never exactly 0 or 1 (53 bits from two draws). */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }

  /** Standard normal deviate (Marsaglia polar method, the spare is kept). */
  nextNormal(): number {
    if (this.#hasSpare) {
      this.#hasSpare = false;
      return this.#spare;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.nextFloat() - 1;
      v = 2 * this.nextFloat() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spare = v * f;
    this.#hasSpare = true;
    return u * f;
  }
}

/**
 * A `RandomSource` over `Xoshiro128` (`nextFloat`): the same seed gives the same sequence.
 *
 * @param seed Any integer (taken modulo 2^32).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom, Xoshiro128 } from "./prng.ts";
 * const a = seededRandom(7), b = seededRandom(7);
 * assert.equal(a(), b());
 * assert.equal(seededRandom(42)(), new Xoshiro128(42).nextFloat());
 * ```
 */
export function seededRandom(seed: number): RandomSource {
  const generator = new Xoshiro128(seed);
  return () => generator.nextFloat();
}
