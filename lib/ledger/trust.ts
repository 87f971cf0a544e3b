/**
 * Trust files: the keys an auditor trusts for one ledger (origin), each with a role and a valid
 * sequence range. The verifier trusts nothing else; a key inside a record is never trusted.
 *
 * File format (JSON): `{"v":1,"origin":"...","keys":[{"kid":"<hex>","public_key":"<SPKI PEM>",
 * "role":"records"|"checkpoints"|"both","seq_from":0,"seq_to":null}]}`, with optional fields for
 * the proof, witness and key-compromise checks:
 *
 * ```json
 * {
 *   "witnesses": [{ "vkey": "<name>+<8 hex>+<base64(0x04 || key)>", "comment": "..." }],
 *   "witness_quorum": 2,
 *   "compromised": [{ "kid": "<64 hex>", "after_seq": 41, "reason": "laptop stolen" }]
 * }
 * ```
 *
 * `witness_quorum` defaults to the number of witnesses listed (all must cosign). A key listed
 * in `compromised` may sign records up to and including `after_seq`; its later records are
 * rejected. `parseTrustFile` parses every field once and returns them all; an unknown field at
 * any level is a `TrustFileError` naming its path and the closest known field (trust_fields.ts).
 *
 * @module
 */

import { parseJsonStrict } from "./strict_json.ts";
import { publicKeyPem, type VerifyingKey, verifyingKeyFromPem } from "./keys.ts";
import { distinctNoteVerifiers, type NoteVerifier, noteVerifier } from "./signed_note.ts";
import { type CompromisedKey, parseCompromisedKeys } from "./compromised_keys.ts";
import { parseWitnessPolicy, type WitnessKey } from "./witness.ts";
import { findUnknownTrustField } from "./trust_fields.ts";

/**
 * What a trusted key may sign.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkpointVerifiers, type KeyRole } from "./trust.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const role: KeyRole = "records";
 * assert.equal(checkpointVerifiers({ origin: "o", keys: [{ key: generateSigningKey(), role, seqFrom: 0, seqTo: null }] }).length, 0);
 * ```
 */
export type KeyRole = "records" | "checkpoints" | "both";

/**
 * One trusted key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordKeyFor, type TrustedKey } from "./trust.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const trusted: TrustedKey = { key: generateSigningKey(), role: "both", seqFrom: 0, seqTo: 9 };
 * assert.equal(recordKeyFor({ origin: "o", keys: [trusted] }, trusted.key.kid, 10).ok, false);
 * ```
 */
export interface TrustedKey {
  /** The key. */
  readonly key: VerifyingKey;
  /** What it may sign. */
  readonly role: KeyRole;
  /** First record seq it may sign (inclusive). */
  readonly seqFrom: number;
  /** Last record seq it may sign (inclusive), `null` = open-ended. */
  readonly seqTo: number | null;
}

/**
 * A trust file. The optional fields may be left out when building one in code; `parseTrustFile`
 * and `loadTrustFile` always fill them in (`Required<TrustFile>`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTrustFile, type TrustFile, trustFileText } from "./trust.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const trust: TrustFile = { origin: "o", keys: [{ key: generateSigningKey(), role: "both", seqFrom: 0, seqTo: null }] };
 * const full = parseTrustFile(trustFileText(trust));
 * assert.deepEqual([full.witnesses, full.witnessQuorum, full.compromised], [[], 0, []]);
 * ```
 */
export interface TrustFile {
  /** The ledger's origin (log name); checkpoints are signed under this key name. */
  readonly origin: string;
  /** Trusted keys. */
  readonly keys: readonly TrustedKey[];
  /** Keys marked compromised after a seq (optional `compromised` field; see compromised_keys.ts). */
  readonly compromised?: readonly CompromisedKey[];
  /** Witnesses whose cosignatures count (optional `witnesses`; see witness.ts). */
  readonly witnesses?: readonly WitnessKey[];
  /**
   * How many distinct witnesses must cosign a checkpoint (optional `witness_quorum`; defaults
   * to the number of witnesses, 0 when none are configured).
   */
  readonly witnessQuorum?: number;
}

