/**
 * Input checks shared by the estimator (private). Every message says what is allowed.
 *
 * @module
 */

import { parseRfc3339 } from "../base/rfc3339.ts";
import type { PowerSample } from "./span.ts";
import { type EnergySourceKind, type EstimationMethod, METHODS } from "./uncertainty.ts";

/**
 * Accepted time inputs: a strict RFC 3339 date-time string (`lib/base/rfc3339.ts`: seconds and
 * offset required, impossible dates refused), Unix epoch ms, or a Date.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type TimeInput, timeMs } from "./_validate.ts";
 * const inputs: TimeInput[] = ["2025-01-01T01:00:00+01:00", 1735689600000, new Date(Date.UTC(2025, 0, 1))];
 * assert.deepEqual(inputs.map((t) => timeMs("startTs", t)), [1735689600000, 1735689600000, 1735689600000]);
 * assert.throws(() => timeMs("startTs", "2025-01-01T00:00:00"), /must state its UTC offset/);
 * assert.throws(() => timeMs("startTs", "2025-02-30T00:00:00Z"), /February 2025 has 28 days/);
 * ```
 */
export type TimeInput = string | number | Date;

export function finiteNonNegative(name: string, v: unknown, unit: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new RangeError(
      `${name} must be a finite number >= 0 (${unit}), got ${typeof v === "number" ? v : typeof v}`,
    );
  }
  return v;
}

export function positive(name: string, v: unknown, unit: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`${name} must be a finite number > 0 (${unit}), got ${String(v)}`);
  }
  return v;
}

export function timeMs(name: string, v: TimeInput): number {
  if (typeof v === "string") {
    // One strict parser for every timestamp (lib/base/rfc3339.ts): 2025-02-30 is refused, not
    // rolled over to March 2 as Date.parse does.
    if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(v)) {
      throw new RangeError(`${name} must state its UTC offset (e.g. Z or +01:00), got ${v}`);
    }
    try {
      return parseRfc3339(v).epochMs;
    } catch (err) {
      throw new RangeError(`${name}: ${(err as Error).message}`, { cause: err });
    }
  }
  const ms = typeof v === "number" ? v : v instanceof Date ? v.getTime() : NaN;
  if (!Number.isFinite(ms)) {
    throw new RangeError(
      `${name} must be an RFC 3339 time (e.g. 2025-01-31T12:00:00Z), epoch milliseconds or a Date, got ${
        String(v)
      }`,
    );
  }
  return ms;
}

export function checkPue(v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 1 || v > 3) {
    throw new RangeError(`PUE must be a number from 1 to 3, got ${String(v)}`);
  }
  return v;
}

export function checkLevel(v: unknown): number {
  if (typeof v !== "number" || !(v >= 50 && v < 100)) {
    throw new RangeError(
      `confidenceLevelPct must be a number from 50 to below 100 (e.g. 95), got ${String(v)}`,
    );
  }
  return v;
}

export function checkMethod(v: unknown): EstimationMethod {
  if (v === "monte-carlo") return "monte_carlo";
  if (v === "analytical") return "analytical_truncated";
  if (!(METHODS as readonly unknown[]).includes(v)) {
    throw new RangeError(
      `unknown method ${JSON.stringify(v)}; allowed: analytical_truncated (or analytical), ` +
        `monte_carlo (or monte-carlo)`,
    );
  }
  return v as EstimationMethod;
}

const SOURCES: readonly EnergySourceKind[] = ["governor", "rapl", "model", "meter"];
export function checkEnergySource(v: unknown): EnergySourceKind {
  if (!(SOURCES as readonly unknown[]).includes(v)) {
    throw new RangeError(
      `unknown energySource ${JSON.stringify(v)}; allowed: ${SOURCES.join(", ")}`,
    );
  }
  return v as EnergySourceKind;
}

export function checkPct(name: string, v: unknown, max: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > max) {
    throw new RangeError(`${name} must be a number from 0 to ${max} (percent), got ${String(v)}`);
  }
  return v;
}

export function checkSamples(list: unknown): PowerSample[] {
  if (!Array.isArray(list) || list.length === 0) {
    throw new RangeError("samples must be a non-empty array of { tsMs, watts }");
  }
  return list.map((s, i) => {
    const o = s as { tsMs?: unknown; ts?: unknown; watts?: unknown };
    const raw = o.tsMs ?? o.ts;
    const ts = timeMs(`samples[${i}].tsMs`, raw as TimeInput);
    const watts = finiteNonNegative(`samples[${i}].watts`, o.watts, "W");
    return { tsMs: ts, watts };
  });
}
