/**
 * Key rotation and compromise. A `key_rotation` record is signed by the current (old) key and
 * names the next key, with a proof-of-possession (PoP) signature by the next key; from the
 * record after it, only the next key may sign (the old one is retired). A trust file can mark a
 * key compromised after a seq: its later records are rejected, and the report says which
 * checkpoints still anchor the earlier ones (`rotation_trust.ts`).
 *
 * The body of a `key_rotation` record (its fields and the proof of possession) is built and
 * checked in `rotation_body.ts`; here the verifier also requires `old_kid` to be the record's
 * signer and `origin` the ledger's, and applies the rotation to later records.
 *
 * @module
 */

import { fromBase64 } from "./encoding.ts";
import { type VerifyingKey, verifyingKeyFromRaw } from "./keys.ts";
import type { LedgerRecord } from "./record.ts";
import { checkKeyRotationBody } from "./rotation_body.ts";
import { recordKeyFor, type RecordKeyLookup, type TrustFile } from "./trust.ts";
import type { CompromisedKey } from "./compromised_keys.ts";

/**
 * Why a rotation record is not acceptable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type RotationProblem, verifyRotation } from "./rotation.ts";
 * const r = verifyRotation({ kid: "a".repeat(64), body: {} }, "o");
 * const expected: RotationProblem = "ROTATION_POP_INVALID"; // an empty body has no valid pop either
 * assert.equal("problem" in r ? r.problem : "ok", expected);
 * ```
 */
export type RotationProblem = "ROTATION_INVALID" | "ROTATION_POP_INVALID";

/**
 * Checks a `key_rotation` record in its ledger: a valid body (see `checkKeyRotationBody`),
 * signed by `old_kid`, for this `origin`.
 *
 * @returns The new key, or the problem.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyRotationBody } from "./rotation_body.ts";
 * import { verifyRotation } from "./rotation.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const oldKey = generateSigningKey();
 * const newKey = generateSigningKey();
 * const body = keyRotationBody("o", { oldKid: oldKey.kid, newKey });
 * const ok = verifyRotation({ kid: oldKey.kid, body }, "o");
 * assert.equal("key" in ok ? ok.key.kid : ok.message, newKey.kid);
 * assert.ok("problem" in verifyRotation({ kid: oldKey.kid, body }, "other"));
 * ```
 */
export function verifyRotation(
  record: Pick<LedgerRecord, "kid" | "body">,
  origin: string,
): { key: VerifyingKey } | { problem: RotationProblem; message: string } {
  const problems = checkKeyRotationBody(record.body);
  if (problems.length) {
    const pop = problems.some((p) => p.startsWith("/pop"));
    return {
      problem: pop ? "ROTATION_POP_INVALID" : "ROTATION_INVALID",
      message: problems.join("; "),
    };
  }
  if (record.body.old_kid !== record.kid) {
    return {
      problem: "ROTATION_INVALID",
      message: "the rotation is not signed by the key it retires (old_kid)",
    };
  }
  if (record.body.origin !== origin) {
    return {
      problem: "ROTATION_INVALID",
      message: `the rotation names origin '${record.body.origin}', not '${origin}'`,
    };
  }
  const spki = fromBase64((record.body.new_key as { spki: string }).spki);
  return { key: verifyingKeyFromRaw(spki.subarray(12)) };
}

/**
 * Extra lookup failures beyond the trust file's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyTimeline, type TimelineLookup } from "./rotation.ts";
 * const t = new KeyTimeline({ origin: "o", keys: [] }, [{ kid: "a".repeat(64), afterSeq: 0, reason: "" }]);
 * const found: TimelineLookup = t.lookup("a".repeat(64), 1);
 * assert.equal(found.ok ? "ok" : found.code, "KEY_COMPROMISED");
 * ```
 */
export type TimelineLookup =
  | RecordKeyLookup
  | {
    readonly ok: false;
    readonly code: "KEY_ROTATED_OUT" | "KEY_COMPROMISED";
    readonly message: string;
  };

/**
 * Which key may sign which seq, as the verifier walks the ledger: the trust file's keys and
 * ranges, minus keys retired by a `key_rotation` record or marked compromised, plus keys
 * introduced by valid rotations (trusted from the next seq, for records only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyTimeline } from "./rotation.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const key = generateSigningKey();
 * const t = new KeyTimeline({ origin: "o", keys: [{ key, role: "both", seqFrom: 0, seqTo: null }] });
 * assert.equal(t.lookup(key.kid, 0).ok, true);
 * assert.equal(t.lookup("00", 0).ok, false);
 * ```
 */
export class KeyTimeline {
  readonly #trust: TrustFile;
  readonly #compromised: ReadonlyMap<string, CompromisedKey>;
  readonly #retiredAfter = new Map<string, number>();
  readonly #introduced = new Map<string, { key: VerifyingKey; fromSeq: number }>();

  /**
   * Starts a timeline at seq 0 from the trust file.
   *
   * @param trust The trust file (its `compromised` keys apply).
   * @param compromised More keys marked compromised (default none).
   */
  constructor(trust: TrustFile, compromised: readonly CompromisedKey[] = []) {
    this.#trust = trust;
    this.#compromised = new Map(
      [...(trust.compromised ?? []), ...compromised].map((c) => [c.kid, c]),
    );
  }

  /** The key allowed to sign record `seq` with key id `kid`, or why none is. */
  lookup(kid: string, seq: number): TimelineLookup {
    const short = `${kid.slice(0, 16)}…`;
    const bad = this.#compromised.get(kid);
    if (bad && seq > bad.afterSeq) {
      return {
        ok: false,
        code: "KEY_COMPROMISED",
        message: `key ${short} is marked compromised after seq ${bad.afterSeq}${
          bad.reason ? ` (${bad.reason})` : ""
        }`,
      };
    }
    const retired = this.#retiredAfter.get(kid);
    if (retired !== undefined && seq > retired) {
      return {
        ok: false,
        code: "KEY_ROTATED_OUT",
        message: `key ${short} was rotated out at seq ${retired}`,
      };
    }
    const intro = this.#introduced.get(kid);
    if (intro && seq >= intro.fromSeq) return { ok: true, key: intro.key };
    return recordKeyFor(this.#trust, kid, seq);
  }

  /**
   * Feeds a record whose signature already verified. For a `key_rotation` record, checks it and
   * switches keys from the next seq; returns the problem when it is not acceptable.
   */
  observe(
    record: Pick<LedgerRecord, "type" | "seq" | "kid" | "body">,
    origin: string,
  ): { code: RotationProblem; message: string } | null {
    if (record.type !== "key_rotation") return null;
    const r = verifyRotation(record, origin);
    if ("problem" in r) return { code: r.problem, message: r.message };
    this.#retiredAfter.set(record.kid, record.seq);
    this.#introduced.set(r.key.kid, { key: r.key, fromSeq: record.seq + 1 });
    return null;
  }

  /** Rotations seen so far: old kid, new kid, at seq. */
  get rotations(): { oldKid: string; newKid: string; seq: number }[] {
    return [...this.#introduced].map(([newKid, v]) => ({
      newKid,
      seq: v.fromSeq - 1,
      oldKid: [...this.#retiredAfter].find(([, s]) => s === v.fromSeq - 1)?.[0] ?? "",
    }));
  }
}