/**
 * A trust file is malformed or inconsistent (e.g. a kid that does not match its key).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTrustFile, TrustFileError } from "./trust.ts";
 * assert.equal(new TrustFileError("keys[0].kid does not match public_key").name, "TrustFileError");
 * assert.throws(() => parseTrustFile('{"v":1}'), TrustFileError);
 * ```
 */
export class TrustFileError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong.
   */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "TrustFileError";
  }
}

/**
 * Parses trust file text, checking every kid against its public key, and the optional
 * `compromised`, `witnesses` and `witness_quorum` fields (empty lists and 0 when absent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTrustFile, trustFileText } from "./trust.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const key = generateSigningKey();
 * const text = trustFileText({ origin: "example/log", keys: [{ key, role: "both", seqFrom: 0, seqTo: null }] });
 * const trust = parseTrustFile(text);
 * assert.equal(trust.keys.length, 1);
 * assert.equal(trust.keys[0].key.kid, key.kid);
 * ```
 */
export function parseTrustFile(text: string): Required<TrustFile> {
  let raw;
  try {
    raw = parseJsonStrict(text) as Record<string, unknown>;
  } catch (err) {
    throw new TrustFileError(`trust file is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new TrustFileError("trust file must be a JSON object");
  }
  const unknownField = findUnknownTrustField(raw);
  if (unknownField) throw new TrustFileError(unknownField.message);
  if (raw.v !== 1) {
    throw new TrustFileError(`trust file version must be 1, got ${JSON.stringify(raw.v)}`);
  }
  if (typeof raw.origin !== "string" || !/^[^\s+]+$/u.test(raw.origin)) {
    throw new TrustFileError("trust file 'origin' must be a log name without spaces or '+'");
  }
  if (!Array.isArray(raw.keys) || raw.keys.length === 0) {
    throw new TrustFileError("trust file 'keys' must be a non-empty array");
  }
  const keys = raw.keys.map((entry: unknown, i: number): TrustedKey => {
    const e = entry as Record<string, unknown>;
    const where = `keys[${i}]`;
    if (e === null || typeof e !== "object") throw new TrustFileError(`${where} must be an object`);
    let key: VerifyingKey;
    try {
      key = verifyingKeyFromPem(String(e.public_key));
    } catch (err) {
      // RangeError: an unusable point (small order, non-canonical; see ed25519_point.ts).
      const what = err instanceof RangeError ? `: ${err.message}` : " is not an Ed25519 SPKI PEM";
      throw new TrustFileError(`${where}.public_key${what}`, { cause: err });
    }
    if (e.kid !== key.kid) {
      throw new TrustFileError(
        `${where}.kid does not match SHA-256 of its public key (expected ${key.kid})`,
      );
    }
    if (e.role !== "records" && e.role !== "checkpoints" && e.role !== "both") {
      throw new TrustFileError(`${where}.role must be "records", "checkpoints" or "both"`);
    }
    const seqFrom = e.seq_from ?? 0;
    const seqTo = e.seq_to ?? null;
    if (!Number.isSafeInteger(seqFrom) || (seqFrom as number) < 0) {
      throw new TrustFileError(`${where}.seq_from must be an integer >= 0`);
    }
    if (
      seqTo !== null && (!Number.isSafeInteger(seqTo) || (seqTo as number) < (seqFrom as number))
    ) {
      throw new TrustFileError(`${where}.seq_to must be null or an integer >= seq_from`);
    }
    return { key, role: e.role, seqFrom: seqFrom as number, seqTo: seqTo as number | null };
  });
  const compromised = parseCompromisedKeys(raw.compromised);
  if ("problem" in compromised) throw new TrustFileError(compromised.problem);
  const policy = parseWitnessPolicy(raw.witnesses, raw.witness_quorum);
  if ("problem" in policy) throw new TrustFileError(policy.problem);
  return {
    origin: raw.origin,
    keys,
    compromised: compromised.keys,
    witnesses: policy.witnesses,
    witnessQuorum: policy.quorum,
  };
}

/**
 * Reads and parses a trust file (all fields, see `parseTrustFile`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTrustFile, TrustFileError } from "./trust.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const dir = await Deno.makeTempDir();
 * const { trustText } = await initLedger(dir, { origin: "example.org/host-01", key: generateSigningKey() });
 * await Deno.writeTextFile(`${dir}/auditor-trust.json`, trustText);
 * assert.equal((await loadTrustFile(`${dir}/auditor-trust.json`)).origin, "example.org/host-01");
 * await assert.rejects(() => loadTrustFile(`${dir}/missing.json`), TrustFileError);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadTrustFile(path: string): Promise<Required<TrustFile>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new TrustFileError(`cannot read trust file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseTrustFile(text);
}

/**
 * Trust file text (pretty JSON with a trailing newline) for `trust`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trustFileText } from "./trust.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const text = trustFileText({ origin: "o", keys: [{ key: generateSigningKey(), role: "both", seqFrom: 0, seqTo: null }] });
 * assert.ok(text.includes('"role": "both"'));
 * assert.equal(JSON.parse(text).v, 1);
 * ```
 */
export function trustFileText(trust: TrustFile): string {
  return JSON.stringify(
    {
      v: 1,
      origin: trust.origin,
      keys: trust.keys.map((k) => ({
        kid: k.key.kid,
        public_key: publicKeyPem(k.key),
        role: k.role,
        seq_from: k.seqFrom,
        seq_to: k.seqTo,
      })),
    },
    null,
    2,
  ) + "\n";
}

/**
 * Result of looking up a record's signer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordKeyFor, type RecordKeyLookup } from "./trust.ts";
 * const r: RecordKeyLookup = recordKeyFor({ origin: "o", keys: [] }, "00", 0);
 * assert.equal(r.ok ? "ok" : r.code, "KEY_UNKNOWN");
 * ```
 */
export type RecordKeyLookup =
  | { readonly ok: true; readonly key: VerifyingKey }
  | {
    readonly ok: false;
    readonly code: "KEY_UNKNOWN" | "KEY_ROLE" | "KEY_OUT_OF_RANGE";
    readonly message: string;
  };

/**
 * Finds the trusted key that may sign record `seq` with key id `kid`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordKeyFor } from "./trust.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const key = generateSigningKey();
 * const trust = { origin: "o", keys: [{ key, role: "both" as const, seqFrom: 0, seqTo: null }] };
 * assert.equal(recordKeyFor(trust, key.kid, 0).ok, true);
 * assert.equal(recordKeyFor({ origin: "o", keys: [] }, "00", 0).ok, false);
 * ```
 */
export function recordKeyFor(trust: TrustFile, kid: string, seq: number): RecordKeyLookup {
  const matches = trust.keys.filter((k) => k.key.kid === kid);
  if (matches.length === 0) {
    return {
      ok: false,
      code: "KEY_UNKNOWN",
      message: `key ${kid.slice(0, 16)}… is not in the trust file`,
    };
  }
  const forRecords = matches.filter((k) => k.role !== "checkpoints");
  if (forRecords.length === 0) {
    return {
      ok: false,
      code: "KEY_ROLE",
      message: `key ${kid.slice(0, 16)}… is trusted for checkpoints only`,
    };
  }
  const inRange = forRecords.find((k) => seq >= k.seqFrom && (k.seqTo === null || seq <= k.seqTo));
  if (!inRange) {
    const ranges = forRecords.map((k) => `${k.seqFrom}..${k.seqTo ?? ""}`).join(", ");
    return {
      ok: false,
      code: "KEY_OUT_OF_RANGE",
      message: `key ${kid.slice(0, 16)}… may sign seq ${ranges}, not ${seq}`,
    };
  }
  return { ok: true, key: inRange.key };
}

/**
 * Note verifiers for checkpoints: keys with role `checkpoints` or `both`, named by the origin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkpointVerifiers } from "./trust.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const key = generateSigningKey();
 * const trust = { origin: "o", keys: [{ key, role: "both" as const, seqFrom: 0, seqTo: null }] };
 * assert.deepEqual(checkpointVerifiers(trust).map((v) => v.name), ["o"]);
 * assert.equal(checkpointVerifiers({ origin: "o", keys: [] }).length, 0);
 * ```
 */
export function checkpointVerifiers(trust: TrustFile): NoteVerifier[] {
  // A key listed for two seq ranges is one verifier: not an ambiguous key.
  return distinctNoteVerifiers(
    trust.keys.filter((k) => k.role !== "records").map((k) => noteVerifier(trust.origin, k.key)),
  );
}
