/**
 * The fields a trust file may have, at every level, and the check that refuses any other. A
 * trust file is security input: a misspelled `"compromized"` or `"witness_quorom"` that were
 * silently ignored would switch a check off, so an unknown field is an error naming its path and
 * the closest known field. A leaf module (imports only `lib/base/`) so `trust.ts` can use it.
 *
 * @module
 */

import { closestMatches, didYouMean } from "../base/suggest.ts";

/**
 * The known fields of each level of a trust file: `top` (the object itself) and the entries of
 * `keys`, `witnesses` and `compromised`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TRUST_FILE_FIELDS } from "./trust_fields.ts";
 * assert.ok(TRUST_FILE_FIELDS.top.includes("witness_quorum"));
 * assert.deepEqual(TRUST_FILE_FIELDS.compromised, ["kid", "after_seq", "reason"]);
 * ```
 */
export const TRUST_FILE_FIELDS: {
  readonly top: readonly string[];
  readonly keys: readonly string[];
  readonly witnesses: readonly string[];
  readonly compromised: readonly string[];
} = Object.freeze({
  top: Object.freeze(["v", "origin", "keys", "witnesses", "witness_quorum", "compromised"]),
  keys: Object.freeze(["kid", "public_key", "role", "seq_from", "seq_to", "comment"]),
  witnesses: Object.freeze(["vkey", "comment"]),
  compromised: Object.freeze(["kid", "after_seq", "reason"]),
});

/**
 * An unknown field found in a trust file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findUnknownTrustField, type UnknownTrustField } from "./trust_fields.ts";
 * const found: UnknownTrustField | null = findUnknownTrustField({ v: 1, compromized: [] });
 * assert.equal(found?.suggestion, "compromised");
 * ```
 */
export interface UnknownTrustField {
  /** Where it is, e.g. `keys[1].rol` or `compromized`. */
  readonly path: string;
  /** The field name as written. */
  readonly field: string;
  /** The closest known field at that level, or null when none is close. */
  readonly suggestion: string | null;
  /** The known fields at that level. */
  readonly known: readonly string[];
  /** A message saying what is wrong and what to do. */
  readonly message: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function unknownIn(
  object: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
): UnknownTrustField | null {
  for (const field of Object.keys(object)) {
    if (known.includes(field)) continue;
    const path = `${prefix}${field}`;
    const advice = didYouMean(field, known) ?? `known fields there: ${known.join(", ")}`;
    return {
      path,
      field,
      suggestion: closestMatches(field, known, { max: 1 })[0] ?? null,
      known,
      message: `trust file has unknown field '${path}' (${advice}); fix or remove it: unknown ` +
        "fields are refused so that a misspelling cannot switch a check off",
    };
  }
  return null;
}

/**
 * The first unknown field of a parsed trust file, looking at the top level and at every object
 * entry of `keys`, `witnesses` and `compromised` (in that order), or null when all are known.
 * Values of the wrong type are left for the rest of the parser to report.
 *
 * @param raw The parsed JSON.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findUnknownTrustField } from "./trust_fields.ts";
 * const found = findUnknownTrustField({ v: 1, origin: "o", keys: [{ kid: "k" }, { rol: "both" }] });
 * assert.equal(found?.path, "keys[1].rol");
 * assert.equal(found?.suggestion, "role");
 * assert.match(found?.message ?? "", /did you mean role\?/);
 * assert.equal(findUnknownTrustField({ v: 1, origin: "o", keys: [] }), null);
 * ```
 */
export function findUnknownTrustField(raw: unknown): UnknownTrustField | null {
  if (!isObject(raw)) return null;
  const top = unknownIn(raw, TRUST_FILE_FIELDS.top, "");
  if (top) return top;
  for (const list of ["keys", "witnesses", "compromised"] as const) {
    const entries = raw[list];
    if (!Array.isArray(entries)) continue;
    for (const [i, entry] of entries.entries()) {
      if (!isObject(entry)) continue;
      const found = unknownIn(entry, TRUST_FILE_FIELDS[list], `${list}[${i}].`);
      if (found) return found;
    }
  }
  return null;
}
