/**
 * Witness cosignatures: `cosignature/v1` (c2sp.org/tlog-cosignature, Ed25519, key type 0x04)
 * on checkpoints, witness verifier keys, and a k-of-n witness policy check. Note parsing comes
 * from `signed_note.ts`; this module adds only what is specific to cosignatures. Equivocation
 * and add-checkpoint requests are in `witness_protocol.ts`.
 *
 * @module
 */

import { bytesEqual, fromBase64, toBase64, toHex, utf8Bytes } from "./encoding.ts";
import { sha256 } from "./sha256.ts";
import {
  signBytes,
  type SigningKey,
  verifyBytes,
  type VerifyingKey,
  verifyingKeyFromRaw,
} from "./keys.ts";
import { isValidNoteKeyName, type NoteInput, parseNote } from "./signed_note.ts";

/**
 * Signature type byte of Ed25519 cosignatures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COSIGNATURE_V1_TYPE } from "./witness.ts";
 * assert.equal(COSIGNATURE_V1_TYPE, 4);
 * ```
 */
export const COSIGNATURE_V1_TYPE = 0x04;
const EM_DASH = "\u2014";
const MAX_TIMESTAMP = 2n ** 63n - 1n;

/**
 * A witness an auditor trusts: its name and Ed25519 public key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cosignatureKeyId, type WitnessKey, witnessKey } from "./witness.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const k = generateSigningKey();
 * const w: WitnessKey = witnessKey("w1", k);
 * assert.deepEqual(w.keyId, cosignatureKeyId("w1", k.publicRaw));
 * ```
 */
export interface WitnessKey {
  /** Cosigner name (key name in the note). */
  readonly name: string;
  /** The witness public key. */
  readonly key: VerifyingKey;
  /** 4-byte key id: SHA-256(name || "\n" || 0x04 || public key)[:4]. */
  readonly keyId: Uint8Array;
}

/**
 * Key id of an Ed25519 cosigner: `SHA-256(name || "\n" || 0x04 || pubkey)[:4]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cosignatureKeyId } from "./witness.ts";
 * import { noteKeyId } from "./signed_note.ts";
 * const id = cosignatureKeyId("witness.example/w1", new Uint8Array(32));
 * assert.equal(id.length, 4);
 * assert.notDeepEqual(id, noteKeyId("witness.example/w1", new Uint8Array(32)));
 * ```
 */
export function cosignatureKeyId(name: string, publicRaw: Uint8Array): Uint8Array {
  return sha256(utf8Bytes(name + "\n"), Uint8Array.of(COSIGNATURE_V1_TYPE), publicRaw).slice(0, 4);
}

/**
 * A witness from its name and key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { witnessKey } from "./witness.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const k = generateSigningKey();
 * const w = witnessKey("w1", k);
 * assert.equal(w.name, "w1");
 * assert.equal(w.key.kid, k.kid);
 * ```
 */
export function witnessKey(name: string, key: VerifyingKey): WitnessKey {
  if (!isValidNoteKeyName(name)) {
    throw new RangeError(`witness name '${name}' must be non-empty without spaces or '+'`);
  }
  return { name, key, keyId: cosignatureKeyId(name, key.publicRaw) };
}

/**
 * The witness verifier key string `<name>+<8 hex key id>+<base64(0x04 || public key)>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { witnessVkey } from "./witness.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const vkey = witnessVkey("w1", generateSigningKey());
 * // base64 of 33 bytes (0x04 || key): 44 characters, which may themselves contain "+"
 * assert.match(vkey, /^w1\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
 * assert.equal(atob(vkey.split("+").slice(2).join("+")).charCodeAt(0), 0x04);
 * ```
 */
export function witnessVkey(name: string, key: VerifyingKey): string {
  const w = witnessKey(name, key);
  const typed = new Uint8Array(33);
  typed[0] = COSIGNATURE_V1_TYPE;
  typed.set(key.publicRaw, 1);
  return `${name}+${toHex(w.keyId)}+${toBase64(typed)}`;
}

/**
 * Parses a witness verifier key string (type 0x04), checking its key id. Throws a `RangeError`
 * saying what to do for a small-order or non-canonical key (`ed25519_point.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWitnessVkey, witnessVkey } from "./witness.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const k = generateSigningKey();
 * const w = parseWitnessVkey(witnessVkey("w1", k));
 * assert.equal(w.name, "w1");
 * assert.equal(w.key.kid, k.kid);
 * ```
 */
export function parseWitnessVkey(text: string): WitnessKey {
  // The base64 key material may itself contain '+': split at the first two separators only.
  const m = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/s.exec(text);
  if (!m || !isValidNoteKeyName(m[1])) {
    throw new RangeError(`'${text.slice(0, 60)}' is not a witness key <name>+<8 hex>+<base64>`);
  }
  const parts = [m[1], m[2], m[3]];
  let typed: Uint8Array;
  try {
    typed = fromBase64(parts[2]);
  } catch {
    throw new RangeError("witness key material is not canonical base64");
  }
  if (typed.length !== 33 || typed[0] !== COSIGNATURE_V1_TYPE) {
    throw new RangeError("witness key is not an Ed25519 cosignature/v1 (0x04) key");
  }
  const w = witnessKey(parts[0], verifyingKeyFromRaw(typed.slice(1)));
  if (toHex(w.keyId) !== parts[1]) {
    throw new RangeError("witness key id does not match its name and key");
  }
  return w;
}

