/**
 * Small parsing helpers shared by the provider clients: strict ISO 8601 times, JSON bodies that
 * fail as `malformed`, and a plain-object check.
 *
 * @module
 */

import { tryParseRfc3339 } from "../../base/rfc3339.ts";
import { fail, type Outcome, succeed } from "./failure.ts";

/**
 * Parses an ISO 8601 timestamp with an explicit zone (`Z` or an offset) to epoch ms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIsoMs } from "./parse_helpers.ts";
 * assert.equal(parseIsoMs("2025-01-01T00:30Z"), 1735691400000);
 * assert.equal(parseIsoMs("2025-01-01T01:30+01:00"), 1735691400000);
 * assert.equal(parseIsoMs("2025-01-01 00:30"), undefined); // no zone
 * assert.equal(parseIsoMs("2025-02-30T00:00:00Z"), undefined); // no such day
 * ```
 */
export function parseIsoMs(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  // The UK Carbon Intensity API writes minutes only ("2025-01-01T00:30Z"): the one profile
  // difference we accept, by adding ":00" before the strict RFC 3339 parser checks the calendar
  // (a provider's 2025-02-30 is malformed data, not March 2).
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(Z|[+-]\d{2}:\d{2})$/.exec(value);
  return tryParseRfc3339(m ? `${m[1]}:00${m[2]}` : value)?.epochMs;
}

/**
 * Parses a JSON body, or fails as `malformed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJsonBody } from "./parse_helpers.ts";
 * assert.deepEqual(parseJsonBody('{"a":1}'), { ok: true, value: { a: 1 } });
 * const bad = parseJsonBody("{");
 * assert.ok(!bad.ok && bad.failure.kind === "malformed");
 * ```
 */
export function parseJsonBody(body: string): Outcome<unknown> {
  try {
    return succeed(JSON.parse(body) as unknown);
  } catch {
    return fail("malformed", "response body is not valid JSON");
  }
}

/**
 * Checks that `value` is a plain JSON object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRecord } from "./parse_helpers.ts";
 * assert.equal(isRecord({}), true);
 * assert.equal(isRecord([]), false);
 * assert.equal(isRecord(null), false);
 * ```
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
