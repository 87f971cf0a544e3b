/**
 * Pure validation of one config value against its `FieldSpec`, shared by the file, environment
 * and flag layers. Returns the normalised value or a message saying what is expected.
 *
 * @module
 */

import { DECIMAL_NUMBER_FORM, parseDecimalNumber } from "../base/decimal_number.ts";
import { closestMatches } from "../base/suggest.ts";
import type { FieldSpec, FieldType } from "./schema.ts";

/**
 * Outcome of validating one value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Checked, checkText } from "./validate.ts";
 * const spec = { type: { kind: "boolean" }, default: false, description: "x" } as const;
 * const checked: Checked = checkText(spec, "yes");
 * assert.deepEqual(checked, { ok: false, expected: "true or false" });
 * ```
 */
export type Checked = { ok: true; value: unknown } | { ok: false; expected: string };

/**
 * Describes what a field accepts, for error messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeType } from "./validate.ts";
 * assert.equal(describeType({ kind: "integer", min: 1, max: 10 }), "an integer from 1 to 10");
 * ```
 */
export function describeType(type: FieldType): string {
  switch (type.kind) {
    case "string":
      return "a string";
    case "path":
      return "a non-empty path";
    case "enum":
      return `one of ${type.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "integer":
      return `an integer from ${type.min} to ${type.max}`;
    case "number":
      return `a number from ${type.min} to ${type.max}`;
    case "boolean":
      return "true or false";
    case "mode":
      return 'an octal mode string such as "0660" with no permissions for others';
    case "integers":
      return `a list of integers from ${type.min} to ${type.max}`;
    case "strings":
      return "a list of strings";
  }
}

function inRange(n: number, type: { min: number; max: number }): boolean {
  return Number.isFinite(n) && n >= type.min && n <= type.max;
}

/**
 * Validates a JSON-typed value (from the config file or a flag).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkValue } from "./validate.ts";
 * const spec = { type: { kind: "integer", min: 1, max: 10 }, default: 5, description: "x" } as const;
 * assert.deepEqual(checkValue(spec, 3), { ok: true, value: 3 });
 * assert.deepEqual(checkValue(spec, 2.5), { ok: false, expected: "an integer from 1 to 10" });
 * // a mistyped choice names the closest one
 * const when = { type: { kind: "enum", values: ["exit", "wait"] }, default: "exit", description: "x" } as const;
 * assert.deepEqual(checkValue(when, "wiat"), {
 *   ok: false,
 *   expected: 'one of "exit", "wait" (did you mean "wait"?)',
 * });
 * ```
 */
export function checkValue(spec: FieldSpec, value: unknown): Checked {
  const bad: Checked = {
    ok: false,
    expected: describeType(spec.type) + (spec.nullable ? " or null" : ""),
  };
  if (value === null) return spec.nullable ? { ok: true, value: null } : bad;
  const type = spec.type;
  switch (type.kind) {
    case "string":
      return typeof value === "string" ? { ok: true, value } : bad;
    case "path":
      return typeof value === "string" && value.length > 0 && !value.includes("\0")
        ? { ok: true, value }
        : bad;
    case "enum": {
      if (typeof value === "string" && type.values.includes(value)) return { ok: true, value };
      const near = typeof value === "string" ? closestMatches(value, type.values, { max: 1 }) : [];
      return near.length
        ? { ok: false, expected: `${bad.expected} (did you mean "${near[0]}"?)` }
        : bad;
    }
    case "integer":
      return typeof value === "number" && Number.isInteger(value) && inRange(value, type)
        ? { ok: true, value }
        : bad;
    case "number":
      return typeof value === "number" && inRange(value, type) ? { ok: true, value } : bad;
    case "boolean":
      return typeof value === "boolean" ? { ok: true, value } : bad;
    case "mode": {
      if (typeof value !== "string" || !/^0?[0-7]{3}$/.test(value)) return bad;
      const mode = parseInt(value, 8);
      return (mode & 0o007) === 0
        ? { ok: true, value: `0${mode.toString(8).padStart(3, "0")}` }
        : bad;
    }
    case "integers":
      return Array.isArray(value) &&
          value.every((n) => typeof n === "number" && Number.isInteger(n) && inRange(n, type))
        ? { ok: true, value: Object.freeze([...value]) }
        : bad;
    case "strings":
      return Array.isArray(value) && value.every((s) => typeof s === "string" && s.length > 0)
        ? { ok: true, value: Object.freeze([...value]) }
        : bad;
  }
}

/**
 * Validates a value given as text (an environment variable): numbers in plain decimal only
 * (`parseDecimalNumber`: `0x10`, `0b1`, `0o7`, `1e3`, `Infinity` and spaces are refused),
 * booleans (`true`/`false`/`1`/`0`), comma-separated lists. The empty string means null where
 * allowed (`resolveConfig` never passes one: an empty variable is treated as unset).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkText } from "./validate.ts";
 * const spec = {
 *   type: { kind: "integers", min: 0, max: 9 },
 *   default: null,
 *   nullable: true,
 *   description: "x",
 * } as const;
 * assert.deepEqual(checkText(spec, "0,1"), { ok: true, value: [0, 1] });
 * assert.deepEqual(checkText(spec, ""), { ok: true, value: null });
 * const ms = { type: { kind: "integer", min: 10, max: 60000 }, default: 100, description: "x" } as const;
 * assert.equal(checkText(ms, "0x10").ok, false);
 * ```
 */
export function checkText(spec: FieldSpec, text: string): Checked {
  if (text === "" && spec.nullable) return { ok: true, value: null };
  const list = () => text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  switch (spec.type.kind) {
    case "integer":
    case "number": {
      const checked = checkValue(spec, parseDecimalNumber(text) ?? NaN);
      return checked.ok
        ? checked
        : { ok: false, expected: `${checked.expected}, as ${DECIMAL_NUMBER_FORM}` };
    }
    case "boolean": {
      const lower = text.trim().toLowerCase();
      const map: Record<string, boolean> = { true: true, "1": true, false: false, "0": false };
      return checkValue(spec, lower in map ? map[lower] : text);
    }
    case "integers":
      return checkValue(spec, list().map((s) => (/^\d+$/.test(s) ? Number(s) : NaN)));
    case "strings":
      return checkValue(spec, list());
    default:
      return checkValue(spec, text);
  }
}
