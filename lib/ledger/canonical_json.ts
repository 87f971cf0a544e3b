/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation, and the JSON value and error types
 * shared with the strict I-JSON (RFC 7493) parser in `strict_json.ts`.
 *
 * `canonicalize` refuses what RFC 8785 / I-JSON cannot represent faithfully: non-finite numbers,
 * `-0`, lone surrogates, and values that are not plain JSON. Numbers and strings are written by
 * the built-ins (`String(number)` is ECMAScript Number::toString, which RFC 8785 adopts;
 * `JSON.stringify(string)` escapes exactly as RFC 8785 asks) once those checks pass.
 *
 * @module
 */

/**
 * A plain JSON value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalize, type JsonValue } from "./canonical_json.ts";
 * const value: JsonValue = { b: [true, null], a: "x" };
 * assert.equal(canonicalize(value), '{"a":"x","b":[true,null]}');
 * ```
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

/**
 * Why a value or text was refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalize, type JsonErrorCode, JsonCanonError } from "./canonical_json.ts";
 * const expected: JsonErrorCode = "NEGATIVE_ZERO";
 * assert.throws(() => canonicalize(-0), (e) => e instanceof JsonCanonError && e.code === expected);
 * ```
 */
export type JsonErrorCode =
  | "SYNTAX"
  | "DUPLICATE_KEY"
  | "LONE_SURROGATE"
  | "NON_FINITE"
  | "NEGATIVE_ZERO"
  | "BIG_INTEGER"
  | "NOT_JSON"
  | "TOO_DEEP";

/**
 * A value cannot be canonicalised, or a text is not strict I-JSON. `path` is a JSON Pointer to
 * the offending value; `offset` the UTF-16 index in the parsed text (parsing only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalize, JsonCanonError } from "./canonical_json.ts";
 * assert.throws(
 *   () => canonicalize({ x: NaN }),
 *   (e) => e instanceof JsonCanonError && e.code === "NON_FINITE",
 * );
 * ```
 */
export class JsonCanonError extends TypeError {
  /** Machine-readable reason. */
  readonly code: JsonErrorCode;
  /** JSON Pointer of the offending value ("" for the root). */
  readonly path: string;
  /** Index in the source text, when parsing. */
  readonly offset: number | undefined;
  /**
   * Creates the error.
   *
   * @param code Reason.
   * @param message Human text.
   * @param where `path` (default "") and `offset` (default none).
   */
  constructor(
    code: JsonErrorCode,
    message: string,
    where: { path?: string; offset?: number } = {},
  ) {
    super(message);
    this.name = "JsonCanonError";
    this.code = code;
    this.path = where.path ?? "";
    this.offset = where.offset;
  }
}

const MAX_DEPTH = 64;
/** Characters JSON.stringify escapes (quote, backslash, U+0000..U+001F) and any surrogate. */
// deno-lint-ignore no-control-regex
const NEEDS_ESCAPE_OR_CHECK = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * Formats a finite number the way ECMAScript `Number::toString` does (RFC 8785 section 3.2.2.3):
 * shortest round-trip digits, plain notation for exponents in [-6, 21), otherwise `d.ddde+N`.
 * Throws on NaN, Infinity and -0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatNumber } from "./canonical_json.ts";
 * assert.equal(formatNumber(1e21), "1e+21");
 * assert.equal(formatNumber(0.000001), "0.000001");
 * assert.equal(formatNumber(1e-7), "1e-7");
 * ```
 */
export function formatNumber(value: number, path = ""): string {
  if (!Number.isFinite(value)) {
    throw new JsonCanonError("NON_FINITE", `${value} at '${path}' is not a JSON number`, { path });
  }
  if (Object.is(value, -0)) {
    throw new JsonCanonError("NEGATIVE_ZERO", `-0 at '${path}' is not allowed (I-JSON)`, { path });
  }
  // ECMAScript Number::toString is exactly RFC 8785's number serialisation (section 3.2.2.3).
  return String(value);
}

/**
 * Serialises a string per RFC 8785 section 3.2.2.2: escapes `"`, `\` and U+0000..U+001F only
 * (short forms for \b \t \n \f \r, else lowercase \u00xx); rejects lone surrogates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatString } from "./canonical_json.ts";
 * assert.equal(formatString("a\u000f/\u20ac"), '"a\\u000f/€"');
 * ```
 */
export function formatString(value: string, path = ""): string {
  // JSON.stringify escapes exactly as RFC 8785 section 3.2.2.2 asks once the string is well
  // formed (it would write a lone surrogate as \udxxx, which I-JSON forbids).
  if (!value.isWellFormed()) {
    const unit = value.charCodeAt(loneSurrogateIndex(value));
    throw new JsonCanonError(
      "LONE_SURROGATE",
      `lone surrogate U+${unit.toString(16).toUpperCase()} at '${path}' (not well-formed UTF-16)`,
      { path },
    );
  }
  return JSON.stringify(value);
}

/**
 * Index of the first lone surrogate in `text` (a UTF-16 code unit that is not half of a pair),
 * or -1 when `text` is well formed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loneSurrogateIndex } from "./canonical_json.ts";
 * assert.equal(loneSurrogateIndex("a\ud83d\ude00b"), -1);
 * assert.equal(loneSurrogateIndex("ab\udc00"), 2);
 * assert.equal(loneSurrogateIndex("\ud800x"), 0);
 * ```
 */
