/**
 * Python `json` module compatibility for legacy (carbon-ops 0.1) ledgers: a parser that keeps
 * key order and every number's exact lexeme (and accepts `NaN`, `Infinity`, `-Infinity`), and
 * a serialiser that reproduces `json.dumps` byte for byte for the options 0.1 used
 * (`sort_keys`, `separators`, `ensure_ascii`). Parse errors come back as values, not throws.
 *
 * @module
 */

import { JSON_SIMPLE_ESCAPES } from "../strict_json.ts";

/**
 * A JSON value as Python wrote it, with number lexemes and key order preserved.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type PyJson, pyDumps } from "./legacy_json.ts";
 * const value: PyJson = { kind: "object", entries: [["co2", { kind: "number", lexeme: "420.0" }]] };
 * assert.equal(pyDumps(value), '{"co2": 420.0}');
 * ```
 */
export type PyJson =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly lexeme: string }
  | { readonly kind: "literal"; readonly value: "true" | "false" | "null" }
  | { readonly kind: "array"; readonly items: readonly PyJson[] }
  | { readonly kind: "object"; readonly entries: readonly (readonly [string, PyJson])[] };

/**
 * Result of `parsePyJson`: a value or the offset and reason of the first problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePyJson, type PyParseResult } from "./legacy_json.ts";
 * const r: PyParseResult = parsePyJson('{"a": 1,}');
 * assert.equal(r.ok, false);
 * assert.equal(r.ok ? -1 : r.offset, 8);
 * ```
 */
export type PyParseResult =
  | { readonly ok: true; readonly value: PyJson }
  | { readonly ok: false; readonly offset: number; readonly reason: string };

/**
 * `json.dumps` options that 0.1 used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePyJson, pyDumps, type PyDumpsOptions } from "./legacy_json.ts";
 * const options: PyDumpsOptions = { compact: true };
 * const r = parsePyJson('{"b": [1, 2]}');
 * assert.equal(r.ok && pyDumps(r.value, options), '{"b":[1,2]}');
 * ```
 */
export interface PyDumpsOptions {
  /** `sort_keys` (default false): sort object keys by code point. */
  readonly sortKeys?: boolean;
  /** `separators=(",", ":")` when true; Python's default `(", ", ": ")` when false (default). */
  readonly compact?: boolean;
  /** `ensure_ascii` (default true): escape everything outside U+0020..U+007E as `\uXXXX`. */
  readonly ensureAscii?: boolean;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const MAX_DEPTH = 200;

class ParseFail {
  constructor(readonly offset: number, readonly reason: string) {}
}

/**
 * Parses one JSON text the way Python's `json.loads` accepts it (RFC 8259 plus `NaN`,
 * `Infinity`, `-Infinity`), keeping number lexemes and key order. Duplicate keys are reported
 * as errors (Python would silently keep the last one, so the line could not be verified).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePyJson } from "./legacy_json.ts";
 * const r = parsePyJson('{"co2": 420.0, "x": NaN}');
 * assert.equal(r.ok && r.value.kind, "object");
 * assert.deepEqual(r.ok && r.value.kind === "object" && r.value.entries[0], ["co2", { kind: "number", lexeme: "420.0" }]);
 * assert.equal(parsePyJson('{"a": 1, "a": 2}').ok, false);
 * ```
 */
export function parsePyJson(text: string): PyParseResult {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (reason: string): never => {
    throw new ParseFail(i, reason);
  };
  const str = (): string => {
    i++; // opening quote
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return out;
      }
      if (c < 0x20) fail("control character in string");
      if (c !== 0x5c) {
        out += text[i++];
        continue;
      }
      const e = text[i + 1];
      const simple = JSON_SIMPLE_ESCAPES;
      if (e in simple) {
        out += simple[e];
        i += 2;
      } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        fail("invalid escape in string");
      }
    }
  };
  const value = (depth: number): PyJson => {
    if (depth > MAX_DEPTH) fail("nesting too deep");
    ws();
    const c = text[i];
    if (c === '"') return { kind: "string", value: str() };
    if (c === "{") {
      i++;
      const entries: [string, PyJson][] = [];
      const seen = new Set<string>();
      ws();
      if (text[i] === "}") {
        i++;
        return { kind: "object", entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a string key");
        const keyAt = i;
        const key = str();
        if (seen.has(key)) throw new ParseFail(keyAt, `duplicate key '${key}'`);
        seen.add(key);
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        entries.push([key, value(depth + 1)]);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return { kind: "object", entries };
        } else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const items: PyJson[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return { kind: "array", items };
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return { kind: "array", items };
        } else fail("expected ',' or ']'");
      }
    }
    for (const word of ["true", "false", "null"] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { kind: "literal", value: word };
      }
    }
    for (const word of ["NaN", "Infinity", "-Infinity"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { kind: "number", lexeme: word };
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) fail("expected a JSON value");
    i += m![0].length;
    return { kind: "number", lexeme: m![0] };
  };
  try {
    const v = value(0);
    ws();
    if (i < text.length) fail("unexpected text after the value");
    return { ok: true, value: v };
  } catch (err) {
    if (err instanceof ParseFail) return { ok: false, offset: err.offset, reason: err.reason };
    throw err;
  }
}

