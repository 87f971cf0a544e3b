/**
 * Mapping of verified Python carbon-ops 0.1 ledger entries to v1 `emission` records (schema
 * v1) that carry the legacy line's SHA-256 (as evidence and a label), signature, signing key
 * and chain hash. The import itself is in `legacy_import_run.ts`.
 *
 * Mapping (0.1 names on the left; the first present wins): `carbon_emissions_gco2` | `grams` |
 * `co2e_g` -> result.co2e_g; `energy_consumed_kwh` | `energy_kwh` | `energy_consumed_wh` /
 * 1000 -> activity.energy_kwh; `carbon_intensity_used_gco2_kwh` | `intensity_g_per_kwh` ->
 * emission factor value; `start_ts`/`end_ts` | `timestamp` -> activity period (no offset: UTC,
 * flagged); `region`;
 * `pue_used`; `quality_flag`; `meta.ci_lower_g`/`ci_upper_g`/`confidence_level_pct`/`method`;
 * `allocation_ratio`; `operation` -> label. Numbers are converted from their exact Python
 * lexemes (`1e-05` -> `0.00001`), never through binary floats; a value whose exact decimal is
 * longer than the 64 characters a v1 decimal may hold (`1.7976931348623157e+308`, `5e-324`) is
 * refused, naming the field, the value and the cap. An entry without any timestamp (0.1's
 * default estimate path wrote none) takes the period the importer states (`assumedPeriod`,
 * `--assume-period`), recorded as an assumption and the label `legacy_period: "assumed"`. Every
 * default used is listed in the record's `assumptions`.
 *
 * @module
 */

import { tryParseRfc3339 } from "../../base/rfc3339.ts";
import type { JsonValue } from "../canonical_json.ts";
import type { LegacyEntry } from "./legacy.ts";
import type { PyJson } from "./legacy_json.ts";
import { checkBody } from "../record_types.ts";
import type { RecordBody } from "../record.ts";

/**
 * The exact decimal string of a Python number lexeme (`420.0` -> `420.0`, `1e-05` ->
 * `0.00001`, `1.5e+20` -> `150000000000000000000`), or undefined for NaN and infinities.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lexemeToDecimal } from "./legacy_import.ts";
 * assert.equal(lexemeToDecimal("1e-05"), "0.00001");
 * assert.equal(lexemeToDecimal("1.2345678901234568e+20"), "123456789012345680000");
 * assert.equal(lexemeToDecimal("NaN"), undefined);
 * ```
 */
export function lexemeToDecimal(lexeme: string): string | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(lexeme);
  if (!m) return undefined;
  const [, sign, int, frac = "", expText = "0"] = m;
  const exp = Number(expText);
  let digits = int + frac;
  let point = int.length + exp;
  if (point <= 0) {
    digits = "0".repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) digits = digits.padEnd(point, "0");
  let whole = digits.slice(0, point).replace(/^0+(?=\d)/, "");
  const fraction = digits.slice(point);
  if (whole === "") whole = "0";
  const out = fraction === "" ? whole : `${whole}.${fraction}`;
  const isZero = /^[0.]*$/.test(out);
  return sign === "-" && !isZero ? `-${out}` : out;
}

/** Divides a non-negative exact decimal string by 1000. */
function divideBy1000(decimal: string): string {
  const [int, frac = ""] = decimal.split(".");
  const padded = int.padStart(4, "0");
  const whole = padded.slice(0, -3).replace(/^0+(?=\d)/, "");
  return `${whole}.${padded.slice(-3)}${frac}`;
}

/**
 * Longest exact decimal a v1 record field holds (`nonNegativeDecimal` in
 * `schemas/emission.v1.json`): 64 characters, so at most 63 integer digits (values under 1e+63)
 * and, for a 17-digit Python float, down to about 1e-46.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lexemeToDecimal, MAX_DECIMAL_CHARS } from "./legacy_import.ts";
 * assert.equal(MAX_DECIMAL_CHARS, 64);
 * assert.ok(lexemeToDecimal("1.7976931348623157e+308")!.length > MAX_DECIMAL_CHARS);
 * ```
 */
