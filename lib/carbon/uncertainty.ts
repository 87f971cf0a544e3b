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
  /**
   * Relative 1-sigma of the PUE (its standard deviation over its value). With `pue` the
   * overhead `pue - 1` carries it (see {@link pueOverheadSigma}); without `pue`, the older model
   * of a log-normal PUE factor with this ln-sigma is used (a draw may then fall below 1).
   */
  readonly pueSigma: number;
  /**
   * The PUE the grams include (>= 1). When given, the PUE is drawn as `1 + overhead`, the
   * overhead log-normal around `pue - 1`, so that no draw is below 1 (default: not given).
   */
  readonly pue?: number;
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
 * 1-sigma of ln(overhead) for a PUE `pue` whose relative 1-sigma is `pueSigma`: the overhead
 * `o = pue - 1` is log-normal with median `o`, and its standard deviation is matched to the
 * stated one, `pueSigma x pue` (for a log-normal with median m and ln-sigma s the variance is
 * `m^2 e^(s^2) (e^(s^2) - 1)`, so `e^(s^2) = (1 + sqrt(1 + 4 r^2)) / 2` with
 * `r = pueSigma x pue / o`). Drawn PUEs are then `1 + o e^(s z)`: never below 1, median `pue`,
 * skewed upwards. At `pue` 1 there is no overhead to be uncertain about: 0.
 *
 * @param pue PUE, >= 1.
 * @param pueSigma Relative 1-sigma of the PUE, >= 0.
 * @throws RangeError when `pue` is below 1 or either value is not finite.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pueOverheadSigma } from "./uncertainty.ts";
 * assert.equal(pueOverheadSigma(1.1, 0.05).toFixed(4), "0.4667");
 * assert.equal(pueOverheadSigma(1, 0.05), 0);
 * assert.throws(() => pueOverheadSigma(0.9, 0.05), RangeError);
 * ```
 */
export function pueOverheadSigma(pue: number, pueSigma: number): number {
  if (!Number.isFinite(pue) || pue < 1) {
    throw new RangeError(`PUE must be a finite number >= 1, got ${pue}`);
  }
  if (!Number.isFinite(pueSigma) || pueSigma < 0) {
    throw new RangeError(`PUE sigma must be a finite number >= 0, got ${pueSigma}`);
  }
  const o = pue - 1;
  if (o === 0 || pueSigma === 0) return 0;
  const r = pueSigma * pue / o;
  return Math.sqrt(Math.log((1 + Math.sqrt(1 + 4 * r * r)) / 2));
}

/** ln of the intensity factor at deviate z: ln(sum w_k e^(s_k z)), weights summing to 1. */
function intensityLog(groups: readonly IntensityGroup[], g: number, z: number): number {
  if (!(g > 0)) return meanSigma(groups) * z;
  let v = 0;
  for (const x of groups) if (x.grams > 0) v += (x.grams / g) * Math.exp(x.sigma * z);
  return Math.log(v);
}

/** Plain mean of the groups' sigmas: the intensity term when there are no grams to weight by. */
function meanSigma(groups: readonly IntensityGroup[]): number {
  if (groups.length === 0) return 0;
  let s = 0;
  for (const x of groups) s += x.sigma;
  return s / groups.length;
}

/**
 * Standard deviation of f(Z) for a standard normal Z, by the trapezoid rule on [-9, 9] (step
 * 1/16): spectrally accurate for the smooth, Gaussian-weighted integrands used here (the error
 * falls like exp(-2 pi a / h) for an integrand analytic in a strip of half-width a; a > 1.5 for
 * any PUE or intensity sigma below 2, so it is far below double precision). A finer step only
 * costs start-up: an estimate evaluates this twice, cold, in the interpreter (issue 18).
 */
function sdOfLog(f: (z: number) => number): number {
  const h = 1 / 16;
  const c = 1 / Math.sqrt(2 * Math.PI);
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  for (let z = -9; z <= 9 + h / 2; z += h) {
    const w = c * Math.exp(-z * z / 2) * h;
    const v = f(z);
    m0 += w;
    m1 += w * v;
    m2 += w * v * v;
  }
  const mean = m1 / m0;
  return Math.sqrt(Math.max(0, m2 / m0 - mean * mean));
}

/**
 * The intensity ln-sigma of an interval input: the standard deviation of
 * ln(sum w_k e^(s_k Z)), the log of the intensity factor of correlated groups (w_k their share
 * of the grams). One sigma when the groups share it; a little more than the grams-weighted mean
 * sigma when they differ. Groups holding no grams (0 Wh) count equally: the relative
 * uncertainty of the intensity does not vanish with the energy.
 *
 * @param groups Intensity groups.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { intensitySigma } from "./uncertainty.ts";
 * assert.equal(intensitySigma([{ grams: 0, sigma: 0.3 }]), 0.3);
 * assert.equal(intensitySigma([{ grams: 5, sigma: 0.3 }, { grams: 5, sigma: 0.3 }]), 0.3);
 * const mixed = intensitySigma([{ grams: 30, sigma: 0.1 }, { grams: 10, sigma: 0.5 }]);
 * assert.ok(mixed > 0.2 && mixed < 0.22); // above the weighted mean, 0.2
 * ```
 */
