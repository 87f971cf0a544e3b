/**
 * A small JSON Schema (draft 2020-12) validator for the subset our record schemas use. It refuses
 * schemas with keywords outside that subset, so a schema can never claim a rule that is silently
 * not enforced.
 *
 * @module
 */

import { canonicalize, type JsonValue } from "./canonical_json.ts";
import { parseRfc3339 } from "../base/rfc3339.ts";

/**
 * Keywords this validator understands; any other keyword in a schema is an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CompiledSchema, SUPPORTED_KEYWORDS } from "./json_schema.ts";
 * assert.ok(SUPPORTED_KEYWORDS.includes("pattern"));
 * assert.throws(() => new CompiledSchema({ type: "string", format: "email" }));
 * const ts = new CompiledSchema({ type: "string", format: "date-time" });
 * assert.deepEqual(ts.validate("2026-02-28T00:00:00Z"), []);
 * assert.equal(ts.validate("2026-02-31T00:00:00Z").length, 1);
 * ```
 */
export const SUPPORTED_KEYWORDS: readonly string[] = [
  "$schema",
  "$id",
  "$defs",
  "$comment",
  "title",
  "description", // annotations
  "$ref",
  "type",
  "const",
  "enum",
  "pattern",
  "format", // only "date-time", asserted (strict RFC 3339, lib/base/rfc3339.ts)
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "properties",
  "required",
  "additionalProperties",
  "minProperties",
  "maxProperties",
  "items",
  "minItems",
  "maxItems",
  "allOf",
  "if",
  "then",
  "else",
  "not",
];

/**
 * One validation failure: JSON Pointer of the value and what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CompiledSchema, type SchemaViolation } from "./json_schema.ts";
 * const violations: SchemaViolation[] = new CompiledSchema({ type: "string" }).validate(1);
 * assert.equal(violations[0].path, "");
 * ```
 */
export interface SchemaViolation {
  /** JSON Pointer into the instance ("" = root). */
  readonly path: string;
  /** What rule failed. */
  readonly message: string;
}

type Schema = { readonly [k: string]: JsonValue } | boolean;
type Check = (value: JsonValue, trail: string[], out: SchemaViolation[]) => void;

function pointer(trail: readonly string[]): string {
  let p = "";
  for (const k of trail) {
    p += "/" + (/[~/]/.test(k) ? k.replaceAll("~", "~0").replaceAll("/", "~1") : k);
  }
  return p;
}

/**
 * A compiled schema: checked for unsupported keywords and unresolved `$ref`s once, then turned
 * into closures so validation does no schema lookups.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CompiledSchema } from "./json_schema.ts";
 * const s = new CompiledSchema({ type: "object", required: ["a"], properties: { a: { type: "integer" } } });
 * assert.deepEqual(s.validate({ a: 1.5 }), [{ path: "/a", message: "must be integer" }]);
 * assert.deepEqual(s.validate({ a: 2 }), []);
 * ```
 */
export class CompiledSchema {
  readonly #root: Schema;
  readonly #refs = new Map<string, Check>();
  readonly #check: Check;

  /**
   * Compiles `schema`.
   *
   * @param schema A JSON Schema using only `SUPPORTED_KEYWORDS`. Throws `TypeError` otherwise.
   */
  constructor(schema: JsonValue) {
    if (
      typeof schema !== "boolean" &&
      (schema === null || typeof schema !== "object" || Array.isArray(schema))
    ) {
      throw new TypeError("a schema is an object or a boolean");
    }
    this.#root = schema as Schema;
    this.#check = this.#compile(this.#root, "#");
  }

  /** Validates `value`; returns every violation found (empty when valid). */
  validate(value: JsonValue): SchemaViolation[] {
    const out: SchemaViolation[] = [];
    this.#check(value, [], out);
    return out;
  }

