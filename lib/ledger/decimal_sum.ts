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

function isDigit(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c >= 48 && c <= 57;
}

function refuse(text: string): never {
  throw new RangeError(`'${text}' is not an exact decimal string (expected e.g. "12.345")`);
}

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
    // One pass over the characters checks the grammar (`-?(0|[1-9][0-9]*)(\.[0-9]+)?`) and
    // accumulates the units in a number while at most NUMBER_DIGITS digits are read: no regular
    // expression, substring or bigint for the values a ledger holds.
    const length = text.length;
    let i = 0;
    let negative = false;
    if (length > 0 && text.charCodeAt(0) === 45) { // "-"
      negative = true;
      i = 1;
    }
    const first = text.charCodeAt(i); // NaN past the end
    if (!(first >= 48 && first <= 57) || (first === 48 && i + 1 < length && isDigit(text, i + 1))) {
      return refuse(text);
    }
    let units = 0;
    let digits = 0;
    let scale = -1; // -1: no "." yet
    for (; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        units = units * 10 + (c - 48);
        digits++;
        if (scale >= 0) scale++;
      } else if (c === 46 && scale < 0 && i + 1 < length) scale = 0; // "."
      else return refuse(text);
    }
    if (scale === 0) return refuse(text); // "1." (a "." needs a digit after it)
    if (scale < 0) scale = 0;
    const small = this.#small;
    while (small.length <= scale) small.push(0);
    if (digits > NUMBER_DIGITS) {
      const dot = text.indexOf(".");
      this.#addBig(scale, BigInt(dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1)));
      return;
    }
    if (negative) units = -units;
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
