/**
 * The trust file's optional `compromised` list: keys the auditor declares compromised after a
 * sequence number, `[{"kid": "<64 hex>", "after_seq": 41, "reason": "laptop stolen"}]`. A key
 * listed here may sign records up to and including `after_seq` (-1: none); its later records
 * are rejected. A leaf module (no imports) so `trust.ts` can use it.
 *
 * @module
 */

/**
 * A key the auditor declares compromised after a sequence number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CompromisedKey } from "./compromised_keys.ts";
 * const key: CompromisedKey = { kid: "a".repeat(64), afterSeq: 9, reason: "laptop stolen" };
 * assert.equal(key.afterSeq, 9);
 * ```
 */
export interface CompromisedKey {
  /** Lowercase hex kid (SHA-256 of the SPKI DER). */
  readonly kid: string;
  /** Last seq the key is still trusted for (records after it are rejected). */
  readonly afterSeq: number;
  /** Why, for the report. */
  readonly reason: string;
}

/**
 * Parses the raw `compromised` value of a trust file (undefined = none).
 *
 * @returns The keys, or the first problem as a message.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCompromisedKeys } from "./compromised_keys.ts";
 * assert.deepEqual(parseCompromisedKeys([{ kid: "a".repeat(64), after_seq: 3 }]), {
 *   keys: [{ kid: "a".repeat(64), afterSeq: 3, reason: "" }],
 * });
 * assert.deepEqual(parseCompromisedKeys({}), { problem: "compromised must be an array" });
 * ```
 */
export function parseCompromisedKeys(
  value: unknown,
): { keys: CompromisedKey[] } | { problem: string } {
  if (value === undefined) return { keys: [] };
  if (!Array.isArray(value)) return { problem: "compromised must be an array" };
  const keys: CompromisedKey[] = [];
  for (const [i, entry] of value.entries()) {
    const e = entry as Record<string, unknown>;
    const where = `compromised[${i}]`;
    if (e === null || typeof e !== "object" || Array.isArray(e)) {
      return { problem: `${where} must be an object` };
    }
    const extra = Object.keys(e).filter((k) => !["kid", "after_seq", "reason"].includes(k));
    if (extra.length) return { problem: `${where} has unknown field(s) ${extra.join(", ")}` };
    if (typeof e.kid !== "string" || !/^[0-9a-f]{64}$/.test(e.kid)) {
      return { problem: `${where}.kid must be 64 lowercase hex digits` };
    }
    if (!Number.isSafeInteger(e.after_seq) || (e.after_seq as number) < -1) {
      return { problem: `${where}.after_seq must be an integer >= -1 (-1: no record is trusted)` };
    }
    if (e.reason !== undefined && typeof e.reason !== "string") {
      return { problem: `${where}.reason must be a string` };
    }
    keys.push({
      kid: e.kid,
      afterSeq: e.after_seq as number,
      reason: (e.reason as string | undefined) ?? "",
    });
  }
  return { keys };
}
