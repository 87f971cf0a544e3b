/**
 * Quick checks of emission bodies for the aggregating readers (`ledger totals`, `ledger export`):
 * hand-written, sufficient checks that answer true only for a body the emission schema (and, for
 * the whole body, the cross-field rules of `checkBody`) would accept, at a fraction of the cost
 * of the schema walk. When a quick check answers false the caller runs the schema, which names
 * the problem (or accepts a body the quick check is too strict for, such as a period starting on
 * 29 February). Each quick check was written for one schema, named by its fingerprint
 * ({@link schemaFingerprint}); a schema that no longer matches turns that quick check off, so
 * every body then goes through the schema (correct, slower) until the check is reviewed.
 *
 * @module
 */

import type { JsonValue } from "./canonical_json.ts";
import { toHex } from "./encoding.ts";
import { checkBody, EMISSION_SCHEMA_V1 } from "./record_types.ts";
import { sha256 } from "./sha256.ts";

/**
 * The fingerprint of a JSON schema: SHA-256 (hex) of its canonical JSON (keys sorted) without
 * `description` and `$comment`, so rewording the prose keeps a quick check on while any rule
 * change turns it off.
 *
 * @param schema A JSON schema.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { schemaFingerprint } from "./emission_quick_check.ts";
 * const a = schemaFingerprint({ type: "string", description: "one" });
 * assert.equal(a, schemaFingerprint({ description: "two", type: "string" }));
 * assert.notEqual(a, schemaFingerprint({ type: "string", maxLength: 3 }));
 * assert.match(a, /^[0-9a-f]{64}$/);
 * ```
 */
export function schemaFingerprint(schema: JsonValue): string {
  const strip = (v: JsonValue): JsonValue => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== "object") return v;
    const out: Record<string, JsonValue> = {};
    for (const k of Object.keys(v).sort()) {
      if (k !== "description" && k !== "$comment") out[k] = strip(v[k]);
    }
    return out;
  };
  return toHex(sha256(new TextEncoder().encode(JSON.stringify(strip(schema)))));
}

/** Fingerprint of `schemas/emission.v1.json`, the schema {@link quickEmissionBodyValid} covers. */
const EMISSION_SCHEMA_FINGERPRINT =
  "dc11049ebdf90f7fe9d6ad9533a5a086b0761ee1ff4d6438bc7815b174a63d87";

/**
 * True while `schemas/emission.v1.json` is the schema {@link quickEmissionBodyValid} was written
 * for; false turns that quick check off ({@link emissionBodyProblems} then always runs the
 * schema). A test keeps it true.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EMISSION_QUICK_CHECK_ON } from "./emission_quick_check.ts";
 * assert.equal(typeof EMISSION_QUICK_CHECK_ON, "boolean");
 * ```
 */
export const EMISSION_QUICK_CHECK_ON: boolean =
  schemaFingerprint(EMISSION_SCHEMA_V1) === EMISSION_SCHEMA_FINGERPRINT;

/**
 * What `checkBody("emission", body)` says of an emission body (empty when valid), through
 * {@link quickEmissionBodyValid} first: the schema and the cross-field rules run only when the
 * quick check cannot vouch for the body, so the problems named are always the schema's.
 *
 * @param body An emission body.
 * @param options `quick: false` runs the full check even when the quick check passes (default
 *   true).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emissionBodyProblems } from "./emission_quick_check.ts";
 * assert.match(emissionBodyProblems({ schema: "carbon-ops/emission/v1" })[0], /required/);
 * ```
 */
export function emissionBodyProblems(
  body: Record<string, unknown>,
  options: { quick?: boolean } = {},
): string[] {
  if (options.quick !== false && EMISSION_QUICK_CHECK_ON && quickEmissionBodyValid(body)) {
    return [];
  }
  return checkBody("emission", body as JsonValue);
}

