/**
 * A strict JSON parser for input that will be canonicalised and signed: RFC 8259 grammar plus
 * the I-JSON (RFC 7493) rules that `JSON.parse` ignores.
 *
 * @module
 */

import { textPosition } from "../base/text_position.ts";
import { JsonCanonError, type JsonValue, loneSurrogateIndex } from "./canonical_json.ts";

const MAX_DEPTH = 64;
const MAX_SAFE = 2 ** 53 - 1;

/**
 * The single-character JSON string escapes (RFC 8259 section 7) and what they stand for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JSON_SIMPLE_ESCAPES } from "./strict_json.ts";
 * assert.equal(JSON_SIMPLE_ESCAPES["n"], "\n");
 * assert.equal(JSON_SIMPLE_ESCAPES["/"], "/");
 * ```
 */
export const JSON_SIMPLE_ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
});

/**
 * Parses `text` as strict I-JSON. Unlike `JSON.parse` it rejects duplicate object keys, lone
 * surrogates (escaped or raw), integers beyond 2^53 - 1 that a double cannot hold exactly (they
 * would be silently rounded), numbers that
 * overflow to Infinity, `-0`, and nesting deeper than 64. Errors are `JsonCanonError` with the
 * JSON Pointer of the value and the offset in `text`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJsonStrict } from "./strict_json.ts";
 * assert.deepEqual(parseJsonStrict('{"a": [1, 2.50, "\\u20ac"]}'), { a: [1, 2.5, "€"] });
 * assert.throws(() => parseJsonStrict('{"a":1,"a":2}'));
 * ```
 */
export function parseJsonStrict(text: string): JsonValue {
  const p = new Parser(text);
  p.ws();
  const value = p.value("", 0);
  p.ws();
  if (p.i < text.length) p.fail("SYNTAX", "unexpected text after the JSON value", "");
  return value;
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  fail(code: JsonCanonError["code"], what: string, path: string): never {
    const { line } = textPosition(this.s, this.i);
    throw new JsonCanonError(
      code,
      `${what} at line ${line}, offset ${this.i}${path ? ` ('${path}')` : ""}`,
      {
        path,
        offset: this.i,
      },
    );
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  value(path: string, depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail("TOO_DEEP", `nesting deeper than ${MAX_DEPTH}`, path);
    const c = this.s[this.i];
    if (c === "{") return this.object(path, depth);
    if (c === "[") return this.array(path, depth);
    if (c === '"') return this.string(path);
    if (c === "-" || (c >= "0" && c <= "9")) return this.number(path);
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    if (/^(NaN|-?Infinity)/.test(this.s.slice(this.i, this.i + 9))) {
      this.fail("NON_FINITE", "NaN/Infinity are not JSON numbers", path);
    }
    return this.fail(
      "SYNTAX",
      c === undefined ? "unexpected end of input" : `unexpected '${c}'`,
      path,
    );
  }

  object(path: string, depth: number): JsonValue {
    this.i++;
    const out: Record<string, JsonValue> = {};
    const seen = new Set<string>();
    this.ws();
    if (this.s[this.i] === "}") {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail("SYNTAX", "expected a string key", path);
      const keyAt = this.i;
      const key = this.string(path);
      const child = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (seen.has(key)) {
        this.i = keyAt;
        this.fail("DUPLICATE_KEY", `duplicate key ${JSON.stringify(key)}`, child);
      }
      seen.add(key);
      this.ws();
      if (this.s[this.i] !== ":") this.fail("SYNTAX", "expected ':'", child);
      this.i++;
      this.ws();
      // defineProperty: a key named "__proto__" must become an own data property.
      Object.defineProperty(out, key, {
        value: this.value(child, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.ws();
      const c = this.s[this.i++];
      if (c === "}") return out;
      if (c !== ",") {
        this.i--;
        this.fail("SYNTAX", "expected ',' or '}'", path);
      }
    }
  }

  array(path: string, depth: number): JsonValue {
    this.i++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(`${path}/${out.length}`, depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === "]") return out;
      if (c !== ",") {
        this.i--;
        this.fail("SYNTAX", "expected ',' or ']'", path);
      }
    }
  }

  string(path: string): string {
    const s = this.s;
    this.i++;
    let out = "";
    let start = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail("SYNTAX", "unterminated string", path);
      const c = s.charCodeAt(this.i);
      if (c === 0x22) break;
      if (c < 0x20) this.fail("SYNTAX", "unescaped control character in string", path);
      if (c === 0x5c) {
        out += s.slice(start, this.i);
        out += this.escape(path);
        start = this.i;
        continue;
      }
      this.i++;
    }
    out += s.slice(start, this.i);
    this.i++;
    const lone = loneSurrogateIndex(out);
    if (lone >= 0) {
      const unit = out.charCodeAt(lone).toString(16);
      this.fail("LONE_SURROGATE", `lone surrogate \\u${unit} in string`, path);
    }
    return out;
  }

  escape(path: string): string {
    const c = this.s[this.i + 1];
    const simple = JSON_SIMPLE_ESCAPES;
    if (c !== undefined && c in simple) {
      this.i += 2;
      return simple[c];
    }
    if (c === "u") {
      const hex = this.s.slice(this.i + 2, this.i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("SYNTAX", "bad \\u escape", path);
      this.i += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    return this.fail("SYNTAX", `bad escape '\\${c ?? ""}'`, path);
  }

  number(path: string): number {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(
      this.s.slice(this.i, this.i + 400),
    );
    if (!m) return this.fail("SYNTAX", "malformed number", path);
    const lexeme = m[0];
    const value = Number(lexeme);
    if (!Number.isFinite(value)) this.fail("NON_FINITE", `${lexeme} overflows a double`, path);
    if (Object.is(value, -0)) this.fail("NEGATIVE_ZERO", "-0 is not allowed (I-JSON)", path);
    if (
      m[2] === undefined && m[3] === undefined && Math.abs(value) > MAX_SAFE &&
      String(value) !== lexeme
    ) {
      this.fail(
        "BIG_INTEGER",
        `integer ${lexeme} is beyond 2^53-1 and would be rounded to ${
          String(value)
        }; use a decimal string`,
        path,
      );
    }
    this.i += lexeme.length;
    return value;
  }
}