  #ref(ref: string, where: string): Check {
    const cached = this.#refs.get(ref);
    if (cached) return cached;
    const m = /^#\/\$defs\/([A-Za-z0-9_]+)$/.exec(ref);
    const defs = typeof this.#root === "object"
      ? this.#root.$defs as Record<string, Schema> | undefined
      : undefined;
    if (!m || !defs || !Object.hasOwn(defs, m[1])) {
      throw new TypeError(`${where}: cannot resolve $ref '${ref}' (only #/$defs/NAME)`);
    }
    let compiled: Check | undefined;
    const lazy: Check = (v, t, o) => (compiled ??= this.#compile(defs[m[1]], ref))(v, t, o);
    this.#refs.set(ref, lazy);
    return lazy;
  }

  #compile(schema: JsonValue, where: string): Check {
    if (schema === true) return () => {};
    if (schema === false) {
      return (_v, t, o) => void o.push({ path: pointer(t), message: "is not allowed" });
    }
    if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
      throw new TypeError(`${where}: not a schema`);
    }
    for (const key of Object.keys(schema)) {
      if (!SUPPORTED_KEYWORDS.includes(key)) {
        throw new TypeError(`${where}: unsupported schema keyword '${key}'`);
      }
    }
    if (schema.$defs !== undefined) {
      for (const name of Object.keys(schema.$defs as object)) this.#ref(`#/$defs/${name}`, where);
    }
    const s = schema as Record<string, JsonValue>;
    const checks: Check[] = [];
    const fail = (t: string[], o: SchemaViolation[], message: string) =>
      o.push({ path: pointer(t), message });
    if (typeof s.$ref === "string") checks.push(this.#ref(s.$ref, where));
    let typeCheck: ((v: JsonValue) => boolean) | null = null;
    if (s.type !== undefined) {
      const types = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
      for (const t of types) typeMatches(t, null);
      const message = `must be ${types.join(" or ")}`;
      typeCheck = (v) => types.some((t) => typeMatches(t, v));
      checks.push((v, t, o) => {
        if (!typeCheck!(v)) fail(t, o, message);
      });
    }
    if ("const" in s) {
      const expected = s.const;
      checks.push((v, t, o) => {
        if (!sameJson(expected, v)) fail(t, o, `must be ${JSON.stringify(expected)}`);
      });
    }
    if (Array.isArray(s.enum)) {
      const options = s.enum;
      const message = `must be one of ${options.map((e) => JSON.stringify(e)).join(", ")}`;
      checks.push((v, t, o) => {
        if (!options.some((e) => sameJson(e, v))) fail(t, o, message);
      });
    }
    this.#scalarChecks(s, checks, fail);
    if (s.items !== undefined || s.minItems !== undefined || s.maxItems !== undefined) {
      const items = s.items === undefined ? null : this.#compile(s.items, `${where}/items`);
      const min = s.minItems as number | undefined;
      const max = s.maxItems as number | undefined;
      checks.push((v, t, o) => {
        if (!Array.isArray(v)) return;
        if (min !== undefined && v.length < min) fail(t, o, `must have at least ${min} items`);
        if (max !== undefined && v.length > max) fail(t, o, `must have at most ${max} items`);
        if (items) {
          for (let i = 0; i < v.length; i++) {
            t.push(String(i));
            items(v[i], t, o);
            t.pop();
          }
        }
      });
    }
    const objectCheck = this.#objectCheck(s, where, fail);
    if (objectCheck) checks.push(objectCheck);
    if (Array.isArray(s.allOf)) {
      checks.push(...s.allOf.map((sub, i) => this.#compile(sub, `${where}/allOf/${i}`)));
    }
    if (s.if !== undefined) {
      const cond = this.#compile(s.if, `${where}/if`);
      const then = s.then === undefined ? null : this.#compile(s.then, `${where}/then`);
      const otherwise = s.else === undefined ? null : this.#compile(s.else, `${where}/else`);
      checks.push((v, t, o) => {
        const probe: SchemaViolation[] = [];
        cond(v, t, probe);
        const branch = probe.length === 0 ? then : otherwise;
        if (branch) branch(v, t, o);
      });
    }
    if (s.not !== undefined) {
      const not = this.#compile(s.not, `${where}/not`);
      const message = notMessage(s.not);
      checks.push((v, t, o) => {
        const probe: SchemaViolation[] = [];
        not(v, t, probe);
        if (probe.length === 0) fail(t, o, message);
      });
    }
    return (v, t, o) => {
      for (const c of checks) c(v, t, o);
    };
  }

  #scalarChecks(
    s: Record<string, JsonValue>,
    checks: Check[],
    fail: (t: string[], o: SchemaViolation[], m: string) => void,
  ): void {
    const minL = s.minLength as number | undefined;
    const maxL = s.maxLength as number | undefined;
    const pattern = typeof s.pattern === "string" ? new RegExp(s.pattern, "u") : null;
    if (minL !== undefined || maxL !== undefined || pattern) {
      checks.push((v, t, o) => {
        if (typeof v !== "string") return;
        // UTF-16 length bounds the code point count: count only when it matters.
        if (minL !== undefined && v.length < 2 * minL && codePoints(v) < minL) {
          fail(t, o, `must have at least ${minL} characters`);
        }
        if (maxL !== undefined && v.length > maxL && codePoints(v) > maxL) {
          fail(t, o, `must have at most ${maxL} characters`);
        }
        if (pattern && !pattern.test(v)) fail(t, o, `must match ${s.pattern}`);
      });
    }
    if (s.format !== undefined) {
      // Formats are asserted, never mere annotations: a schema cannot claim a rule we skip.
      if (s.format !== "date-time") {
        throw new TypeError(
          `unsupported format ${JSON.stringify(s.format)} (only "date-time" is checked)`,
        );
      }
      checks.push((v, t, o) => {
        if (typeof v !== "string") return;
        try {
          parseRfc3339(v);
        } catch (err) {
          fail(t, o, `must be a real RFC 3339 date-time (${(err as Error).message})`);
        }
      });
    }
    const min = s.minimum as number | undefined;
    const max = s.maximum as number | undefined;
    if (min !== undefined || max !== undefined) {
      checks.push((v, t, o) => {
        if (typeof v !== "number") return;
        if (min !== undefined && v < min) fail(t, o, `must be >= ${min}`);
        if (max !== undefined && v > max) fail(t, o, `must be <= ${max}`);
      });
    }
  }

  #objectCheck(
    s: Record<string, JsonValue>,
    where: string,
    fail: (t: string[], o: SchemaViolation[], m: string) => void,
  ): Check | null {
    const keys = [
      "properties",
      "required",
      "additionalProperties",
      "minProperties",
      "maxProperties",
    ];
    if (!keys.some((k) => k in s)) return null;
    const props = new Map<string, Check>();
    for (const [name, sub] of Object.entries((s.properties ?? {}) as Record<string, JsonValue>)) {
      props.set(name, this.#compile(sub, `${where}/properties/${name}`));
    }
    const required = (s.required ?? []) as string[];
    const extra = s.additionalProperties === undefined || s.additionalProperties === false
      ? null
      : this.#compile(s.additionalProperties, `${where}/additionalProperties`);
    const closed = s.additionalProperties === false;
    const minP = s.minProperties as number | undefined;
    const maxP = s.maxProperties as number | undefined;
    return (v, t, o) => {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return;
      const names = Object.keys(v);
      if (minP !== undefined && names.length < minP) {
        fail(t, o, `must have at least ${minP} members`);
      }
      if (maxP !== undefined && names.length > maxP) {
        fail(t, o, `must have at most ${maxP} members`);
      }
      for (const name of required) {
        if (!Object.hasOwn(v, name)) {
          t.push(name);
          fail(t, o, "is required");
          t.pop();
        }
      }
      for (const name of names) {
        t.push(name);
        const check = props.get(name);
        if (check) check(v[name], t, o);
        else if (closed) fail(t, o, "is not a known field");
        else if (extra) extra(v[name], t, o);
        t.pop();
      }
    };
  }
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function notMessage(not: JsonValue): string {
  const req = (not as Record<string, JsonValue>)?.required;
  return Array.isArray(req)
    ? `must not have ${req.join(", ")} here`
    : "must not match the excluded form";
}

function typeMatches(type: string, value: JsonValue): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      throw new TypeError(`unsupported schema type '${type}'`);
  }
}

function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  try {
    return canonicalize(a) === canonicalize(b);
  } catch {
    return false;
  }
}
