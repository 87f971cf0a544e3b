/**
 * The body of a `key_rotation` record: building it (with the new key's proof of possession) and
 * checking it on its own. The rules that apply a rotation to a ledger (who may sign from which
 * seq, compromised keys) are in `rotation.ts`.
 *
 * Body: `{"origin":"<ledger origin>","old_kid":"<64 hex>","new_key":{"kid":"<64 hex>","spki":
 * "<base64 SPKI DER>"},"pop":"<base64url signature>","reason":"<text>"}`. The PoP is an Ed25519
 * signature by the new key over DSSE `PAE("application/vnd.carbon-ops.key-rotation-pop.v1+json",
 * canonical JSON of {"new_kid","old_kid","origin"})`, so it cannot be replayed as a record or
 * checkpoint signature, nor for another ledger or predecessor. The body is self-contained (the
 * PoP is checked with the body alone).
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
import type { RecordBody } from "./record.ts";

/**
 * DSSE payload type of the proof-of-possession statement.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ROTATION_POP_TYPE } from "./rotation_body.ts";
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
 * import { keyRotationBody } from "./rotation_body.ts";
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
 * import { checkKeyRotationBody, keyRotationBody } from "./rotation_body.ts";
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