/**
 * A sufficient check of the fields `ledger totals` sums and groups by (`schema`, `scope` with its
 * `scope2_method`/`scope3_category` rule, `activity_period.start`, `activity.energy_kwh`,
 * `result.co2e_g`, the whole `embodied` block and `labels`), written for the cut-down schema
 * `ledger totals` checks (its fingerprint is pinned in query.ts): true only when that schema
 * finds no problem. Other fields of these objects are not looked at.
 *
 * @param body An emission body.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quickTotalsFieldsValid } from "./emission_quick_check.ts";
 * const body = {
 *   schema: "carbon-ops/emission/v1",
 *   activity_period: { start: "2026-01-31T23:59:59.5Z" },
 *   scope: 3,
 *   scope3_category: 11,
 *   activity: { energy_kwh: "0" },
 *   result: { co2e_g: "12.50" },
 *   labels: { team: "ml" },
 * };
 * assert.equal(quickTotalsFieldsValid(body), true);
 * assert.equal(quickTotalsFieldsValid({ ...body, scope: 2 }), false); // no scope2_method
 * assert.equal(quickTotalsFieldsValid({ ...body, result: { co2e_g: "1e3" } }), false);
 * ```
 */
export function quickTotalsFieldsValid(body: Record<string, unknown>): boolean {
  if (body.schema !== "carbon-ops/emission/v1") return false;
  const period = body.activity_period;
  if (!isPlainObject(period) || !isQuickTimestamp(period.start)) return false;
  if (!isQuickScope(body.scope, body.scope2_method, body.scope3_category)) return false;
  const activity = body.activity;
  if (!isPlainObject(activity) || !isNonNegativeDecimal(activity.energy_kwh)) return false;
  const result = body.result;
  if (!isPlainObject(result) || !isNonNegativeDecimal(result.co2e_g)) return false;
  if (body.embodied !== undefined && !isQuickEmbodied(body.embodied)) return false;
  return body.labels === undefined || isQuickLabels(body.labels);
}

/**
 * A sufficient check of a whole emission body, written for the schema whose fingerprint is
 * pinned here: true only when `checkBody("emission", body)` finds no problem (every schema rule,
 * `activity_period.end` not before `start`, `interval.lower_g <= co2e_g <= interval.upper_g`,
 * and the `embodied` interval and confidence level). False means "run the schema": the body may
 * still be valid (a period starting on 29 February, end and start in the same second, a leap
 * second).
 *
 * @param body An emission body.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quickEmissionBodyValid } from "./emission_quick_check.ts";
 * const body = {
 *   schema: "carbon-ops/emission/v1",
 *   reporting_entity: "Example GmbH",
 *   source: { host: "host-01" },
 *   activity_period: { start: "2026-01-01T00:00:00Z", end: "2026-01-01T01:00:00Z" },
 *   scope: 1,
 *   activity: { energy_kwh: "0.39", source: "governor", coverage_pct: 99.8 },
 *   emission_factor: {
 *     value: "380", unit: "gCO2e/kWh", dataset: "Ember", version: "2025", year: 2024,
 *     region: "DE", basis: "lifecycle",
 *   },
 *   pue: { value: "1.2", source: "site" },
 *   allocation: { rule: "whole_host" },
 *   result: {
 *     co2e_g: "178.02",
 *     interval: { lower_g: "150", upper_g: "210" },
 *     confidence_level_pct: 95,
 *     uncertainty_method: "none",
 *   },
 *   quality: "measured",
 *   tool: { name: "carbon-ops", version: "0.3.0" },
 * };
 * assert.equal(quickEmissionBodyValid(body), true);
 * const outside = { ...body.result, interval: { lower_g: "180", upper_g: "210" } };
 * assert.equal(quickEmissionBodyValid({ ...body, result: outside }), false);
 * assert.equal(quickEmissionBodyValid({ ...body, extra: 1 }), false);
 * ```
 */
