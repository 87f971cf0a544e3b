/**
 * A small JSON Schema (draft 2020-12) validator for the subset our record schemas use. It refuses
 * schemas with keywords outside that subset, so a schema can never claim a rule that is silently
 * not enforced.
 *
 * @module
 */

import { canonicalize, type JsonValue } from "./canonical_json.ts";

/** Keywords this validator understands; any other keyword in a schema is an error. */
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

/** One validation failure: JSON Pointer of the value and what is wrong. */
export interface SchemaViolation {
  /** JSON Pointer into the instance ("" = root). */
  readonly path: string;
  /** What rule failed. */
  readonly message: string;
}

type Schema = { readonly [k: string]: JsonValue } | boolean;

/**
 * A compiled schema: checked for unsupported keywords and unresolved `$ref`s once.
 *
 * @example
 * ```ts
 * import { CompiledSchema } from "./json_schema.ts";
 * const s = new CompiledSchema({ type: "object", required: ["a"], properties: { a: { type: "integer" } } });
 * console.log(s.validate({ a: 1.5 })); // [ { path: "/a", message: "must be integer" } ]
 * ```
 */
export class CompiledSchema {
  readonly #root: Schema;
  readonly #patterns = new Map<string, RegExp>();

  /** @param schema A JSON Schema using only `SUPPORTED_KEYWORDS`. Throws `TypeError` otherwise. */
  constructor(schema: JsonValue) {
    if (
      typeof schema !== "boolean" &&
      (schema === null || typeof schema !== "object" || Array.isArray(schema))
    ) {
      throw new TypeError("a schema is an object or a boolean");
    }
    this.#root = schema as Schema;
    this.#check(this.#root, "#");
  }

  #check(schema: JsonValue, where: string): void {
    if (typeof schema === "boolean") return;
    if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
      throw new TypeError(`${where}: not a schema`);
    }
    for (const [key, value] of Object.entries(schema)) {
      if (!SUPPORTED_KEYWORDS.includes(key)) {
        throw new TypeError(`${where}: unsupported schema keyword '${key}'`);
      }
      if (key === "$ref") this.#resolve(value as string, where);
      if (key === "pattern") this.#patterns.set(value as string, new RegExp(value as string, "u"));
      if (["items", "additionalProperties", "if", "then", "else", "not"].includes(key)) {
        this.#check(value, `${where}/${key}`);
      }
      if (key === "properties" || key === "$defs") {
        for (const [name, sub] of Object.entries(value as Record<string, JsonValue>)) {
          this.#check(sub, `${where}/${key}/${name}`);
        }
      }
      if (key === "allOf") {
        (value as JsonValue[]).forEach((sub, i) => this.#check(sub, `${where}/allOf/${i}`));
      }
    }
  }

  #resolve(ref: string, where: string): Schema {
    const m = /^#\/\$defs\/([A-Za-z0-9_]+)$/.exec(ref);
    const defs = typeof this.#root === "object"
      ? this.#root.$defs as Record<string, Schema> | undefined
      : undefined;
    if (!m || !defs || !(m[1] in defs)) {
      throw new TypeError(`${where}: cannot resolve $ref '${ref}' (only #/$defs/NAME)`);
    }
    return defs[m[1]];
  }

  /** Validates `value`; returns every violation found (empty when valid). */
  validate(value: JsonValue): SchemaViolation[] {
    const out: SchemaViolation[] = [];
    this.#validate(this.#root, value, "", out);
    return out;
  }

  #validate(schema: Schema, value: JsonValue, path: string, out: SchemaViolation[]): void {
    if (schema === true) return;
    if (schema === false) {
      out.push({ path, message: "is not allowed" });
      return;
    }
    const fail = (message: string): void => {
      out.push({ path, message });
    };
    const s = schema as Record<string, JsonValue>;
    if (typeof s.$ref === "string") this.#validate(this.#resolve(s.$ref, path), value, path, out);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      if (!types.some((t) => typeMatches(t as string, value))) {
        fail(`must be ${types.join(" or ")}`);
        return;
      }
    }
    if ("const" in s && !sameJson(s.const, value)) fail(`must be ${JSON.stringify(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => sameJson(e, value))) {
      fail(`must be one of ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`);
    }
    if (typeof value === "string") {
      const length = [...value].length;
      if (typeof s.minLength === "number" && length < s.minLength) {
        fail(`must have at least ${s.minLength} characters`);
      }
      if (typeof s.maxLength === "number" && length > s.maxLength) {
        fail(`must have at most ${s.maxLength} characters`);
      }
      if (typeof s.pattern === "string" && !this.#patterns.get(s.pattern)!.test(value)) {
        fail(`must match ${s.pattern}`);
      }
    }
    if (typeof value === "number") {
      if (typeof s.minimum === "number" && value < s.minimum) fail(`must be >= ${s.minimum}`);
      if (typeof s.maximum === "number" && value > s.maximum) fail(`must be <= ${s.maximum}`);
    }
    if (Array.isArray(value)) {
      if (typeof s.minItems === "number" && value.length < s.minItems) {
        fail(`must have at least ${s.minItems} items`);
      }
      if (typeof s.maxItems === "number" && value.length > s.maxItems) {
        fail(`must have at most ${s.maxItems} items`);
      }
      if (s.items !== undefined) {
        value.forEach((item, i) => this.#validate(s.items as Schema, item, `${path}/${i}`, out));
      }
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      this.#object(s, value, path, out);
    }
    if (Array.isArray(s.allOf)) {
      for (const sub of s.allOf) this.#validate(sub as Schema, value, path, out);
    }
    if (s.if !== undefined) {
      const probe: SchemaViolation[] = [];
      this.#validate(s.if as Schema, value, path, probe);
      const branch = probe.length === 0 ? s.then : s.else;
      if (branch !== undefined) this.#validate(branch as Schema, value, path, out);
    }
    if (s.not !== undefined) {
      const probe: SchemaViolation[] = [];
      this.#validate(s.not as Schema, value, path, probe);
      if (probe.length === 0) fail(notMessage(s.not));
    }
  }

  #object(
    s: Record<string, JsonValue>,
    value: { [k: string]: JsonValue },
    path: string,
    out: SchemaViolation[],
  ): void {
    const keys = Object.keys(value);
    if (typeof s.minProperties === "number" && keys.length < s.minProperties) {
      out.push({ path, message: `must have at least ${s.minProperties} members` });
    }
    if (typeof s.maxProperties === "number" && keys.length > s.maxProperties) {
      out.push({ path, message: `must have at most ${s.maxProperties} members` });
    }
    if (Array.isArray(s.required)) {
      for (const name of s.required as string[]) {
        if (!Object.hasOwn(value, name)) {
          out.push({ path: `${path}/${name}`, message: "is required" });
        }
      }
    }
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const key of keys) {
      const child = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (Object.hasOwn(props, key)) this.#validate(props[key], value[key], child, out);
      else if (s.additionalProperties === false) {
        out.push({ path: child, message: "is not a known field" });
      } else if (s.additionalProperties !== undefined) {
        this.#validate(s.additionalProperties as Schema, value[key], child, out);
      }
    }
  }
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