/**
 * The message a cosigner signs: `cosignature/v1\ntime <T>\n` followed by the note text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cosignedMessage } from "./witness.ts";
 * const lines = new TextDecoder().decode(cosignedMessage("o\n1\nAA==\n", 1679315147n)).split("\n");
 * assert.equal(lines[1], "time 1679315147");
 * ```
 */
export function cosignedMessage(noteText: string, timestamp: bigint): Uint8Array {
  return utf8Bytes(`cosignature/v1\ntime ${timestamp}\n${noteText}`);
}

/**
 * Signs note text as a witness: returns one signature line (ending in `\n`) to append to the
 * note's signature block.
 *
 * @param noteText The checkpoint text (ending in `\n`, no signatures).
 * @param options `name`, `key` and `timestamp` (POSIX seconds, bigint).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cosign } from "./witness.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const line = cosign("o\n1\nAA==\n", { name: "w1", key: generateSigningKey(), timestamp: 1n });
 * assert.ok(line.startsWith("— w1 "));
 * assert.ok(line.endsWith("\n"));
 * ```
 */
export function cosign(
  noteText: string,
  options: { name: string; key: SigningKey; timestamp: bigint },
): string {
  if (options.timestamp < 0n || options.timestamp > MAX_TIMESTAMP) {
    throw new RangeError("timestamp out of range");
  }
  const w = witnessKey(options.name, options.key);
  const sig = signBytes(options.key, cosignedMessage(noteText, options.timestamp));
  const blob = new Uint8Array(4 + 8 + 64);
  blob.set(w.keyId);
  new DataView(blob.buffer).setBigUint64(4, options.timestamp);
  blob.set(sig, 12);
  return `${EM_DASH} ${options.name} ${toBase64(blob)}\n`;
}

/**
 * Splits the bytes after the key id of a cosignature/v1 line into its timestamp and Ed25519
 * signature; returns a reason string when they are malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitCosignature } from "./witness.ts";
 * const r = splitCosignature(new Uint8Array(72));
 * assert.equal(typeof r === "string" ? r : r.timestamp, 0n);
 * assert.equal(typeof splitCosignature(new Uint8Array(10)), "string");
 * ```
 */
export function splitCosignature(
  bytes: Uint8Array,
): { timestamp: bigint; signature: Uint8Array } | string {
  if (bytes.length !== 8 + 64) return "cosignature is not an 8-byte time and a 64-byte signature";
  const timestamp = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
  if (timestamp > MAX_TIMESTAMP) return "cosignature time exceeds 2^63 - 1";
  return { timestamp, signature: bytes.slice(8) };
}

/**
 * A cosignature that verified.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ValidCosignature } from "./witness.ts";
 * const v: ValidCosignature = { name: "w1", keyId: "0a1b2c3d", timestamp: 1679315147n };
 * assert.equal(v.timestamp, 1679315147n);
 * ```
 */
export interface ValidCosignature {
  /** Witness name. */
  readonly name: string;
  /** Hex key id. */
  readonly keyId: string;
  /** Cosignature time, POSIX seconds. */
  readonly timestamp: bigint;
}

/**
 * Outcome of checking a note's cosignatures against a witness policy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CosignatureReport, verifyCosignatures } from "./witness.ts";
 * const note = "o\n1\n" + "A".repeat(43) + "=\n\n— o AAAAAAAA\n";
 * const r: CosignatureReport = verifyCosignatures(note, { witnesses: [], quorum: 0 });
 * assert.equal(r.ok, true);
 * assert.equal(r.ignored, 1);
 * ```
 */
export interface CosignatureReport {
  /** Distinct trusted witnesses whose cosignature verified. */
  readonly valid: readonly ValidCosignature[];
  /** Trusted witnesses whose cosignature line was present but did not verify. */
  readonly invalid: readonly { name: string; keyId: string; reason: string }[];
  /** Signature lines from keys not in the policy (ignored, counted). */
  readonly ignored: number;
  /** Required quorum k. */
  readonly required: number;
  /** True when no invalid cosignature from a trusted witness and at least `required` valid ones. */
  readonly ok: boolean;
}

