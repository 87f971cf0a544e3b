/**
 * Software Carbon Intensity (Green Software Foundation SCI, ISO/IEC 21031:2024):
 * `SCI = ((E x I) + M) per R`. A rate per functional unit, reported beside the inventory figure,
 * never instead of it, with an interval.
 *
 * @module
 */

import { normalCdf, zForConfidence } from "./stats.ts";

/**
 * Inputs of `sci`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sci, type SciInput } from "./sci.ts";
 * const input: SciInput = { energyKwh: 1, intensityGPerKwh: 200, functionalUnits: 4 };
 * assert.equal(sci(input).sciGPerUnit, 50);
 * ```
 */
export interface SciInput {
  /** E: energy for the work, kWh (including facility overhead when PUE applies), >= 0. */
  readonly energyKwh: number;
  /** I: location-based grid intensity, gCO2e/kWh (no market-based instruments), >= 0. */
  readonly intensityGPerKwh: number;
  /** M: embodied emissions share for the work, g (default 0; see `embodiedShareG`). */
  readonly embodiedG?: number;
  /** R: number of functional units (jobs, requests, training runs), > 0. */
  readonly functionalUnits: number;
  /** Name of the functional unit (default `unit`). */
  readonly functionalUnit?: string;
  /** 1-sigma of ln(E x I), e.g. an estimate's `uncertaintyPct / 100` (default 0: exact). */
  readonly operationalSigma?: number;
  /** 1-sigma of ln(M) (default 0: exact). Embodied figures are rough: 0.3 to 0.5 is common. */
  readonly embodiedSigma?: number;
  /** Confidence level of the interval, percent (default 95). */
  readonly confidenceLevelPct?: number;
}

/**
 * The SCI rate and its parts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sci, type SciResult } from "./sci.ts";
 * const r: SciResult = sci({ energyKwh: 1, intensityGPerKwh: 200, functionalUnits: 4 });
 * assert.equal(r.operationalG, 200);
 * assert.equal(r.functionalUnit, "unit");
 * ```
 */
export interface SciResult {
  /** ((E x I) + M) / R, gCO2e per functional unit. */
  readonly sciGPerUnit: number;
  /** E x I, g. */
  readonly operationalG: number;
  /** M, g. */
  readonly embodiedG: number;
  /** R. */
  readonly functionalUnits: number;
  /** Name of R. */
  readonly functionalUnit: string;
  /** Lower bound of the SCI rate at `confidenceLevelPct`, g per unit. */
  readonly ciLowerGPerUnit: number;
  /** Upper bound of the SCI rate, g per unit. */
  readonly ciUpperGPerUnit: number;
  /** Confidence level of the bounds, percent. */
  readonly confidenceLevelPct: number;
  /**
   * 1-sigma of ln(SCI), percent. When E x I and M are both 0 the rate is 0 and this is the
   * relative uncertainty of its larger term (the intensity does not become certain at 0 Wh).
   */
  readonly uncertaintyPct: number;
}

function check(name: string, v: number, min: number, strict = false): void {
  if (!Number.isFinite(v) || v < min || (strict && v === min)) {
    throw new RangeError(`${name} must be a finite number ${strict ? ">" : ">="} ${min}, got ${v}`);
  }
}

const STEP = 1 / 64;
const PHI = 1 / Math.sqrt(2 * Math.PI);

/**
 * P(O e^(so Z1) + M e^(sm Z2) <= x) for independent standard normals, by the trapezoid rule
 * over Z1 (the integrand is smooth and Gaussian-weighted).
 */
function sumCdf(x: number, o: number, so: number, m: number, sm: number): number {
  if (!(x > 0)) return 0;
  if (sm === 0 || m === 0) return shiftedCdf(x - m, o, so);
  if (so === 0 || o === 0) return shiftedCdf(x - o, m, sm);
  let p = 0;
  for (let z = -9; z <= 9 + STEP / 2; z += STEP) {
    const rest = x - o * Math.exp(so * z);
    if (!(rest > 0)) break;
    p += PHI * Math.exp(-z * z / 2) * STEP * normalCdf(Math.log(rest / m) / sm);
  }
  return p;
}

/** P(v e^(s Z) <= rest): a log-normal CDF, or a step when v or s is 0. */
function shiftedCdf(rest: number, v: number, s: number): number {
  if (v === 0 || s === 0) return rest >= v ? 1 : 0;
  if (!(rest > 0)) return 0;
  return normalCdf(Math.log(rest / v) / s);
}