export function quickEmissionBodyValid(body: Record<string, unknown>): boolean {
  let required = 0;
  for (const key in body) {
    const v = body[key];
    switch (key) {
      case "schema":
        if (v !== "carbon-ops/emission/v1") return false;
        required++;
        break;
      case "reporting_entity":
        if (!isQuickText(v)) return false;
        required++;
        break;
      case "source":
        if (!isQuickSource(v)) return false;
        required++;
        break;
      case "activity_period":
        if (!isQuickPeriod(v)) return false;
        required++;
        break;
      case "reporting_period":
        if (!isReportingPeriod(v)) return false;
        break;
      case "scope":
        required++;
        break;
      case "scope3_category":
      case "scope2_method":
        break; // with scope, below
      case "gases":
        if (v !== "CO2e") return false;
        break;
      case "activity":
        if (!isQuickActivity(v)) return false;
        required++;
        break;
      case "emission_factor":
        if (!isQuickFactor(v)) return false;
        required++;
        break;
      case "pue":
        if (!isQuickPue(v)) return false;
        required++;
        break;
      case "allocation":
        if (!isQuickAllocation(v)) return false;
        required++;
        break;
      case "method":
        if (!isQuickMethod(v)) return false;
        break;
      case "result":
        if (!isQuickResult(v)) return false;
        required++;
        break;
      case "embodied":
        if (!isQuickEmbodied(v)) return false;
        break;
      case "quality":
        if (v !== "measured" && v !== "estimated" && v !== "fallback" && v !== "simulated") {
          return false;
        }
        required++;
        break;
      case "assumptions":
      case "exclusions":
        if (!isQuickTextList(v)) return false;
        break;
      case "tool":
        if (!isQuickTool(v)) return false;
        required++;
        break;
      case "labels":
        if (!isQuickLabels(v)) return false;
        break;
      default:
        return false;
    }
  }
  if (required !== 12) return false;
  if (!isQuickScope(body.scope, body.scope2_method, body.scope3_category)) return false;
  // allOf: simulated energy is signed only as simulated or fallback, and simulated quality
  // needs activity.simulated true.
  const simulated = (body.activity as Record<string, unknown>).simulated === true;
  if (simulated && body.quality !== "simulated" && body.quality !== "fallback") return false;
  if (body.quality === "simulated" && !simulated) return false;
  const embodied = body.embodied as Record<string, unknown> | undefined;
  if (embodied !== undefined) {
    const result = body.result as Record<string, unknown>;
    if (embodied.confidence_level_pct !== result.confidence_level_pct) return false;
    const g = embodied.co2e_g as string;
    if (
      compareDecimalText(embodied.ci_lower_g as string, g) > 0 ||
      compareDecimalText(g, embodied.ci_upper_g as string) > 0
    ) return false;
  }
  return true;
}

/** `scope` 1, 2 or 3 with exactly the `scope2_method`/`scope3_category` the schema asks for. */
function isQuickScope(scope: unknown, method: unknown, category: unknown): boolean {
  if (scope === 2) {
    if (method !== "location" && method !== "market") return false;
  } else if (method !== undefined) return false;
  if (scope === 3) {
    return Number.isInteger(category) && (category as number) >= 1 && (category as number) <= 15;
  }
  return category === undefined && (scope === 1 || scope === 2);
}

function isQuickSource(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let n = 0;
  for (const key in v) {
    if (key !== "host" && key !== "site" && key !== "cloud_account" && key !== "cloud_region") {
      return false;
    }
    if (!isQuickText(v[key])) return false;
    n++;
  }
  return n > 0;
}

/** Both timestamps, nothing else, and `end` in a later second than `start` (else: schema). */
function isQuickPeriod(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let n = 0;
  for (const key in v) {
    if (key !== "start" && key !== "end") return false;
    if (!isQuickTimestamp(v[key])) return false;
    n++;
  }
  if (n !== 2) return false;
  // Fixed-width digits: the first 19 characters order as the instants do. The same second (a
  // fraction decides) goes through the schema.
  return (v.end as string).slice(0, 19) > (v.start as string).slice(0, 19);
}