export function intensitySigma(groups: readonly IntensityGroup[]): number {
  const g = total(groups);
  const used = g > 0 ? groups.filter((x) => x.grams > 0) : groups;
  if (used.length === 0) return 0;
  if (used.every((x) => x.sigma === used[0].sigma)) return used[0].sigma;
  if (!(g > 0)) return meanSigma(groups);
  return sdOfLog((z) => intensityLog(groups, g, z));
}

/** ln of the PUE factor (drawn PUE over `pue`) at deviate z. */
function pueLog(input: IntervalInput, z: number): number {
  if (input.pue === undefined) return input.pueSigma * z;
  const o = input.pue - 1;
  const so = pueOverheadSigma(input.pue, input.pueSigma);
  return Math.log((1 + o * Math.exp(so * z)) / input.pue);
}

/**
 * The PUE ln-sigma of an interval input: the standard deviation of ln(drawn PUE). Without
 * `pue`, `pueSigma` itself (log-normal PUE); with `pue`, that of ln(1 + o e^(so Z)) under the
 * overhead model: close to `pueSigma` for a small one, smaller for a large one (the draws are
 * skewed upwards), and 0 at a PUE of exactly 1 (every draw is then 1).
 *
 * @param input Sigmas and, optionally, the PUE.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pueSigmaUsed } from "./uncertainty.ts";
 * assert.equal(pueSigmaUsed({ pueSigma: 0.05 }), 0.05);
 * assert.equal(pueSigmaUsed({ pueSigma: 0.05, pue: 1.4 }).toFixed(4), "0.0493");
 * assert.equal(pueSigmaUsed({ pueSigma: 0.05, pue: 1 }), 0);
 * ```
 */
export function pueSigmaUsed(input: Pick<IntervalInput, "pueSigma" | "pue">): number {
  if (input.pue === undefined) return input.pueSigma;
  const so = pueOverheadSigma(input.pue, input.pueSigma);
  if (so === 0) return 0;
  const o = input.pue - 1;
  return sdOfLog((z) => Math.log1p(o * Math.exp(so * z)));
}

/**
 * Analytical interval. Each factor's own quantiles are exact: the energy factor is log-normal
 * (`e^(se z)`), the intensity factor of correlated groups is `sum w_k e^(s_k z)` (one deviate,
 * so its quantile at z is that sum), the PUE factor is `(1 + o e^(so z)) / pue` under the
 * overhead model. The bounds combine the factors' log offsets at the level's z in quadrature:
 * `G exp(+sqrt(E(z)^2 + I(z)^2 + P(z)^2))` and `G exp(-sqrt(E(-z)^2 + I(-z)^2 + P(-z)^2))`. This
 * is exact when one factor is uncertain, and for log-normal factors; mixed groups and the
 * skewed PUE are within 1 % of the exact model (see docs/carbon-estimation.md). The lower bound
 * is never below `G / pue` times the energy and intensity quantile (a PUE is never below 1).
 * `sigma` is the 1-sigma of ln(grams) under that model, `sqrt(se^2 + si^2 + sp^2)` (the logs of
 * independent factors add), with `si` from {@link intensitySigma} and `sp` from
 * {@link pueSigmaUsed}.
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
 * const atOne = analyticalInterval({
 *   groups: [{ grams: 100, sigma: 0 }],
 *   energySigma: 0,
 *   pueSigma: 0.3,
 *   pue: 1,
 *   confidenceLevelPct: 95,
 * });
 * assert.equal(atOne.lowerG, 100); // PUE 1: no draw below 1, nothing below energy x intensity
 * ```
 */
export function analyticalInterval(input: IntervalInput): Interval {
  const g = total(input.groups);
  const z = zForConfidence(input.confidenceLevelPct);
  const e = input.energySigma * z;
  const up = Math.hypot(e, intensityLog(input.groups, g, z), pueLog(input, z));
  const down = Math.hypot(e, intensityLog(input.groups, g, -z), pueLog(input, -z));
  const sigma = Math.hypot(input.energySigma, intensitySigma(input.groups), pueSigmaUsed(input));
  return { lowerG: g * Math.exp(-down), upperG: g * Math.exp(up), sigma };
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
 * Monte Carlo interval: samples energy and intensity errors (log-normal, one intensity
 * deviate shared by all groups) and the PUE (with `pue`: `1 + overhead`, the overhead
 * log-normal with {@link pueOverheadSigma}, so no draw is below 1), and reports the percentiles of the sampled emissions (a
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
  const pue = input.pue;
  const sp = pue === undefined ? input.pueSigma : pueOverheadSigma(pue, input.pueSigma);
  const overhead = pue === undefined ? 0 : pue - 1;
  const sum = total(groups);
  let sumLog = 0;
  let sumLog2 = 0;
  for (let s = 0; s < n; s++) {
    let v = 0;
    if (grams.length === 1) v = grams[0] * Math.exp(sig[0] * zi[s]);
    else for (let k = 0; k < grams.length; k++) v += grams[k] * Math.exp(sig[k] * zi[s]);
    if (pue === undefined) v *= Math.exp(se * ze[s] + sp * zp[s]);
    else v *= Math.exp(se * ze[s]) * (1 + overhead * Math.exp(sp * zp[s])) / pue;
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
  // No grams (0 Wh): every draw is 0 and the relative uncertainty is that of the model.
  const sigma = sum > 0
    ? Math.sqrt(Math.max(0, sumLog2 / n - mean * mean))
    : Math.hypot(input.energySigma, intensitySigma(input.groups), pueSigmaUsed(input));
  return { lowerG: lo, upperG: hi, sigma };
}
