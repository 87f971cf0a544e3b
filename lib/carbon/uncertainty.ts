/**
 * Default uncertainties and the interval maths. All uncertainties are 1-sigma of ln(value)
 * (log-normal, multiplicative errors); see docs/carbon-estimation.md for where each default
 * comes from.
 *
 * @module
 */

import { Xoshiro128 } from "../base/prng.ts";
import { normalQuantile, quantileSorted, zForConfidence } from "./stats.ts";

/**
 * Where the energy figure came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ENERGY_UNCERTAINTY, type EnergySourceKind } from "./uncertainty.ts";
 * const kind: EnergySourceKind = "model";
 * assert.equal(ENERGY_UNCERTAINTY[kind], 0.3);
 * ```
 */
export type EnergySourceKind = "governor" | "rapl" | "model" | "meter";

/**
 * The two interval methods (names kept from the Python package).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EstimationMethod, METHODS } from "./uncertainty.ts";
 * const method: EstimationMethod = "monte_carlo";
 * assert.ok(METHODS.includes(method));
 * ```
 */
export type EstimationMethod = "analytical_truncated" | "monte_carlo";

/**
 * Every method name accepted, for messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { METHODS } from "./uncertainty.ts";
 * assert.equal(METHODS.join(", "), "analytical_truncated, monte_carlo");
 * ```
 */
export const METHODS: readonly EstimationMethod[] = ["analytical_truncated", "monte_carlo"];

/**
 * Default 1-sigma relative energy uncertainty by source:
 * - `governor` 0.05 and `rapl` 0.05: RAPL is a model-based counter, validated within a few
 *   percent of package power; the rest is attribution and coverage.
 * - `model` 0.30: a TDP x utilisation power model, typically 20-40 % off measured power.
 * - `meter` 0.02: a facility or PDU energy meter (revenue-grade meters are class 1 or 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ENERGY_UNCERTAINTY } from "./uncertainty.ts";
 * assert.equal(ENERGY_UNCERTAINTY.rapl, 0.05);
 * assert.ok(Object.isFrozen(ENERGY_UNCERTAINTY));
 * ```
 */
export const ENERGY_UNCERTAINTY: Readonly<Record<EnergySourceKind, number>> = Object.freeze({
  governor: 0.05,
  rapl: 0.05,
  model: 0.3,
  meter: 0.02,
});

const DAY_MS = 86_400_000;

/**
 * Extra relative uncertainty when an annual-average factor is applied to a span of the given
 * length (uncertainty-notes.md section 5, hourly CV of DE/GB/FR 2020): 0.33 for a day or less
 * (or unknown timing), 0.20 for a month, 0.03 for a year or more (the generation- vs
 * time-weighting bias), log-linear in duration between those points.
 *
 * @param durationMs Span length in ms, or `undefined` when the timing is unknown.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { temporalUncertainty } from "./uncertainty.ts";
 * assert.equal(temporalUncertainty(3_600_000), 0.33);
 * assert.equal(temporalUncertainty(30 * 86_400_000).toFixed(2), "0.20");
 * assert.equal(temporalUncertainty(undefined), 0.33);
 * ```
 */
export function temporalUncertainty(durationMs: number | undefined): number {
  if (durationMs === undefined || !(durationMs > DAY_MS)) return 0.33;
  const days = durationMs / DAY_MS;
  const pts: [number, number][] = [[1, 0.33], [30, 0.2], [365, 0.03]];
  if (days >= 365) return 0.03;
  for (let i = 0; i < pts.length - 1; i++) {
    const [d0, u0] = pts[i];
    const [d1, u1] = pts[i + 1];
    if (days <= d1) {
      const t = (Math.log(days) - Math.log(d0)) / (Math.log(d1) - Math.log(d0));
      return u0 + t * (u1 - u0);
    }
  }
  return 0.03;
}

/**
 * Grams of one group of buckets that share an intensity uncertainty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { IntensityGroup } from "./uncertainty.ts";
 * const group: IntensityGroup = { grams: 120, sigma: 0.1 };
 * assert.equal(group.grams * (1 + group.sigma), 132);
 * ```
 */