/** `^[0-9]{4}(-(Q[1-4]|[0-9]{2}))?$`. */
function isReportingPeriod(v: unknown): boolean {
  if (typeof v !== "string" || (v.length !== 4 && v.length !== 7)) return false;
  for (let i = 0; i < 4; i++) if (!isDigitAt(v, i)) return false;
  if (v.length === 4) return true;
  if (v.charCodeAt(4) !== 45) return false; // "-"
  if (v.charCodeAt(5) === 81) { // "Q"
    const q = v.charCodeAt(6);
    return q >= 49 && q <= 52;
  }
  return isDigitAt(v, 5) && isDigitAt(v, 6);
}

const ACTIVITY_SOURCES = new Set(["governor", "rapl", "model", "provider_api", "meter"]);

function isQuickActivity(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let required = 0;
  for (const key in v) {
    const x = v[key];
    switch (key) {
      case "energy_kwh":
        if (!isNonNegativeDecimal(x)) return false;
        required++;
        break;
      case "source":
        if (typeof x !== "string" || !ACTIVITY_SOURCES.has(x)) return false;
        required++;
        break;
      case "coverage_pct":
        if (!isPercent(x)) return false;
        required++;
        break;
      case "simulated":
        if (typeof x !== "boolean") return false;
        break;
      case "evidence":
        if (!Array.isArray(x) || x.length > 64 || !x.every(isQuickEvidence)) return false;
        break;
      case "model":
        if (!isQuickPowerModel(x)) return false;
        break;
      default:
        return false;
    }
  }
  return required === 3;
}

function isQuickEvidence(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let n = 0;
  for (const key in v) {
    if (key === "name") {
      if (!isQuickText(v.name)) return false;
    } else if (key === "sha256") {
      if (!isLowerHex64(v.sha256)) return false;
    } else return false;
    n++;
  }
  return n === 2;
}

function isQuickPowerModel(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let required = 0;
  for (const key in v) {
    const x = v[key];
    if (key === "name" || key === "instance_type") {
      if (!isQuickText(x)) return false;
      required++;
    } else if (key === "utilization_pct") {
      if (!isPercent(x)) return false;
    } else if (key === "utilization_assumed") {
      if (x !== true) return false;
    } else return false;
  }
  return required === 2;
}

function isQuickFactor(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let required = 0;
  for (const key in v) {
    const x = v[key];
    switch (key) {
      case "value":
        if (!isNonNegativeDecimal(x)) return false;
        required++;
        break;
      case "unit":
        if (x !== "gCO2e/kWh") return false;
        required++;
        break;
      case "dataset":
      case "version":
      case "region":
        if (!isQuickText(x)) return false;
        required++;
        break;
      case "year":
        if (!Number.isInteger(x) || (x as number) < 1990 || (x as number) > 2100) return false;
        required++;
        break;
      case "basis":
        if (x !== "lifecycle" && x !== "direct_combustion") return false;
        required++;
        break;
      case "instrument":
        if (x !== "grid_average" && x !== "contractual" && x !== "residual_mix") return false;
        break;
      case "gwp_set":
        if (!isQuickText(x)) return false;
        break;
      default:
        return false;
    }
  }
  return required === 7;
}

function isQuickPue(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let n = 0;
  for (const key in v) {
    if (key === "value") {
      const x = v.value;
      // ^[1-9][0-9]*(\.[0-9]+)?$: a non-negative decimal whose first digit is not 0.
      if (typeof x !== "string" || x.charCodeAt(0) === 48 || !isDecimalShape(x)) return false;
    } else if (key === "source") {
      if (!isQuickText(v.source)) return false;
    } else return false;
    n++;
  }
  return n === 2;
}

const ALLOCATION_RULES = new Set(["whole_host", "cpu_time_share", "energy_share", "fixed_share"]);