export function loneSurrogateIndex(text: string): number {
  if (text.isWellFormed()) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else return i;
  }
  return -1;
}

/**
 * Compares two strings by UTF-16 code units (RFC 8785 section 3.2.3).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareUtf16 } from "./canonical_json.ts";
 * assert.deepEqual(["\u20ac", "b", "a"].sort(compareUtf16), ["a", "b", "\u20ac"]);
 * assert.equal(compareUtf16("x", "x"), 0);
 * ```
 */
export function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * RFC 8785 canonical JSON text of `value`. Throws `JsonCanonError` on anything that is not a
 * plain JSON value (undefined, functions, bigint, Dates, Maps, class instances, cycles too deep).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalize } from "./canonical_json.ts";
 * assert.equal(
 *   canonicalize({ b: [1, 2.5e-7, "x"], a: { "\u20ac": 1, "a": null } }),
 *   '{"a":{"a":null,"€":1},"b":[1,2.5e-7,"x"]}',
 * );
 * ```
 */
export function canonicalize(value: unknown): string {
  const trail: string[] = [];
  try {
    return write(value, trail);
  } catch (err) {
    if (err instanceof PathlessError) {
      const path = trail.map((k) => "/" + k.replaceAll("~", "~0").replaceAll("/", "~1")).join("");
      const message = err.message.replace("@PATH@", path);
      throw new JsonCanonError(err.code, message, { path });
    }
    throw err;
  }
}

/**
 * True when `text` is the RFC 8785 form of `value`, decided quickly for the common case: `value`
 * was parsed from `text` and the writer produced it canonically. A false answer means "not
 * shown here": call {@link canonicalize} to decide (and to learn why). Checks that every object's
 * keys are in strictly ascending UTF-16 order within the nesting limit, that `text` holds no
 * `\\ud` escape (a possible lone surrogate, which `JSON.stringify` would write and RFC 8785
 * forbids), and that `JSON.stringify(value)` equals `text`: for such a value `JSON.stringify`
 * writes RFC 8785 exactly (ECMAScript number and string serialisation, keys in property order,
 * which is then the sorted order). Duplicate keys, `-0`, big integers, whitespace and other
 * escapes make the strings differ.
 *
 * @param value A parsed JSON value.
 * @param text The text it was parsed from.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCanonicalTextOf } from "./canonical_json.ts";
 * const text = '{"a":[1,2.5],"b":{"c":"\\u0001"}}';
 * assert.equal(isCanonicalTextOf(JSON.parse(text), text), true);
 * assert.equal(isCanonicalTextOf(JSON.parse('{"b":1,"a":2}'), '{"b":1,"a":2}'), false);
 * assert.equal(isCanonicalTextOf(JSON.parse('{"a":1.0}'), '{"a":1.0}'), false);
 * ```
 */
export function isCanonicalTextOf(value: unknown, text: string): boolean {
  return !text.includes("\\ud") && keysSorted(value, 0) && JSON.stringify(value) === text;
}

/** Every object's keys strictly ascending (UTF-16 order), nesting within `MAX_DEPTH`. */
function keysSorted(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!keysSorted(value[i], depth + 1)) return false;
    return true;
  }
  const obj = value as Record<string, unknown>;
  let last: string | null = null;
  for (const key in obj) {
    if (last !== null && !(last < key)) return false;
    if (!keysSorted(obj[key], depth + 1)) return false;
    last = key;
  }
  return true;
}

/** Thrown inside `write`; `canonicalize` adds the JSON Pointer from the trail of keys. */
class PathlessError extends Error {
  constructor(readonly code: JsonErrorCode, message: string) {
    super(message);
  }
}

function write(value: unknown, trail: string[]): string {
  if (trail.length > MAX_DEPTH) {
    throw new PathlessError("TOO_DEEP", `nesting deeper than ${MAX_DEPTH} at '@PATH@'`);
  }
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (Number.isFinite(value) && !Object.is(value, -0)) return String(value);
      throw new PathlessError(
        Number.isFinite(value) ? "NEGATIVE_ZERO" : "NON_FINITE",
        `${Object.is(value, -0) ? "-0" : value} at '@PATH@' is not allowed in I-JSON`,
      );
    case "string":
      return formatStringOrThrow(value);
    case "object":
      break;
    default:
      throw new PathlessError("NOT_JSON", `a ${typeof value} at '@PATH@' is not a JSON value`);
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      trail.push(String(i));
      out += (i > 0 ? "," : "") + write(value[i], trail);
      trail.pop();
    }
    return out + "]";
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new PathlessError("NOT_JSON", `a non-plain object at '@PATH@' is not a JSON value`);
  }
  const obj = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is the RFC 8785 order.
  const keys = Object.keys(obj).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    trail.push(key);
    const k = formatStringOrThrow(key);
    out += (i > 0 ? "," : "") + k + ":" + write(obj[key], trail);
    trail.pop();
  }
  return out + "}";
}

function formatStringOrThrow(value: string): string {
  // Hot path (measured ~30% faster per string than JSON.stringify): nothing to escape and no
  // surrogate at all, so the quoted text is the canonical form.
  if (!NEEDS_ESCAPE_OR_CHECK.test(value)) return `"${value}"`;
  if (value.isWellFormed()) return JSON.stringify(value);
  try {
    return formatString(value);
  } catch (err) {
    if (err instanceof JsonCanonError) {
      throw new PathlessError(err.code, err.message.replace("at ''", "at '@PATH@'"));
    }
    throw err;
  }
}
