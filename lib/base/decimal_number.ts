/**
 * The one strict parser for numbers that people type: flags, `CARBON_OPS_*` variables and the
 * text forms of config values. JavaScript's `Number()` also reads `0x10`, `0b1`, `0o7`,
 * `Infinity`, `1e3`, `" 5 "` and `""` (as 0); a setting such as `--energy-wh 0x10` must not
 * quietly become 16, so only plain decimal text is accepted here.
 *
 * @module
 */

/**
 * The accepted grammar: an optional `-`, one or more digits, and an optional fraction of one or
 * more digits. No `+`, no exponent, no spaces, no hex/binary/octal prefixes, no `Infinity`/`NaN`,
 * nothing empty. Leading zeros are decimal (`010` is ten).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DECIMAL_NUMBER_PATTERN } from "./decimal_number.ts";
 * assert.ok(DECIMAL_NUMBER_PATTERN.test("-12.50"));
 * assert.ok(!DECIMAL_NUMBER_PATTERN.test("0x10"));
 * assert.ok(!DECIMAL_NUMBER_PATTERN.test("1e3"));
 * ```
 */
export const DECIMAL_NUMBER_PATTERN: RegExp = /^-?[0-9]+(?:\.[0-9]+)?$/;

/**
 * How the grammar is described in error messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DECIMAL_NUMBER_FORM } from "./decimal_number.ts";
 * assert.match(DECIMAL_NUMBER_FORM, /decimal/);
 * ```
 */
export const DECIMAL_NUMBER_FORM =
  "plain decimal digits such as 12 or 0.5 (no hex, binary or octal prefix, no exponent, " +
  "no spaces)";

/**
 * Parses `text` as a decimal number of the {@link DECIMAL_NUMBER_PATTERN} grammar. Returns the same
 * value `Number(text)` gives, or `undefined` when the text is not of that grammar or its value
 * is not finite (too many digits).
 *
 * @param text What was typed.
 * @param options `negative` whether a leading `-` is allowed (default true).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDecimalNumber } from "./decimal_number.ts";
 * assert.equal(parseDecimalNumber("16"), 16);
 * assert.equal(parseDecimalNumber("-0.25"), -0.25);
 * assert.equal(parseDecimalNumber("0x10"), undefined);
 * assert.equal(parseDecimalNumber("0b1"), undefined);
 * assert.equal(parseDecimalNumber("Infinity"), undefined);
 * assert.equal(parseDecimalNumber(""), undefined);
 * assert.equal(parseDecimalNumber(" 5"), undefined);
 * assert.equal(parseDecimalNumber("-1", { negative: false }), undefined);
 * ```
 */
export function parseDecimalNumber(
  text: string,
  options: { negative?: boolean } = {},
): number | undefined {
  if (!DECIMAL_NUMBER_PATTERN.test(text)) return undefined;
  if (options.negative === false && text.startsWith("-")) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