function isQuickAllocation(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let n = 0;
  for (const key in v) {
    const x = v[key];
    if (key === "rule") {
      if (typeof x !== "string" || !ALLOCATION_RULES.has(x)) return false;
      n++;
    } else if (key === "ratio") {
      if (!isShare(x)) return false;
    } else return false;
  }
  return n === 1;
}

function isQuickMethod(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  for (const key in v) if (key !== "formula" || !isQuickText(v.formula)) return false;
  return true;
}

function isQuickResult(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let required = 0;
  for (const key in v) {
    const x = v[key];
    switch (key) {
      case "co2e_g":
        if (!isNonNegativeDecimal(x)) return false;
        required++;
        break;
      case "interval":
        if (!isQuickInterval(x)) return false;
        required++;
        break;
      case "confidence_level_pct":
        if (!isPercent(x)) return false;
        required++;
        break;
      case "uncertainty_method":
        if (x !== "analytical_truncated" && x !== "monte_carlo" && x !== "none") return false;
        required++;
        break;
      case "seed":
        if (!Number.isInteger(x) || (x as number) < 0) return false;
        break;
      default:
        return false;
    }
  }
  if (required !== 4) return false;
  const interval = v.interval as { lower_g: string; upper_g: string };
  const g = v.co2e_g as string;
  return compareDecimalText(interval.lower_g, g) <= 0 &&
    compareDecimalText(g, interval.upper_g) <= 0;
}

function isQuickInterval(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let n = 0;
  for (const key in v) {
    if (key !== "lower_g" && key !== "upper_g") return false;
    if (!isNonNegativeDecimal(v[key])) return false;
    n++;
  }
  return n === 2;
}

function isQuickTool(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let n = 0;
  for (const key in v) {
    if (key !== "name" && key !== "version") return false;
    if (!isQuickText(v[key])) return false;
    n++;
  }
  return n === 2;
}

function isQuickTextList(v: unknown): boolean {
  return Array.isArray(v) && v.length <= 64 && v.every(isQuickText);
}

function isQuickLabels(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let n = 0;
  for (const name in v) {
    const x = v[name];
    if (typeof x !== "string" || x.length > 256 || ++n > 64) return false;
  }
  return true;
}

const EMBODIED_REQUIRED = [
  "co2e_g",
  "ci_lower_g",
  "ci_upper_g",
  "confidence_level_pct",
  "method",
  "model",
  "data_version",
  "instance_type",
  "lifespan_hours",
];
const EMBODIED_DECIMALS = new Set(["co2e_g", "ci_lower_g", "ci_upper_g", "lifespan_hours"]);
const EMBODIED_TEXTS = new Set(["method", "model", "data_version", "instance_type"]);

/** The `embodied` block's schema (shape only: its cross-field rules are the caller's). */
function isQuickEmbodied(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const key of EMBODIED_REQUIRED) if (value[key] === undefined) return false;
  for (const key in value) {
    const v = value[key];
    if (EMBODIED_DECIMALS.has(key)) {
      if (!isNonNegativeDecimal(v)) return false;
    } else if (EMBODIED_TEXTS.has(key)) {
      if (!isQuickText(v)) return false;
    } else if (key === "confidence_level_pct") {
      if (!isPercent(v)) return false;
    } else if (key === "share_of_host") {
      if (!isShare(v)) return false;
    } else if (key === "flags") {
      if (!isQuickTextList(v)) return false;
    } else return false;
  }
  return true;
}

/** A string of 1 to 1024 characters (UTF-16 units: never more than the schema's code points). */
function isQuickText(v: unknown): boolean {
  return typeof v === "string" && v.length >= 1 && v.length <= 1024;
}