function hex4(code: number): string {
  return "\\u" + code.toString(16).padStart(4, "0");
}

const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: "\\\\",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x08: "\\b",
  0x0c: "\\f",
};

/**
 * Python's `json` string encoder (`encode_basestring_ascii` when `ensureAscii`, else
 * `encode_basestring`), quotes included. Astral characters become lowercase surrogate pairs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pyString } from "./legacy_json.ts";
 * assert.equal(pyString("é😀/\u0001", true), '"\\u00e9\\ud83d\\ude00/\\u0001"');
 * assert.equal(pyString("é", false), '"é"');
 * ```
 */
export function pyString(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) out += short;
    else if (c < 0x20) out += hex4(c);
    else if (ensureAscii && (c > 0x7e)) out += hex4(c);
    else out += s[k];
  }
  return out + '"';
}

/** Compares strings by Unicode code point, as Python's `sorted` does for `str`. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let k = 0; k < n; k++) {
    const d = x[k].codePointAt(0)! - y[k].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Reproduces `json.dumps(value, sort_keys=..., separators=..., ensure_ascii=...)` for a value
 * parsed by `parsePyJson` (numbers are written as their original lexemes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePyJson, pyDumps } from "./legacy_json.ts";
 * const r = parsePyJson('{"b": 420.0, "a": "é"}');
 * assert.ok(r.ok);
 * assert.equal(pyDumps(r.value, { sortKeys: true, compact: true, ensureAscii: false }), '{"a":"é","b":420.0}');
 * assert.equal(pyDumps(r.value), '{"b": 420.0, "a": "\\u00e9"}');
 * ```
 */
export function pyDumps(value: PyJson, options: PyDumpsOptions = {}): string {
  const ascii = options.ensureAscii ?? true;
  const item = options.compact ? "," : ", ";
  const kv = options.compact ? ":" : ": ";
  const go = (v: PyJson): string => {
    switch (v.kind) {
      case "string":
        return pyString(v.value, ascii);
      case "number":
        return v.lexeme;
      case "literal":
        return v.value;
      case "array":
        return "[" + v.items.map(go).join(item) + "]";
      case "object": {
        const entries = options.sortKeys
          ? [...v.entries].sort((a, b) => compareCodePoints(a[0], b[0]))
          : v.entries;
        return "{" + entries.map(([k, x]) => pyString(k, ascii) + kv + go(x)).join(item) + "}";
      }
    }
  };
  return go(value);
}

/**
 * Is `lexeme` exactly what Python's `json.dumps` writes for some int or float? Ints are
 * `-?(0|[1-9][0-9]*)` (no `-0`); floats are `float.__repr__` (`420.0`, `1e-05`, `-0.0`,
 * `1.2345678901234568e+20`); `NaN`, `Infinity`, `-Infinity` as bare words.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPythonNumberLexeme } from "./legacy_json.ts";
 * assert.equal(isPythonNumberLexeme("1e-05"), true);
 * assert.equal(isPythonNumberLexeme("1E-5"), false);
 * ```
 */
export function isPythonNumberLexeme(lexeme: string): boolean {
  if (lexeme === "NaN" || lexeme === "Infinity" || lexeme === "-Infinity") return true;
  if (/^-?(0|[1-9][0-9]*)$/.test(lexeme)) return lexeme !== "-0";
  const x = Number(lexeme);
  if (!Number.isFinite(x)) return false;
  return pythonFloatRepr(x) === lexeme;
}

/**
 * Python's `repr(float)` for a finite number: shortest round-trip digits, fixed notation for
 * decimal exponents -4..15 (always with a fraction, e.g. `420.0`), otherwise `d.ddde±XX`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonFloatRepr } from "./legacy_json.ts";
 * assert.deepEqual([pythonFloatRepr(420), pythonFloatRepr(0.00001), pythonFloatRepr(-0)], ["420.0", "1e-05", "-0.0"]);
 * ```
 */
export function pythonFloatRepr(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError("pythonFloatRepr needs a finite number");
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const [mant, expText] = Math.abs(x).toExponential().split("e");
  const digits = mant.replace(".", "");
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac === "" ? "0" : frac}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp).toString().padStart(2, "0");
  return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
}