export const MAX_DECIMAL_CHARS = 64;

/**
 * The activity period an importer states for 0.1 entries that recorded no time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AssumedPeriod, parseAssumedPeriod } from "./legacy_import.ts";
 * const p: AssumedPeriod = parseAssumedPeriod("2024-01-01T00:00:00Z/2024-07-01T00:00:00Z");
 * assert.equal(p.end, "2024-07-01T00:00:00.000Z");
 * ```
 */
export interface AssumedPeriod {
  /** Start, RFC 3339 UTC with milliseconds. */
  readonly start: string;
  /** End (not before the start), RFC 3339 UTC with milliseconds. */
  readonly end: string;
}

/**
 * Parses `START/END` (two RFC 3339 date-times with an offset, ISO 8601 interval notation) into
 * an `AssumedPeriod` in UTC. Throws `RangeError` saying what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAssumedPeriod } from "./legacy_import.ts";
 * assert.deepEqual(parseAssumedPeriod("2024-01-01T01:00:00+01:00/2024-12-31T23:59:59.5Z"), {
 *   start: "2024-01-01T00:00:00.000Z",
 *   end: "2024-12-31T23:59:59.500Z",
 * });
 * assert.throws(() => parseAssumedPeriod("2024-01-01"), RangeError);
 * assert.throws(() => parseAssumedPeriod("2024-02-01T00:00:00Z/2024-01-01T00:00:00Z"), /before/);
 * ```
 */
export function parseAssumedPeriod(text: string): AssumedPeriod {
  const parts = text.split("/");
  const example = "e.g. 2024-01-01T00:00:00Z/2025-01-01T00:00:00Z";
  if (parts.length !== 2) {
    throw new RangeError(`the period must be START/END, two RFC 3339 date-times (${example})`);
  }
  const [start, end] = parts.map((p, i) => {
    const ms = tryParseRfc3339(p)?.epochMs;
    if (ms === undefined) {
      throw new RangeError(
        `period ${
          i === 0 ? "start" : "end"
        } '${p}' is not an RFC 3339 date-time with an offset (${example})`,
      );
    }
    return ms;
  });
  if (end < start) throw new RangeError(`the period ends before it starts: ${text}`);
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

function field(obj: PyJson | undefined, name: string): PyJson | undefined {
  return obj?.kind === "object" ? obj.entries.find(([k]) => k === name)?.[1] : undefined;
}

/**
 * ISO 8601 date-time to RFC 3339 UTC with milliseconds. 0.1 documented its timestamps as UTC
 * but Python's `datetime.utcnow().isoformat()` writes them without an offset: those are read as
 * UTC and flagged (`naive`).
 */
function utcTimestamp(text: string): { iso: string; naive: boolean } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(\d{1,9}))?)(Z|[+-]\d{2}:\d{2})?$/.exec(
    text,
  );
  if (!m) return undefined;
  const fraction = (m[2] ?? "").slice(0, 3).padEnd(3, "0");
  const base = m[1].replace(/\.\d+$/, "");
  // The strict parser refuses impossible dates (2026-02-31, 24:00) that Date.parse rolls over.
  const ms = tryParseRfc3339(`${base}.${fraction}${m[3] ?? "Z"}`)?.epochMs;
  if (ms === undefined) return undefined;
  return { iso: new Date(ms).toISOString(), naive: m[3] === undefined };
}

/**
 * Options shared by mapping and import.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LegacyMapOptions, mapLegacyEntry } from "./legacy_import.ts";
 * const options: LegacyMapOptions = { reportingEntity: "Example Corp", publicKeyHex: "11".repeat(32) };
 * const entry = {
 *   line: 1,
 *   bytes: new Uint8Array(),
 *   lineSha256: "0".repeat(64),
 *   payload: { kind: "object" as const, entries: [] },
 *   signature: "0".repeat(128),
 *   chainHash: "0".repeat(64),
 *   signingKey: "11".repeat(32),
 *   flags: [],
 * };
 * assert.deepEqual(mapLegacyEntry(entry, options), {
 *   problem: "no CO2e in grams (carbon_emissions_gco2 | grams | co2e_g)",
 * });
 * ```
 */