export interface IntensityGroup {
  /** Point-estimate grams of the group (energy x PUE x intensity summed over its buckets). */
  readonly grams: number;
  /** 1-sigma of ln(intensity) for the group. */
  readonly sigma: number;
}

/**
 * What the interval maths needs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyticalInterval, type IntervalInput } from "./uncertainty.ts";
 * const input: IntervalInput = {
 *   groups: [{ grams: 100, sigma: 0.3 }],
 *   energySigma: 0.4,
 *   pueSigma: 0,
 *   confidenceLevelPct: 68,
 * };
 * assert.equal(analyticalInterval(input).sigma.toFixed(6), "0.500000");
 * ```
 */
export interface IntervalInput {
  /** Intensity groups; their errors are fully correlated (one common deviate). */
  readonly groups: readonly IntensityGroup[];
  /** 1-sigma of ln(energy). */
  readonly energySigma: number;
  /** 1-sigma of ln(PUE). */
  readonly pueSigma: number;
  /** Confidence level in percent. */
  readonly confidenceLevelPct: number;
}

/**
 * An interval around the point estimate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Interval } from "./uncertainty.ts";
 * const interval: Interval = { lowerG: 80, upperG: 125, sigma: 0.114 };
 * assert.equal(interval.upperG - interval.lowerG, 45);
 * ```
 */
export interface Interval {
  /** Lower bound, grams. */
  readonly lowerG: number;
  /** Upper bound, grams. */
  readonly upperG: number;
  /** Combined 1-sigma of ln(grams) used (analytical) or implied (Monte Carlo). */
  readonly sigma: number;
}

/** Sum of the groups' grams. */
function total(groups: readonly IntensityGroup[]): number {
  let g = 0;
  for (const x of groups) g += x.grams;
  return g;
}

/**
 * Analytical interval: grams are log-normal with median at the point estimate and
 * sigma = sqrt(energy^2 + intensity^2 + pue^2), where the intensity sigma of several groups is
 * their grams-weighted mean (their errors are correlated, so they do not average out).
 * Bounds are `G exp(-/+ z sigma)` with z the two-sided normal quantile of the level: exact
 * quantiles of that log-normal, never negative.
 *
 * @param input Groups, sigmas and level.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyticalInterval } from "./uncertainty.ts";
 * const i = analyticalInterval({
 *   groups: [{ grams: 100, sigma: 0.15 }],
 *   energySigma: 0,
 *   pueSigma: 0,
 *   confidenceLevelPct: 95,
 * });
 * assert.equal(i.lowerG.toFixed(1), "74.5");
 * assert.equal(i.upperG.toFixed(1), "134.2");
 * assert.equal(i.sigma, 0.15);
 * ```
 */
export function analyticalInterval(input: IntervalInput): Interval {
  const g = total(input.groups);
  let si = 0;
  if (g > 0) { for (const x of input.groups) si += (x.grams / g) * x.sigma; }
  const sigma = Math.sqrt(input.energySigma ** 2 + si ** 2 + input.pueSigma ** 2);
  const z = zForConfidence(input.confidenceLevelPct);
  return { lowerG: g * Math.exp(-z * sigma), upperG: g * Math.exp(z * sigma), sigma };
}

/**
 * How Monte Carlo draws its deviates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { monteCarloInterval, type SamplingScheme } from "./uncertainty.ts";
 * const sampling: SamplingScheme = "iid";
 * const input = {
 *   groups: [{ grams: 100, sigma: 0.2 }],
 *   energySigma: 0,
 *   pueSigma: 0,
 *   confidenceLevelPct: 90,
 * };
 * const a = monteCarloInterval(input, { sampling, seed: 3, samples: 1000 });
 * const b = monteCarloInterval(input, { sampling, seed: 3, samples: 1000 });
 * assert.deepEqual(a, b);
 * ```
 */
export type SamplingScheme = "rqmc" | "iid";

function radicalInverse(i: number, base: number): number {
  let f = 1;
  let r = 0;
  while (i > 0) {
    f /= base;
    r += f * (i % base);
    i = Math.floor(i / base);
  }
  return r;
}

