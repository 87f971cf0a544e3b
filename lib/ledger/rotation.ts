/**
 * Key rotation and compromise. A `key_rotation` record is signed by the current (old) key and
 * names the next key, with a proof-of-possession (PoP) signature by the next key; from the
 * record after it, only the next key may sign (the old one is retired). A trust file can mark a
 * key compromised after a seq: its later records are rejected, and the report says which
 * checkpoints still anchor the earlier ones (`rotation_trust.ts`).
 *
 * Body of a `key_rotation` record: `{"origin":"<ledger origin>","old_kid":"<64 hex>",
 * "new_key":{"kid":"<64 hex>","spki":"<base64 SPKI DER>"},"pop":"<base64url signature>",
 * "reason":"<text>"}`. The PoP is an Ed25519 signature by the new key over DSSE
 * `PAE("application/vnd.carbon-ops.key-rotation-pop.v1+json", canonical JSON of
 * {"new_kid","old_kid","origin"})`, so it cannot be replayed as a record or checkpoint
 * signature, nor for another ledger or predecessor. The body is self-contained (the PoP is
 * checked with the body alone); the verifier also requires `old_kid` to be the record's signer
 * and `origin` the ledger's.
 *
 * @module
 */

import { canonicalize } from "./canonical_json.ts";
import { pae } from "./dsse.ts";
import { fromBase64, fromBase64Url, toBase64, toBase64Url, toHex, utf8Bytes } from "./encoding.ts";
import { sha256 } from "./sha256.ts";
import {
  signBytes,
  type SigningKey,
  verifyBytes,
  type VerifyingKey,
  verifyingKeyFromRaw,
} from "./keys.ts";
import type { LedgerRecord, RecordBody } from "./record.ts";
import { recordKeyFor, type RecordKeyLookup, type TrustFile } from "./trust.ts";
import type { CompromisedKey } from "./compromised_keys.ts";

/**
 * DSSE payload type of the proof-of-possession statement.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ROTATION_POP_TYPE } from "./rotation.ts";
 * assert.match(ROTATION_POP_TYPE, /^application\/vnd\.carbon-ops\./);
 * ```
 */
export const ROTATION_POP_TYPE = "application/vnd.carbon-ops.key-rotation-pop.v1+json";
const SPKI_PREFIX_HEX = "302a300506032b6570032100";

function popMessage(origin: string, oldKid: string, newKid: string): Uint8Array {
  return pae(
    ROTATION_POP_TYPE,
    utf8Bytes(canonicalize({ new_kid: newKid, old_kid: oldKid, origin })),
  );
}

/**
 * Builds the body of a `key_rotation` record from the old key's id to `newKey` (which signs the
 * proof of possession).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyRotationBody } from "./rotation.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const oldKey = generateSigningKey();
 * const body = keyRotationBody("example.org/log", { oldKid: oldKey.kid, newKey: generateSigningKey() });
 * assert.deepEqual(Object.keys(body), ["origin", "old_kid", "new_key", "pop", "reason"]);
 * assert.throws(() => keyRotationBody("example.org/log", { oldKid: oldKey.kid, newKey: oldKey }));
 * ```
 */
export function keyRotationBody(
  origin: string,
  options: { oldKid: string; newKey: SigningKey; reason?: string },
): RecordBody {
  if (options.oldKid === options.newKey.kid) {
    throw new RangeError("the new key must differ from the old key");
  }
  const pop = signBytes(options.newKey, popMessage(origin, options.oldKid, options.newKey.kid));
  return {
    origin,
    old_kid: options.oldKid,
    new_key: { kid: options.newKey.kid, spki: toBase64(options.newKey.spkiDer) },
    pop: toBase64Url(pop),
    reason: options.reason ?? "scheduled rotation",
  };
}

