/**
 * Exact sums of many decimal strings without a `Decimal` (or a `bigint`) per value: each value
 * is read as an integer count of units at its own scale (`"12.50"` is 1250 at scale 2) and added
 * to a per-scale running sum kept in a `number` while it stays a safe integer, spilling into a
 * `bigint` only when it would not. The result is the `Decimal` that adding `Decimal.parse` of
 * every value gives, at a fraction of the cost (what `ledger totals` and the report aggregate).
 *
 * @module
 */

import { Decimal } from "./decimal.ts";

/** Values with at most this many digits are exact in a `number` (10^15 < 2^53). */
const NUMBER_DIGITS = 15;

/**
 * A running exact sum of decimal strings in the record grammar (`DECIMAL_PATTERN`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DecimalSum } from "./decimal_sum.ts";
 * const sum = new DecimalSum();
 * for (const v of ["0.1", "0.2", "-0.05", "12345678901234567890.5"]) sum.add(v);
 * assert.equal(sum.toString(), "12345678901234567890.75");
 * assert.throws(() => sum.add("1e3"), RangeError);
 * assert.equal(new DecimalSum().toString(), "0");
 * ```
 */
export class DecimalSum {
  /** Exact safe-integer sums of units, indexed by scale. */
  #small: number[] = [0];
  /** Spilled sums of units, indexed by scale (absent: 0n). */
  #big: bigint[] = [];

  /**
   * Adds one decimal string. Throws `RangeError` (as `Decimal.parse` does) when `text` is not in
   * the record grammar: exponents, `+`, spaces, leading zeros.
   *
   * @param text A decimal string such as `"12.50"` or `"-0.003"`.
   */
  add(text: string): void {
    if (!Decimal.isDecimal(text)) {
      throw new RangeError(`'${text}' is not an exact decimal string (expected e.g. "12.345")`);
    }
    const dot = text.indexOf(".");
    const scale = dot < 0 ? 0 : text.length - dot - 1;
    const digits = dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1);
    const small = this.#small;
    while (small.length <= scale) small.push(0);
    const signed = digits.charCodeAt(0) === 45 ? 1 : 0; // "-"
    if (digits.length - signed > NUMBER_DIGITS) {
      this.#addBig(scale, BigInt(digits));
      return;
    }
    const units = Number(digits);
    const next = small[scale] + units;
    if (Number.isSafeInteger(next)) small[scale] = next;
    else {
      this.#addBig(scale, BigInt(small[scale]));
      small[scale] = units;
    }
  }

  /**
   * Adds everything another sum holds.
   *
   * @param other The sum to add (unchanged).
   */
  addSum(other: DecimalSum): void {
    const d = other.toDecimal();
    this.#addBig(d.scale, d.units);
    while (this.#small.length <= d.scale) this.#small.push(0);
  }

  #addBig(scale: number, units: bigint): void {
    this.#big[scale] = (this.#big[scale] ?? 0n) + units;
  }

  /** The exact sum as a `Decimal` (scale: the longest fraction added). */
  toDecimal(): Decimal {
    const top = Math.max(this.#small.length, this.#big.length) - 1;
    let units = 0n;
    for (let scale = 0; scale <= top; scale++) {
      const at = BigInt(this.#small[scale] ?? 0) + (this.#big[scale] ?? 0n);
      if (at !== 0n) units += at * 10n ** BigInt(top - scale);
    }
    return new Decimal(units, top);
  }

  /** The exact sum as the shortest decimal text (`Decimal.toString`). */
  toString(): string {
    return this.toDecimal().toString();
  }
}