/**
 * Fills three arrays of `n` standard normal deviates.
 * - `rqmc`: randomized quasi-Monte Carlo, the Halton sequence in bases 2, 3, 5 with a random
 *   Cranley-Patterson shift per dimension (from the seeded generator), mapped through the
 *   normal quantile function. Each deviate is exactly N(0,1) distributed; the points fill the
 *   space evenly, so percentiles converge much faster than with independent draws.
 * - `iid`: independent draws (Marsaglia polar method).
 */
function deviates(n: number, rng: Xoshiro128, scheme: SamplingScheme): Float64Array[] {
  const z = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  if (scheme === "iid") {
    for (const arr of z) for (let k = 0; k < n; k++) arr[k] = rng.nextNormal();
    return z;
  }
  const bases = [2, 3, 5];
  for (let d = 0; d < 3; d++) {
    const shift = rng.nextFloat();
    const arr = z[d];
    for (let k = 0; k < n; k++) {
      let u = radicalInverse(k + 1, bases[d]) + shift;
      if (u >= 1) u -= 1;
      if (u <= 0) u = Number.MIN_VALUE;
      arr[k] = normalQuantile(u);
    }
  }
  return z;
}

/**
 * Monte Carlo interval: samples energy, intensity and PUE errors (log-normal, one intensity
 * deviate shared by all groups), and reports the percentiles of the sampled emissions (a
 * prediction interval for the emissions, not an interval for their mean). Deviates come from
 * a seeded xoshiro128** generator, by randomized quasi-Monte Carlo (default) or independently.
 *
 * @param input Groups, sigmas and level.
 * @param options `samples` (default 10,000, 100..10,000,000) and `seed` (default 1),
 *   `sampling` (default `rqmc`; `iid` for independent draws).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { monteCarloInterval } from "./uncertainty.ts";
 * const input = {
 *   groups: [{ grams: 100, sigma: 0.15 }],
 *   energySigma: 0,
 *   pueSigma: 0,
 *   confidenceLevelPct: 95,
 * };
 * const i = monteCarloInterval(input, { seed: 7 });
 * assert.equal(i.lowerG.toFixed(0), "75");
 * assert.equal(i.upperG.toFixed(0), "134");
 * assert.throws(() => monteCarloInterval(input, { samples: 10 }), RangeError);
 * ```
 */
export function monteCarloInterval(
  input: IntervalInput,
  options: { samples?: number; seed?: number; sampling?: SamplingScheme } = {},
): Interval {
  const n = options.samples ?? 10_000;
  if (!Number.isInteger(n) || n < 100 || n > 10_000_000) {
    throw new RangeError(`samples must be an integer from 100 to 10000000, got ${n}`);
  }
  const rng = new Xoshiro128(options.seed ?? 1);
  const groups = input.groups.filter((x) => x.grams > 0);
  const grams = groups.map((x) => x.grams);
  const sig = groups.map((x) => x.sigma);
  const [zi, ze, zp] = deviates(n, rng, options.sampling ?? "rqmc");
  const out = new Float64Array(n);
  const se = input.energySigma;
  const sp = input.pueSigma;
  const sum = total(groups);
  let sumLog = 0;
  let sumLog2 = 0;
  for (let s = 0; s < n; s++) {
    let v = 0;
    if (grams.length === 1) v = grams[0] * Math.exp(sig[0] * zi[s]);
    else for (let k = 0; k < grams.length; k++) v += grams[k] * Math.exp(sig[k] * zi[s]);
    v *= Math.exp(se * ze[s] + sp * zp[s]);
    out[s] = v;
    if (v > 0) {
      const l = Math.log(v / sum);
      sumLog += l;
      sumLog2 += l * l;
    }
  }
  out.sort();
  const c = input.confidenceLevelPct;
  zForConfidence(c); // validates the level
  const lo = quantileSorted(out, 0.5 - c / 200);
  const hi = quantileSorted(out, 0.5 + c / 200);
  const mean = sumLog / n;
  const sigma = sum > 0 ? Math.sqrt(Math.max(0, sumLog2 / n - mean * mean)) : 0;
  return { lowerG: lo, upperG: hi, sigma };
}