/**
 * Problems with a `key_rotation` body (empty when valid): its shape, an Ed25519 SPKI whose
 * SHA-256 is `new_key.kid`, a new key different from `old_kid`, and the new key's proof of
 * possession over (origin, old_kid, new_kid). For `RECORD_TYPES`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkKeyRotationBody, keyRotationBody } from "./rotation.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const body = keyRotationBody("o", { oldKid: generateSigningKey().kid, newKey: generateSigningKey() });
 * assert.deepEqual(checkKeyRotationBody(body), []);
 * assert.ok(checkKeyRotationBody({ reason: "x" }).length > 0);
 * ```
 */
export function checkKeyRotationBody(body: RecordBody): string[] {
  const problems: string[] = [];
  const known = ["origin", "old_kid", "new_key", "pop", "reason"];
  for (const k of Object.keys(body)) {
    if (!known.includes(k)) problems.push(`/${k}: is not a known field`);
  }
  if (typeof body.origin !== "string" || !/^[^\s+]{1,255}$/u.test(body.origin)) {
    problems.push("/origin: must be the ledger origin");
  }
  if (typeof body.old_kid !== "string" || !/^[0-9a-f]{64}$/.test(body.old_kid)) {
    problems.push("/old_kid: must be 64 lowercase hex digits");
  }
  const nk = body.new_key as Record<string, unknown> | undefined;
  if (nk === null || typeof nk !== "object" || Array.isArray(nk)) {
    problems.push("/new_key: must be an object");
  } else {
    for (const k of Object.keys(nk)) {
      if (k !== "kid" && k !== "spki") problems.push(`/new_key/${k}: is not a known field`);
    }
    if (typeof nk.kid !== "string" || !/^[0-9a-f]{64}$/.test(nk.kid)) {
      problems.push("/new_key/kid: must be 64 lowercase hex digits");
    }
    if (typeof nk.spki !== "string") {
      problems.push("/new_key/spki: must be the base64 of an Ed25519 SPKI DER");
    }
  }
  if (typeof body.pop !== "string" || !/^[A-Za-z0-9_-]{86}$/.test(body.pop)) {
    problems.push("/pop: must be 86 base64url characters");
  }
  if (typeof body.reason !== "string" || body.reason.length < 1 || body.reason.length > 4096) {
    problems.push("/reason: must be a string of 1 to 4096 characters");
  }
  if (problems.length) return problems;
  const spec = body.new_key as { kid: string; spki: string };
  let der: Uint8Array;
  try {
    der = fromBase64(spec.spki);
  } catch {
    der = new Uint8Array();
  }
  if (der.length !== 44 || toHex(der.subarray(0, 12)) !== SPKI_PREFIX_HEX) {
    return ["/new_key/spki: is not an Ed25519 SPKI public key (canonical base64 of 44 bytes)"];
  }
  // A small-order new key would let anyone sign after the rotation (its PoP and every later
  // record verify with a constant signature): verifyingKeyFromRaw refuses it, and non-canonical
  // or off-curve points, with the reason (ed25519_point.ts).
  let key: VerifyingKey;
  try {
    key = verifyingKeyFromRaw(der.subarray(12));
  } catch (err) {
    return [`/new_key/spki: ${(err as Error).message}`];
  }
  if (key.kid !== spec.kid || toHex(sha256(key.spkiDer)) !== spec.kid) {
    return ["/new_key/kid: is not the SHA-256 of new_key.spki"];
  }
  if (spec.kid === body.old_kid) return ["/new_key: a key cannot rotate to itself"];
  let pop: Uint8Array;
  try {
    pop = fromBase64Url(body.pop as string);
  } catch {
    return ["/pop: is not canonical base64url (64 bytes)"];
  }
  if (!verifyBytes(key, popMessage(body.origin as string, body.old_kid as string, spec.kid), pop)) {
    return ["/pop: the new key's proof of possession does not verify"];
  }
  return [];
}

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
 * import { keyRotationBody, verifyRotation } from "./rotation.ts";
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