export interface LegacyMapOptions {
  /** `reporting_entity` of every imported record. */
  readonly reportingEntity: string;
  /** Raw Ed25519 public key(s) (hex) the legacy ledger was verified with. */
  readonly publicKeyHex: string | readonly string[];
  /**
   * Activity period for entries that recorded no timestamp at all (default none: such an entry
   * cannot be mapped). Entries with timestamps keep their own.
   */
  readonly assumedPeriod?: AssumedPeriod;
}

/**
 * Maps one verified legacy entry to a v1 emission body, or returns why it cannot be mapped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { generateKeyPairSync, sign } from "node:crypto";
 * import { parsePyJson, pyDumps } from "./legacy_json.ts";
 * // One entry as carbon-ops 0.1 wrote it: json.dumps(payload + signature fields).
 * const { privateKey, publicKey } = generateKeyPairSync("ed25519");
 * const publicKeyHex = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("hex");
 * const payload =
 *   '{"timestamp": "2025-01-01T00:00:00+00:00", "carbon_emissions_gco2": 420.0, "energy_consumed_kwh": 1.0}';
 * const parsed = parsePyJson(payload);
 * if (!parsed.ok) throw new Error(parsed.reason);
 * const signText = pyDumps(parsed.value, { sortKeys: true, compact: true, ensureAscii: false });
 * const sig = sign(null, new TextEncoder().encode(signText), privateKey).toString("hex");
 * const line = `${payload.slice(0, -1)}, "signature": "${sig}", "signing_key": "${publicKeyHex}", ` +
 *   `"signature_algorithm": "ed25519"}\n`;
 * import { verifyLegacyLedger } from "./legacy.ts";
 * import { mapLegacyEntry } from "./legacy_import.ts";
 * const [entry] = verifyLegacyLedger(new TextEncoder().encode(line), { publicKeyHex }).entries;
 * const r = mapLegacyEntry(entry, { reportingEntity: "Example Corp", publicKeyHex });
 * assert.ok("body" in r, "problem" in r ? r.problem : "");
 * assert.deepEqual((r.body.result as { co2e_g: string }).co2e_g, "420.0");
 * assert.deepEqual(r.body.activity_period, { start: "2025-01-01T00:00:00.000Z", end: "2025-01-01T00:00:00.000Z" });
 * ```
 */
