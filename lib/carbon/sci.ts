/**
 * Software Carbon Intensity (Green Software Foundation SCI, ISO/IEC 21031:2024):
 * `SCI = ((E x I) + M) per R`. A rate per functional unit, reported beside the inventory figure,
 * never instead of it.
 *
 * @module
 */

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
}

function check(name: string, v: number, min: number, strict = false): void {
  if (!Number.isFinite(v) || v < min || (strict && v === min)) {
    throw new RangeError(`${name} must be a finite number ${strict ? ">" : ">="} ${min}, got ${v}`);
  }
}

/**
 * Computes the SCI rate.
 *
 * @param input E, I, M (optional) and R.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sci } from "./sci.ts";
 * const r = sci({ energyKwh: 2, intensityGPerKwh: 300, embodiedG: 50, functionalUnits: 10 });
 * assert.equal(r.sciGPerUnit, 65);
 * assert.throws(() => sci({ energyKwh: 2, intensityGPerKwh: 300, functionalUnits: 0 }), RangeError);
 * ```
 */
export function sci(input: SciInput): SciResult {
  check("energyKwh", input.energyKwh, 0);
  check("intensityGPerKwh", input.intensityGPerKwh, 0);
  const m = input.embodiedG ?? 0;
  check("embodiedG", m, 0);
  check("functionalUnits", input.functionalUnits, 0, true);
  const operationalG = input.energyKwh * input.intensityGPerKwh;
  return {
    sciGPerUnit: (operationalG + m) / input.functionalUnits,
    operationalG,
    embodiedG: m,
    functionalUnits: input.functionalUnits,
    functionalUnit: input.functionalUnit ?? "unit",
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
 * Embodied share M = TE x (TiR / EL) x (RR / ToR).
 *
 * @param input TE, TiR, EL, RR, ToR.
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
 * ```
 */
export function embodiedShareG(input: EmbodiedInput): number {
  check("totalEmbodiedG", input.totalEmbodiedG, 0);
  check("reservedMs", input.reservedMs, 0);
  check("lifespanMs", input.lifespanMs, 0, true);
  const rr = input.reservedResources ?? 1;
  const tor = input.totalResources ?? 1;
  check("reservedResources", rr, 0);
  check("totalResources", tor, 0, true);
  if (rr > tor) throw new RangeError(`reservedResources (${rr}) exceeds totalResources (${tor})`);
  return input.totalEmbodiedG * (input.reservedMs / input.lifespanMs) * (rr / tor);
}