/** A number from 0 to 100. */
function isPercent(v: unknown): boolean {
  return typeof v === "number" && v >= 0 && v <= 100;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `^(0|[1-9][0-9]*)(\.[0-9]+)?$`, at most 64 characters. */
function isNonNegativeDecimal(v: unknown): boolean {
  return typeof v === "string" && v.length <= 64 && isDecimalShape(v);
}

/** `^(0|[1-9][0-9]*)(\.[0-9]+)?$` (any length). */
function isDecimalShape(v: string): boolean {
  const n = v.length;
  if (n === 0) return false;
  let i = 0;
  const first = v.charCodeAt(0);
  if (first === 48) i = 1;
  else if (first >= 49 && first <= 57) {
    i = 1;
    while (i < n && isDigitAt(v, i)) i++;
  } else return false;
  if (i === n) return true;
  if (v.charCodeAt(i) !== 46 || i + 1 === n) return false;
  for (i++; i < n; i++) if (!isDigitAt(v, i)) return false;
  return true;
}

/** `^(0(\.[0-9]+)?|1(\.0+)?)$`: a share from 0 to 1. */
function isShare(v: unknown): boolean {
  if (typeof v !== "string" || v.length === 0) return false;
  const first = v.charCodeAt(0);
  if (first !== 48 && first !== 49) return false;
  if (v.length === 1) return true;
  if (v.charCodeAt(1) !== 46 || v.length === 2) return false;
  for (let i = 2; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (first === 49 ? c !== 48 : !(c >= 48 && c <= 57)) return false;
  }
  return true;
}

function isLowerHex64(v: unknown): boolean {
  if (typeof v !== "string" || v.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = v.charCodeAt(i);
    if (!(c >= 48 && c <= 57) && !(c >= 97 && c <= 102)) return false;
  }
  return true;
}

function isDigitAt(v: string, at: number): boolean {
  const c = v.charCodeAt(at);
  return c >= 48 && c <= 57;
}

/**
 * Compares two decimals of the shape `(0|[1-9][0-9]*)(\.[0-9]+)?` by value: negative, 0 or
 * positive as `a` is less than, equal to or greater than `b` (`"1.50"` equals `"1.5"`).
 */
function compareDecimalText(a: string, b: string): number {
  let ai = a.indexOf(".");
  let bi = b.indexOf(".");
  if (ai < 0) ai = a.length;
  if (bi < 0) bi = b.length;
  if (ai !== bi) return ai - bi; // no leading zeros: a longer integer part is larger
  for (let i = 0; i < ai; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  const n = Math.max(a.length - ai, b.length - bi);
  for (let i = 1; i < n; i++) {
    const x = ai + i < a.length ? a.charCodeAt(ai + i) : 48;
    const y = bi + i < b.length ? b.charCodeAt(bi + i) : 48;
    if (x !== y) return x - y;
  }
  return 0;
}

/** Days of months 1-12, February always 28 (a 29 February goes through the schema). */
const QUICK_MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DDThh:mm:ss[.f{1,9}]Z` naming a real instant: what the schema's `timestamp` (pattern
 * and `format: date-time`) accepts, less 29 February and leap seconds.
 */
function isQuickTimestamp(v: unknown): boolean {
  if (typeof v !== "string") return false;
  const n = v.length;
  if (n !== 20 && (n < 22 || n > 30)) return false;
  for (let i = 0; i < 19; i++) {
    const c = v.charCodeAt(i);
    const want = i === 4 || i === 7 ? 45 : i === 10 ? 84 : i === 13 || i === 16 ? 58 : -1;
    if (want >= 0 ? c !== want : !(c >= 48 && c <= 57)) return false;
  }
  if (v.charCodeAt(n - 1) !== 90) return false; // "Z"
  if (n > 20) {
    if (v.charCodeAt(19) !== 46) return false; // "."
    for (let i = 20; i < n - 1; i++) if (!isDigitAt(v, i)) return false;
  }
  const two = (at: number) => (v.charCodeAt(at) - 48) * 10 + v.charCodeAt(at + 1) - 48;
  const month = two(5);
  const day = two(8);
  return month >= 1 && month <= 12 && day >= 1 && day <= QUICK_MONTH_DAYS[month - 1] &&
    two(11) <= 23 && two(14) <= 59 && two(17) <= 59;
}
