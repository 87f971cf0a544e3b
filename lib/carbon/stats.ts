/**
 * Small, dependency-free statistics for the estimator: the standard normal CDF and quantile
 * function and sample quantiles. The seeded PRNG used for sampling is `Xoshiro128` in
 * lib/base/prng.ts.
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
 * import assert from "node:assert/strict";
 * import { normalQuantile } from "./stats.ts";
 * assert.equal(normalQuantile(0.975).toFixed(6), "1.959964");
 * assert.equal(normalQuantile(0.5), 0);
 * assert.throws(() => normalQuantile(1), RangeError);
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
 * import assert from "node:assert/strict";
 * import { normalCdf } from "./stats.ts";
 * assert.equal(normalCdf(1.959964).toFixed(4), "0.9750");
 * assert.equal(normalCdf(0).toFixed(7), "0.5000000");
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
 * import assert from "node:assert/strict";
 * import { zForConfidence } from "./stats.ts";
 * assert.equal(zForConfidence(95).toFixed(3), "1.960");
 * assert.throws(() => zForConfidence(100), RangeError);
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
 * The `p`-quantile of sorted data, linear interpolation between order statistics (type 7, as in
 * R's default and NumPy's `linear`).
 *
 * @param sorted Ascending values, at least one.
 * @param p Probability in [0, 1].
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quantileSorted } from "./stats.ts";
 * assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
 * assert.equal(quantileSorted([1, 2, 3, 4], 1), 4);
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