export function mapLegacyEntry(
  entry: LegacyEntry,
  options: LegacyMapOptions,
): { body: RecordBody } | { problem: string } {
  const p = entry.payload;
  const assumptions: string[] = [];
  const tooLong = (
    name: string,
    v: PyJson,
    d: string,
  ): { problem: string; tooLong: true } | undefined =>
    d.length > MAX_DECIMAL_CHARS
      ? {
        tooLong: true,
        problem:
          `${name} = ${
            v.kind === "number" ? v.lexeme : "?"
          } cannot be imported: its exact decimal has ${d.length} characters, more than the ` +
          `${MAX_DECIMAL_CHARS} a v1 record decimal holds (values from about 1e-46 to under ` +
          "1e+63); such a value is not a plausible measurement: find out what wrote it",
      }
      : undefined;
  const first = (...names: string[]): [string, PyJson] | undefined => {
    for (const n of names) {
      const v = field(p, n);
      if (v) return [n, v];
    }
    return undefined;
  };
  const decimalOf = (
    names: string[],
    what: string,
  ): string | { problem: string; tooLong?: true } => {
    const hit = first(...names);
    if (!hit) return { problem: `no ${what} (${names.join(" | ")})` };
    const [name, v] = hit;
    const d = v.kind === "number" ? lexemeToDecimal(v.lexeme) : undefined;
    if (d === undefined || d.startsWith("-")) {
      return { problem: `${name} is not a non-negative finite number` };
    }
    return tooLong(name, v, d) ?? d;
  };
  const co2e = decimalOf(["carbon_emissions_gco2", "grams", "co2e_g"], "CO2e in grams");
  if (typeof co2e !== "string") return co2e;
  let energy = decimalOf(["energy_consumed_kwh", "energy_kwh"], "energy in kWh");
  if (typeof energy !== "string") {
    if (energy.tooLong) return energy;
    const wh = decimalOf(["energy_consumed_wh", "energy_wh_total"], "energy");
    if (typeof wh !== "string") {
      return wh.tooLong ? wh : { problem: `${energy.problem}; no energy in Wh either` };
    }
    energy = divideBy1000(wh);
    const whHit = first("energy_consumed_wh", "energy_wh_total")!;
    const problem = tooLong(`${whHit[0]} / 1000`, whHit[1], energy);
    if (problem) return problem;
  }
  const intensity = decimalOf(
    ["carbon_intensity_used_gco2_kwh", "intensity_g_per_kwh"],
    "intensity",
  );
  if (typeof intensity !== "string" && intensity.tooLong) return intensity;
  const factor = typeof intensity === "string" ? intensity : "0";
  if (typeof intensity !== "string") {
    assumptions.push("emission factor not recorded by carbon-ops 0.1; value 0 is a placeholder");
  }
  const text = (name: string) => {
    const v = field(p, name);
    return v?.kind === "string" && v.value.length > 0 ? v.value.slice(0, 1024) : undefined;
  };
  const recordsTime = ["start_ts", "end_ts", "timestamp"].some((n) => {
    const v = field(p, n);
    return v !== undefined && !(v.kind === "literal" && v.value === "null");
  });
  let start: string;
  let end: string;
  let periodAssumed = false;
  if (!recordsTime && options.assumedPeriod) {
    ({ start, end } = options.assumedPeriod);
    periodAssumed = true;
    assumptions.push(
      `carbon-ops 0.1 recorded no time for this entry; activity period ${start}/${end} ` +
        "stated by the importer (--assume-period)",
    );
  } else {
    const startTs = utcTimestamp(text("start_ts") ?? text("timestamp") ?? "");
    const endTs = utcTimestamp(text("end_ts") ?? text("timestamp") ?? "");
    if (!startTs || !endTs) {
      return {
        problem: recordsTime
          ? "no ISO 8601 timestamp (start_ts/end_ts or timestamp)"
          : "no ISO 8601 timestamp (start_ts/end_ts or timestamp): carbon-ops 0.1's default " +
            "estimate path recorded none; state the period these entries cover with " +
            "--assume-period START/END",
      };
    }
    [start, end] = [startTs.iso, endTs.iso];
    if (startTs.naive || endTs.naive) {
      assumptions.push("timestamps had no UTC offset; read as UTC, as carbon-ops 0.1 documented");
    }
  }
  const meta = field(p, "meta");
  const metaDecimal = (name: string) => {
    const v = field(meta, name);
    return v?.kind === "number" ? lexemeToDecimal(v.lexeme) : undefined;
  };
  let lower = metaDecimal("ci_lower_g");
  let upper = metaDecimal("ci_upper_g");
  for (const [name, d] of [["ci_lower_g", lower], ["ci_upper_g", upper]] as const) {
    const problem = d === undefined ? undefined : tooLong(`meta.${name}`, field(meta, name)!, d);
    if (problem) return problem;
  }
  const levelV = field(meta, "confidence_level_pct");
  let level = levelV?.kind === "number" ? Number(levelV.lexeme) : NaN;
  const methodV = field(meta, "method");
  let method =
    methodV?.kind === "string" && ["analytical_truncated", "monte_carlo"].includes(methodV.value)
      ? methodV.value
      : "none";
  if (
    !lower || !upper || lower.startsWith("-") || upper.startsWith("-") ||
    !(level >= 0 && level <= 100)
  ) {
    lower = upper = co2e;
    level = 0;
    method = "none";
    assumptions.push("no confidence interval recorded by carbon-ops 0.1");
  }
  const pueV = field(p, "pue_used");
  let pue = pueV?.kind === "number" ? lexemeToDecimal(pueV.lexeme) : undefined;
  const pueProblem = pue === undefined ? undefined : tooLong("pue_used", pueV!, pue);
  if (pueProblem) return pueProblem;
  if (!pue || !/^[1-9][0-9]*(\.[0-9]+)?$/.test(pue)) {
    pue = "1.0";
    assumptions.push("PUE not recorded by carbon-ops 0.1; 1.0 assumed");
  }
  const quality = ["measured", "estimated", "fallback"].includes(text("quality_flag") ?? "")
    ? text("quality_flag")!
    : "estimated";
  const ratioV = field(p, "allocation_ratio");
  const ratio = ratioV?.kind === "number" ? lexemeToDecimal(ratioV.lexeme) : undefined;
  const ratioProblem = ratio === undefined
    ? undefined
    : tooLong("allocation_ratio", ratioV!, ratio);
  if (ratioProblem) return ratioProblem;
  const allocation: { [k: string]: JsonValue } = ratio && /^(0(\.[0-9]+)?|1(\.0+)?)$/.test(ratio)
    ? { rule: "cpu_time_share", ratio }
    : { rule: "whole_host" };
  assumptions.push("emission factor basis, dataset and version not recorded by carbon-ops 0.1");
  const labels: Record<string, string> = {
    legacy_line: String(entry.line),
    legacy_line_sha256: entry.lineSha256,
    legacy_signature: entry.signature,
    legacy_signing_key: entry.signingKey,
    legacy_chain_hash: entry.chainHash,
  };
  if (periodAssumed) labels.legacy_period = "assumed";
  if (entry.flags.length > 0) {
    labels.legacy_flags = entry.flags.join(",");
    if (entry.flags.includes("CRLF_LINE_ENDINGS")) {
      assumptions.push(
        "the legacy line ended in CRLF; legacy_line_sha256 is of the line without CR LF",
      );
    }
    if (entry.flags.includes("PREV_HASH_NOT_LAST")) {
      assumptions.push(
        "the legacy line carries prev_hash where the caller placed it; it is signed and links",
      );
    }
  }
  const operation = text("operation");
  if (operation) labels.operation = operation.slice(0, 256);
  const body: { [k: string]: JsonValue } = {
    schema: "carbon-ops/emission/v1",
    reporting_entity: options.reportingEntity,
    source: { host: text("host") ?? text("hostname") ?? "unknown (carbon-ops 0.1 import)" },
    activity_period: { start, end },
    scope: 2,
    scope2_method: "location",
    gases: "CO2e",
    activity: {
      energy_kwh: energy,
      source: "model",
      coverage_pct: 100,
      evidence: [{ name: `carbon-ops 0.1 ledger line ${entry.line}`, sha256: entry.lineSha256 }],
    },
    emission_factor: {
      value: factor,
      unit: "gCO2e/kWh",
      dataset: text("source") ?? "carbon-ops 0.1 (unrecorded)",
      version: "unrecorded",
      year: Math.min(2100, Math.max(1990, Number(start.slice(0, 4)))),
      region: text("region") ?? "unrecorded",
      basis: "lifecycle",
    },
    pue: { value: pue, source: pueV ? "carbon-ops 0.1 pue_used" : "assumed" },
    allocation,
    result: {
      co2e_g: co2e,
      interval: { lower_g: lower, upper_g: upper },
      confidence_level_pct: level,
      uncertainty_method: method,
    },
    quality,
    assumptions,
    tool: { name: "carbon-ops (Python)", version: "0.1" },
    labels,
  };
  const problems = checkBody("emission", body);
  return problems.length ? { problem: problems.slice(0, 3).join("; ") } : { body };
}
