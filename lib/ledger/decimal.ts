/**
 * Exact decimal numbers on `bigint`, for audited quantities stored as decimal strings (energy in
 * kWh, CO2e in grams): parsing, addition and formatting without any float in between.
 *
 * @module
 */

/**
 * The decimal string grammar accepted in records: optional `-`, no leading zeros, optional fraction.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DECIMAL_PATTERN } from "./decimal.ts";
 * const re = new RegExp(DECIMAL_PATTERN);
 * assert.ok(re.test("-12.50"));
 * assert.ok(!re.test("01.5"));
 * ```
 */
export const DECIMAL_PATTERN = "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$";
const DECIMAL_RE = new RegExp(DECIMAL_PATTERN);

/**
 * An exact decimal: `units / 10^scale`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Decimal } from "./decimal.ts";
 * const sum = Decimal.parse("0.1").add(Decimal.parse("0.2"));
 * assert.equal(sum.toString(), "0.3");
 * assert.equal(sum.compare(Decimal.parse("0.30")), 0);
 * ```
 */
export class Decimal {
  /** The integer numerator. */
  readonly units: bigint;
  /** Number of digits after the decimal point. */
  readonly scale: number;

  /**
   * Makes `units / 10^scale`.
   *
   * @param units Numerator.
   * @param scale Power of ten in the denominator (>= 0, integer).
   */
  constructor(units: bigint, scale: number) {
    if (!Number.isInteger(scale) || scale < 0) {
      throw new RangeError(`scale must be an integer >= 0, got ${scale}`);
    }
    this.units = units;
    this.scale = scale;
  }

  /** Zero. */
  static readonly ZERO: Decimal = new Decimal(0n, 0);

  /** True when `text` is a decimal string in the record grammar (`DECIMAL_PATTERN`). */
  static isDecimal(text: string): boolean {
    return DECIMAL_RE.test(text);
  }

  /**
   * Parses a decimal string such as `"12.50"` or `"-0.003"`. Throws `RangeError` on anything else
   * (exponents, `+`, spaces, leading zeros).
   */
  static parse(text: string): Decimal {
    if (!DECIMAL_RE.test(text)) {
      throw new RangeError(`'${text}' is not an exact decimal string (expected e.g. "12.345")`);
    }
    const negative = text.startsWith("-");
    const abs = negative ? text.slice(1) : text;
    const [whole, frac = ""] = abs.split(".");
    const units = BigInt(whole + frac);
    return new Decimal(negative ? -units : units, frac.length);
  }

  /** Exact sum. */
  add(other: Decimal): Decimal {
    const scale = Math.max(this.scale, other.scale);
    return new Decimal(this.#at(scale) + other.#at(scale), scale);
  }

  /** The same magnitude with the opposite sign. */
  negate(): Decimal {
    return new Decimal(-this.units, this.scale);
  }

  /** -1, 0 or 1. */
  compare(other: Decimal): number {
    const scale = Math.max(this.scale, other.scale);
    const a = this.#at(scale);
    const b = other.#at(scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  #at(scale: number): bigint {
    return this.units * 10n ** BigInt(scale - this.scale);
  }

  /** Shortest exact decimal text: trailing fraction zeros dropped, `"0"` for zero. */
  toString(): string {
    const negative = this.units < 0n;
    let digits = (negative ? -this.units : this.units).toString();
    let scale = this.scale;
    while (scale > 0 && digits.endsWith("0") && digits.length > 1) {
      digits = digits.slice(0, -1);
      scale--;
    }
    if (digits === "0") return "0";
    digits = digits.padStart(scale + 1, "0");
    const whole = digits.slice(0, digits.length - scale);
    const frac = digits.slice(digits.length - scale);
    return `${negative ? "-" : ""}${whole}${scale > 0 ? "." + frac : ""}`;
  }
}