/**
 * Checks the cosignatures on a signed checkpoint note. Unknown signers are ignored; a trusted
 * witness whose cosignature does not verify makes the note fail (as for any known key); at
 * least `quorum` distinct trusted witnesses must have cosigned. A signature line whose name and
 * key id match two different trusted witnesses is refused as ambiguous (the same key listed
 * twice counts once). Never throws on bad input: a malformed note (invalid UTF-8 anywhere
 * included) yields `ok: false` with the reason in `invalid`.
 *
 * @param note The signed note (checkpoint text, blank line, signature lines): its bytes when read
 *   from a file or the network, so that invalid UTF-8 is seen.
 * @param policy `witnesses` trusted and `quorum` (k of n; default all of them).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cosign, verifyCosignatures, witnessKey } from "./witness.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const w = generateSigningKey();
 * const text = "o\n1\n" + "A".repeat(43) + "=\n";
 * const note = text + "\n— o AAAAAAAA\n" + cosign(text, { name: "w1", key: w, timestamp: 5n });
 * const report = verifyCosignatures(note, { witnesses: [witnessKey("w1", w)], quorum: 1 });
 * assert.equal(report.ok, true);
 * assert.equal(report.valid[0].timestamp, 5n);
 * ```
 */
export function verifyCosignatures(
  note: NoteInput,
  policy: { witnesses: readonly WitnessKey[]; quorum?: number },
): CosignatureReport {
  const required = policy.quorum ?? policy.witnesses.length;
  const valid: ValidCosignature[] = [];
  const invalid: { name: string; keyId: string; reason: string }[] = [];
  let ignored = 0;
  let parsed: ReturnType<typeof parseNote>;
  try {
    parsed = parseNote(note);
  } catch (err) {
    invalid.push({ name: "", keyId: "", reason: `malformed note: ${(err as Error).message}` });
    return { valid, invalid, ignored, required, ok: false };
  }
  for (const sig of parsed.signatures) {
    const matches = policy.witnesses.filter((x) =>
      x.name === sig.name && bytesEqual(x.keyId, sig.keyId)
    );
    const w = matches[0];
    if (!w) {
      ignored++;
      continue;
    }
    const keyId = toHex(sig.keyId);
    if (matches.some((x) => !bytesEqual(x.key.publicRaw, w.key.publicRaw))) {
      invalid.push({
        name: w.name,
        keyId,
        reason: `ambiguous key: ${matches.length} trusted witnesses share this name and key id`,
      });
      continue;
    }
    const cosig = splitCosignature(sig.signature);
    if (typeof cosig === "string") {
      invalid.push({ name: w.name, keyId, reason: cosig });
      continue;
    }
    const { timestamp, signature } = cosig;
    if (!verifyBytes(w.key, cosignedMessage(parsed.text, timestamp), signature)) {
      invalid.push({ name: w.name, keyId, reason: "cosignature does not verify" });
      continue;
    }
    if (!valid.some((v) => v.name === w.name && v.keyId === keyId)) {
      valid.push({ name: w.name, keyId, timestamp });
    }
  }
  return {
    valid,
    invalid,
    ignored,
    required,
    ok: invalid.length === 0 && valid.length >= required,
  };
}

/**
 * Parses a trust file's optional `witnesses` (`[{"vkey": "..."}]`) and `witness_quorum`
 * (default: all listed) raw values.
 *
 * @returns The policy, or the first problem as a message.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWitnessPolicy, witnessVkey } from "./witness.ts";
 * import { generateSigningKey } from "./keys.ts";
 * assert.deepEqual(parseWitnessPolicy(undefined, undefined), { witnesses: [], quorum: 0 });
 * const vkey = witnessVkey("w1", generateSigningKey());
 * const policy = parseWitnessPolicy([{ vkey }], undefined);
 * assert.equal("quorum" in policy ? policy.quorum : policy.problem, 1);
 * ```
 */
export function parseWitnessPolicy(
  witnessesRaw: unknown,
  quorumRaw: unknown,
): { witnesses: WitnessKey[]; quorum: number } | { problem: string } {
  if (witnessesRaw !== undefined && !Array.isArray(witnessesRaw)) {
    return { problem: "witnesses must be an array" };
  }
  const witnesses: WitnessKey[] = [];
  for (const [i, entry] of ((witnessesRaw ?? []) as unknown[]).entries()) {
    const e = entry as Record<string, unknown>;
    if (e === null || typeof e !== "object" || typeof e.vkey !== "string") {
      return { problem: `witnesses[${i}] must be an object with a "vkey" string` };
    }
    const extra = Object.keys(e).filter((k) => k !== "vkey" && k !== "comment");
    if (extra.length) {
      return { problem: `witnesses[${i}] has unknown field(s) ${extra.join(", ")}` };
    }
    try {
      witnesses.push(parseWitnessVkey(e.vkey));
    } catch (err) {
      return { problem: `witnesses[${i}].vkey: ${(err as Error).message}` };
    }
  }
  if (new Set(witnesses.map((w) => w.name)).size !== witnesses.length) {
    return { problem: "witnesses must have distinct names" };
  }
  const quorum = quorumRaw ?? witnesses.length;
  if (
    !Number.isSafeInteger(quorum) || (quorum as number) < 0 || (quorum as number) > witnesses.length
  ) {
    return { problem: `witness_quorum must be an integer from 0 to ${witnesses.length}` };
  }
  return { witnesses, quorum: quorum as number };
}
