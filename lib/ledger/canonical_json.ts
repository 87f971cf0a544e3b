/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation and a strict I-JSON (RFC 7493) parser.
 *
 * `canonicalize` refuses what RFC 8785 / I-JSON cannot represent faithfully: non-finite numbers,
 * `-0`, lone surrogates, and values that are not plain JSON. `parseJsonStrict` refuses duplicate
 * keys, lone surrogates, integers beyond 2^53 - 1 and numbers that overflow, instead of silently
 * keeping the last duplicate or rounding as `JSON.parse` does.
 *
 * @module
 */

/** A plain JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

/** Why a value or text was refused. */
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
 * import { canonicalize, JsonCanonError } from "./canonical_json.ts";
 * try { canonicalize({ x: NaN }); } catch (e) { console.log((e as JsonCanonError).code); }
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
// deno-lint-ignore no-control-regex
const NEEDS_WORK = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * Formats a finite number the way ECMAScript `Number::toString` does (RFC 8785 section 3.2.2.3):
 * shortest round-trip digits, plain notation for exponents in [-6, 21), otherwise `d.ddde+N`.
 * Throws on NaN, Infinity and -0.
 *
 * @example
 * ```ts
 * import { formatNumber } from "./canonical_json.ts";
 * console.log(formatNumber(1e21), formatNumber(0.000001), formatNumber(1e-7)); // 1e+21 0.000001 1e-7
 * ```
 */
export function formatNumber(value: number, path = ""): string {
  if (!Number.isFinite(value)) {
    throw new JsonCanonError("NON_FINITE", `${value} at '${path}' is not a JSON number`, { path });
  }
  if (Object.is(value, -0)) {
    throw new JsonCanonError("NEGATIVE_ZERO", `-0 at '${path}' is not allowed (I-JSON)`, { path });
  }
  if (value === 0) return "0";
  const sign = value < 0 ? "-" : "";
  // toExponential() without an argument yields the shortest digits that round-trip (ECMA-262
  // Number.prototype.toExponential step 10.b), i.e. the s and k of Number::toString.
  const [mantissa, expText] = (value < 0 ? -value : value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const k = digits.length;
  const n = Number(expText) + 1; // decimal point position: value = 0.digits x 10^n
  let body: string;
  if (k <= n && n <= 21) body = digits + "0".repeat(n - k);
  else if (0 < n && n <= 21) body = `${digits.slice(0, n)}.${digits.slice(n)}`;
  else if (-6 < n && n <= 0) body = `0.${"0".repeat(-n)}${digits}`;
  else {
    const e = n - 1;
    const exp = e < 0 ? `-${-e}` : `+${e}`;
    body = k === 1 ? `${digits}e${exp}` : `${digits[0]}.${digits.slice(1)}e${exp}`;
  }
  return sign + body;
}

/**
 * Serialises a string per RFC 8785 section 3.2.2.2: escapes `"`, `\` and U+0000..U+001F only
 * (short forms for \b \t \n \f \r, else lowercase \u00xx); rejects lone surrogates.
 *
 * @example
 * ```ts
 * import { formatString } from "./canonical_json.ts";
 * console.log(formatString("a\u000f/\u20ac")); // "a\u000f/€"
 * ```
 */
export function formatString(value: string, path = ""): string {
  if (!NEEDS_WORK.test(value)) return `"${value}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      throw new JsonCanonError(
        "LONE_SURROGATE",
        `lone surrogate U+${c.toString(16).toUpperCase()} at '${path}' (not well-formed UTF-16)`,
        { path },
      );
    }
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += value.slice(start, i) + escapeUnit(c);
    start = i + 1;
  }
  return out + value.slice(start) + '"';
}

function escapeUnit(c: number): string {
  switch (c) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return "\\\\";
    case 0x08:
      return "\\b";
    case 0x09:
      return "\\t";
    case 0x0a:
      return "\\n";
    case 0x0c:
      return "\\f";
    case 0x0d:
      return "\\r";
    default:
      return "\\u" + c.toString(16).padStart(4, "0");
  }
}

/** Compares two strings by UTF-16 code units (RFC 8785 section 3.2.3). */
export function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * RFC 8785 canonical JSON text of `value`. Throws `JsonCanonError` on anything that is not a
 * plain JSON value (undefined, functions, bigint, Dates, Maps, class instances, cycles too deep).
 *
 * @example
 * ```ts
 * import { canonicalize } from "./canonical_json.ts";
 * console.log(canonicalize({ b: [1, 2.5e-7, "x"], a: { "\u20ac": 1, "a": null } }));
 * // {"a":{"a":null,"€":1},"b":[1,2.5e-7,"x"]}
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
      // Safe integers print as plain digits under Number::toString (|n| < 1e21).
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
      if (Number.isFinite(value) && !Object.is(value, -0)) return formatNumber(value);
      throw new PathlessError(
        Number.isFinite(value) ? "NEGATIVE_ZERO" : "NON_FINITE",
        `${Object.is(value, -0) ? "-0" : value} at '@PATH@' is not allowed in I-JSON`,
      );
    case "string":
      if (!NEEDS_WORK.test(value)) return `"${value}"`;
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
    const k = NEEDS_WORK.test(key) ? formatStringOrThrow(key) : `"${key}"`;
    out += (i > 0 ? "," : "") + k + ":" + write(obj[key], trail);
    trail.pop();
  }
  return out + "}";
}

function formatStringOrThrow(value: string): string {
  try {
    return formatString(value);
  } catch (err) {
    if (err instanceof JsonCanonError) {
      throw new PathlessError(err.code, err.message.replace("at ''", "at '@PATH@'"));
    }
    throw err;
  }
}

export { parseJsonStrict } from "./strict_json.ts";
