/**
 * Small, dependency-free statistics for the estimator: the standard normal CDF and quantile
 * function, log-normal interval bounds, a seeded PRNG (xoshiro128** seeded by splitmix32) and
 * standard normal sampling.
 *
 * @module
 */

/**
 * Standard normal quantile (inverse CDF), Wichura's AS 241 (PPND16), relative error ~1e-16.
 *
 * @param p Probability, 0 < p < 1.
 * @throws RangeError when p is outside (0, 1).
 * @example
 * ```ts
 * import { normalQuantile } from "./stats.ts";
 * console.log(normalQuantile(0.975).toFixed(6)); // "1.959964"
 * ```
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1), got ${p}`);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q *
      (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) *
                          r + 45921.953931549871457) * r + 13731.693765509461125) * r +
                1971.5909503065514427) * r + 133.14166789178437745) * r +
        3.387132872796366608)) /
      (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) *
                          r + 21213.794301586595867) * r + 5394.1960214247511077) * r +
                687.1870074920579083) * r + 42.313330701600911252) * r + 1);
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r +
                          0.24178072517745061177) * r + 1.27045825245236838258) * r +
                  3.64784832476320460504) * r + 5.7694972214606914055) * r +
          4.6303378461565452959) * r + 1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r +
                            0.0151986665636164571966) * r + 0.14810397642748007459) * r +
                    0.68976733498510000455) * r + 1.6763848301838038494) * r +
            2.05319162663775882187) * r + 1);
  } else {
    r -= 5;
    val = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                          0.0012426609473880784386) * r + 0.026532189526576123093) * r +
                  0.29656057182850489123) * r + 1.7848265399172913358) * r +
          5.4637849111641143699) * r + 6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r +
                            1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
                    0.0148753612908506148525) * r + 0.13692988092273580531) * r +
            0.59983220655588793769) * r + 1);
  }
  return q < 0 ? -val : val;
}

/**
 * Standard normal CDF via the complementary error function (W. J. Cody's rational
 * approximations are overkill here; this uses erfc with ~1e-7 relative accuracy, enough for
 * reporting and tests of coverage).
 *
 * @param x Any finite number.
 * @example
 * ```ts
 * import { normalCdf } from "./stats.ts";
 * console.log(normalCdf(1.959964).toFixed(4)); // "0.9750"
 * ```
 */
export function normalCdf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse; use the Numerical Recipes erfc (Chebyshev), 1.2e-7.
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 +
            t * (0.37409196 +
                t * (0.09678418 +
                    t * (-0.18628806 +
                        t * (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/**
 * z for a two-sided central interval at `confidenceLevelPct` (e.g. 95 -> 1.959964).
 *
 * @param confidenceLevelPct Confidence level in percent, 0 < level < 100.
 * @example
 * ```ts
 * import { zForConfidence } from "./stats.ts";
 * console.log(zForConfidence(95).toFixed(3)); // "1.960"
 * ```
 */
export function zForConfidence(confidenceLevelPct: number): number {
  if (!(confidenceLevelPct > 0 && confidenceLevelPct < 100)) {
    throw new RangeError(
      `confidence level must be between 0 and 100 percent (exclusive), got ${confidenceLevelPct}`,
    );
  }
  return normalQuantile(0.5 + confidenceLevelPct / 200);
}

/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman and Vigna) with its 128-bit state
 * filled by splitmix32 from a 32-bit seed. Deterministic across platforms.
 *
 * @example
 * ```ts
 * import { Xoshiro128 } from "./stats.ts";
 * const a = new Xoshiro128(42), b = new Xoshiro128(42);
 * console.log(a.nextUint32() === b.nextUint32()); // true
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
 * The `p`-quantile of sorted data, linear interpolation between order statistics (type 7, as in
 * R's default and NumPy's `linear`).
 *
 * @param sorted Ascending values, at least one.
 * @param p Probability in [0, 1].
 * @example
 * ```ts
 * import { quantileSorted } from "./stats.ts";
 * console.log(quantileSorted([1, 2, 3, 4], 0.5)); // 2.5
 * ```
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError("quantile of an empty sample");
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