/** The p-quantile of O e^(so Z1) + M e^(sm Z2), by bisection on the log of x. */
function sumQuantile(p: number, o: number, so: number, m: number, sm: number): number {
  if (o === 0 && m === 0) return 0;
  if (so === 0 && sm === 0) return o + m;
  let lo = Math.log((o + m) * 1e-9 + Number.MIN_VALUE);
  let hi = Math.log(o * Math.exp(9 * so) + m * Math.exp(9 * sm));
  for (let k = 0; k < 100 && hi - lo > 1e-12; k++) {
    const mid = (lo + hi) / 2;
    if (sumCdf(Math.exp(mid), o, so, m, sm) < p) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

/** Standard deviation of ln(O e^(so Z1) + M e^(sm Z2)), by a 2-D trapezoid rule. */
function sumLogSd(o: number, so: number, m: number, sm: number): number {
  if (o === 0 && m === 0) return Math.max(so, sm);
  if (so === 0 && sm === 0) return 0;
  if (m === 0) return so;
  if (o === 0) return sm;
  const h = 1 / 16;
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  for (let a = -8; a <= 8 + h / 2; a += h) {
    const wa = Math.exp(-a * a / 2);
    const oa = o * Math.exp(so * a);
    for (let b = -8; b <= 8 + h / 2; b += h) {
      const w = wa * Math.exp(-b * b / 2);
      const v = Math.log(oa + m * Math.exp(sm * b));
      m0 += w;
      m1 += w * v;
      m2 += w * v * v;
    }
  }
  const mean = m1 / m0;
  return Math.sqrt(Math.max(0, m2 / m0 - mean * mean));
}

/**
 * Computes the SCI rate and its interval. E x I and M are independent and log-normal around
 * their values (ln-sigmas `operationalSigma`, `embodiedSigma`); the bounds are the exact
 * quantiles of their sum over R (numerical integration, no sampling), central at
 * `confidenceLevelPct`.
 *
 * @param input E, I, M (optional), R, the sigmas and the level.
 * @throws RangeError for a negative or non-finite input, R <= 0, or a level outside (0, 100).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sci } from "./sci.ts";
 * const r = sci({ energyKwh: 2, intensityGPerKwh: 300, embodiedG: 50, functionalUnits: 10 });
 * assert.equal(r.sciGPerUnit, 65);
 * assert.equal(r.ciLowerGPerUnit, 65); // no sigma given: exact inputs
 * assert.throws(() => sci({ energyKwh: 2, intensityGPerKwh: 300, functionalUnits: 0 }), RangeError);
 * const u = sci({ energyKwh: 1, intensityGPerKwh: 100, functionalUnits: 1, operationalSigma: 0.2 });
 * assert.equal(u.ciLowerGPerUnit.toFixed(2), "67.57"); // 100 e^(-1.96 x 0.2)
 * assert.equal(u.uncertaintyPct, 20);
 * ```
 */
export function sci(input: SciInput): SciResult {
  check("energyKwh", input.energyKwh, 0);
  check("intensityGPerKwh", input.intensityGPerKwh, 0);
  const m = input.embodiedG ?? 0;
  check("embodiedG", m, 0);
  check("functionalUnits", input.functionalUnits, 0, true);
  const so = input.operationalSigma ?? 0;
  const sm = input.embodiedSigma ?? 0;
  check("operationalSigma", so, 0);
  check("embodiedSigma", sm, 0);
  const level = input.confidenceLevelPct ?? 95;
  zForConfidence(level); // validates the level
  const operationalG = input.energyKwh * input.intensityGPerKwh;
  const r = input.functionalUnits;
  return {
    sciGPerUnit: (operationalG + m) / r,
    operationalG,
    embodiedG: m,
    functionalUnits: r,
    functionalUnit: input.functionalUnit ?? "unit",
    ciLowerGPerUnit: sumQuantile(0.5 - level / 200, operationalG, so, m, sm) / r,
    ciUpperGPerUnit: sumQuantile(0.5 + level / 200, operationalG, so, m, sm) / r,
    confidenceLevelPct: level,
    uncertaintyPct: sumLogSd(operationalG, so, m, sm) * 100,
  };
}

/**
 * Inputs of `embodiedShareG`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EmbodiedInput, embodiedShareG } from "./sci.ts";
 * const input: EmbodiedInput = { totalEmbodiedG: 1000, reservedMs: 10, lifespanMs: 100 };
 * assert.equal(embodiedShareG(input), 100);
 * ```
 */
export interface EmbodiedInput {
  /** TE: total embodied emissions of the server, g. */
  readonly totalEmbodiedG: number;
  /** TiR: time the work reserved the server, ms. */
  readonly reservedMs: number;
  /** EL: expected lifespan of the server, ms (e.g. 4 years). */
  readonly lifespanMs: number;
  /** RR: resources reserved (e.g. vCPUs), default 1. */
  readonly reservedResources?: number;
  /** ToR: total resources of the server, default 1. */
  readonly totalResources?: number;
}

/**
 * Embodied share M = TE x (TiR / EL) x (RR / ToR), never more than TE.
 *
 * @param input TE, TiR, EL, RR, ToR.
 * @throws RangeError for negative or non-finite inputs, EL or ToR of 0, TiR > EL or RR > ToR.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { embodiedShareG } from "./sci.ts";
 * const year = 365 * 86_400_000;
 * const g = embodiedShareG({
 *   totalEmbodiedG: 1_000_000,
 *   reservedMs: year / 4,
 *   lifespanMs: year,
 *   reservedResources: 8,
 *   totalResources: 64,
 * });
 * assert.equal(g, 31250);
 * assert.throws(
 *   () => embodiedShareG({ totalEmbodiedG: 1, reservedMs: 2 * year, lifespanMs: year }),
 *   RangeError,
 * );
 * ```
 */
export function embodiedShareG(input: EmbodiedInput): number {
  check("totalEmbodiedG", input.totalEmbodiedG, 0);
  check("reservedMs", input.reservedMs, 0);
  check("lifespanMs", input.lifespanMs, 0, true);
  if (input.reservedMs > input.lifespanMs) {
    throw new RangeError(
      `reservedMs (${input.reservedMs}) exceeds lifespanMs (${input.lifespanMs}): a reservation ` +
        "cannot use more than the server's whole embodied emissions; split the work per server " +
        "lifetime, or give the lifespan the server really has",
    );
  }
  const rr = input.reservedResources ?? 1;
  const tor = input.totalResources ?? 1;
  check("reservedResources", rr, 0);
  check("totalResources", tor, 0, true);
  if (rr > tor) throw new RangeError(`reservedResources (${rr}) exceeds totalResources (${tor})`);
  return input.totalEmbodiedG * (input.reservedMs / input.lifespanMs) * (rr / tor);
}
