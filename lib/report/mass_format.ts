/**
 * Readable masses of CO2e (pure): grams, kilograms or tonnes with three significant digits, and
 * intervals in the same unit as their central value.
 *
 * @module
 */

/**
 * A unit for a mass: its symbol and how many grams it holds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MassUnit } from "./mass_format.ts";
 * const kg: MassUnit = { symbol: "kg", grams: 1000 };
 * assert.equal(kg.grams, 1000);
 * ```
 */
export interface MassUnit {
  /** `g`, `kg` or `t`. */
  readonly symbol: "g" | "kg" | "t";
  /** Grams per unit. */
  readonly grams: number;
}

/**
 * The unit to show `grams` in: g below 1 kg, kg below 1 t, else t.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { massUnit } from "./mass_format.ts";
 * assert.equal(massUnit(950).symbol, "g");
 * assert.equal(massUnit(8436.05475).symbol, "kg");
 * assert.equal(massUnit(2.5e6).symbol, "t");
 * ```
 */
export function massUnit(grams: number): MassUnit {
  const abs = Math.abs(grams);
  if (abs >= 1e6) return { symbol: "t", grams: 1e6 };
  if (abs >= 1e3) return { symbol: "kg", grams: 1e3 };
  return { symbol: "g", grams: 1 };
}

/**
 * `grams` in `unit` (default: `massUnit(grams)`) with three significant digits (integers of 1000
 * and more keep their digits), e.g. `8.44 kg`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMass } from "./mass_format.ts";
 * assert.equal(formatMass(8436.05475), "8.44 kg");
 * assert.equal(formatMass(0.123456), "0.123 g");
 * assert.equal(formatMass(3_456_789_000), "3457 t");
 * assert.equal(formatMass(500, { symbol: "kg", grams: 1000 }), "0.5 kg");
 * ```
 */
export function formatMass(grams: number, unit: MassUnit = massUnit(grams)): string {
  return `${formatNumber(grams / unit.grams)} ${unit.symbol}`;
}

/**
 * A number with three significant digits, without exponent (`0.000123`, `1234`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatNumber } from "./mass_format.ts";
 * assert.equal(formatNumber(1234.5), "1235");
 * assert.equal(formatNumber(0.00012345), "0.000123");
 * assert.equal(formatNumber(0), "0");
 * ```
 */
export function formatNumber(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return Math.round(x).toString();
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return String(Number(x.toFixed(Math.min(20, digits))));
}

/**
 * A central value with its interval, all in the central value's unit:
 * `8.44 kg (95% interval 7.1 to 10.2 kg)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatInterval } from "./mass_format.ts";
 * assert.equal(
 *   formatInterval({ centralG: 8436, lowerG: 7100, upperG: 10_200 }),
 *   "8.44 kg (95% interval 7.1 to 10.2 kg)",
 * );
 * ```
 */
export function formatInterval(
  i: { readonly centralG: number; readonly lowerG: number; readonly upperG: number },
): string {
  const unit = massUnit(i.centralG || i.upperG);
  return `${formatMass(i.centralG, unit)} (95% interval ${formatNumber(i.lowerG / unit.grams)} to ${
    formatMass(i.upperG, unit)
  })`;
}
