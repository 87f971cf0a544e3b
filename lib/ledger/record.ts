/**
 * Ledger record format v1: building and signing a record line, and decoding a stored line back
 * into a record with the specific reason when it is not a valid canonical record.
 *
 * @module
 */

import { canonicalize, formatString } from "./canonical_json.ts";
import { pae, RECORD_PAYLOAD_TYPE } from "./dsse.ts";
import { fromBase64Url, toBase64Url, toHex, utf8Bytes } from "./encoding.ts";
import { signBytes, type SigningKey, verifyBytes, type VerifyingKey } from "./keys.ts";
import { leafHash } from "./merkle.ts";
import type { RecordBody } from "./record_types.ts";
import { RecordLineError } from "./record_line.ts";

export {
  decodeRecordLine,
  isRecordTimestamp,
  type LineErrorCode,
  RECORD_FIELDS,
  RecordLineError,
} from "./record_line.ts";

/** `prev` of the genesis record: 64 zeros. */
export const GENESIS_PREV: string = "0".repeat(64);

/** One ledger record (format v1). */
export interface LedgerRecord {
  /** Format version, 1. */
  readonly v: 1;
  /** 0-based sequence number, equal to the line index. */
  readonly seq: number;
  /** Writer's clock, RFC 3339 UTC with milliseconds and `Z`. */
  readonly ts: string;
  /** Record type: genesis, emission, correction, note (later key_rotation). */
  readonly type: string;
  /** Type-specific body. */
  readonly body: RecordBody;
  /** Hex RFC 6962 leaf hash of the previous line (64 zeros for genesis). */
  readonly prev: string;
  /** Hex SHA-256 of the signer's SPKI DER. */
  readonly kid: string;
  /** base64url Ed25519 signature over PAE(RECORD_PAYLOAD_TYPE, canonical record without sig). */
  readonly sig: string;
}

/** A signed record with its stored line. */
export interface SignedRecord {
  /** The record. */
  readonly record: LedgerRecord;
  /** The canonical JSON line, without `\n`. */
  readonly line: string;
  /** UTF-8 bytes of `line`. */
  readonly lineBytes: Uint8Array;
  /** RFC 6962 leaf hash of the line bytes (the next record's `prev`). */
  readonly leaf: Uint8Array;
}

/**
 * Bytes a record signature covers: PAE of the canonical record without `sig`.
 *
 * @example
 * ```ts
 * import { recordSigningInput } from "./record.ts";
 * console.log(new TextDecoder().decode(recordSigningInput('{"a":1}')).slice(0, 10)); // "DSSEv1 48 "
 * ```
 */
export function recordSigningInput(payload: string): Uint8Array {
  return pae(RECORD_PAYLOAD_TYPE, utf8Bytes(payload));
}

/**
 * Builds and signs a record. The body must already be valid for its type; canonicalisation
 * throws `JsonCanonError` on non-finite numbers, -0 and lone surrogates.
 *
 * @example
 * ```ts
 * import { GENESIS_PREV, signRecord } from "./record.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const r = signRecord({ seq: 0, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV }, generateSigningKey());
 * console.log(r.line.startsWith('{"body":{"text":"x"},"kid":')); // true
 * ```
 */
export function signRecord(
  fields: { seq: number; ts: string; type: string; body: RecordBody; prev: string },
  key: SigningKey,
): SignedRecord {
  const unsigned = {
    v: 1 as const,
    seq: fields.seq,
    ts: fields.ts,
    type: fields.type,
    body: fields.body,
    prev: fields.prev,
    kid: key.kid,
  };
  const payload = canonicalize(unsigned);
  const sig = toBase64Url(signBytes(key, recordSigningInput(payload)));
  const record: LedgerRecord = { ...unsigned, sig };
  // In canonical order `sig` sits between `seq` and `ts`; the members after the body (kid, prev,
  // seq, ts, type, v) are plain scalars, so the last `,"ts":"` is the top-level one.
  const at = payload.lastIndexOf(',"ts":"');
  const line = `${payload.slice(0, at)},"sig":"${sig}"${payload.slice(at)}`;
  const lineBytes = utf8Bytes(line);
  return { record, line, lineBytes, leaf: leafHash(lineBytes) };
}

/**
 * The signed payload of a decoded canonical line: the line without its `sig` member (which, in
 * canonical order, sits between `seq` and `ts` at the top level).
 *
 * @example
 * ```ts
 * import { decodeRecordLine, GENESIS_PREV, payloadOfLine, signRecord } from "./record.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const r = signRecord({ seq: 0, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV }, generateSigningKey());
 * console.log(payloadOfLine(r.line, r.record).includes('"sig"')); // false
 * ```
 */
export function payloadOfLine(text: string, record: LedgerRecord): string {
  const member = `,"sig":${formatString(record.sig)}`;
  const at = text.lastIndexOf(member);
  if (at < 0) throw new RecordLineError("RECORD_INVALID", "sig member not found");
  return text.slice(0, at) + text.slice(at + member.length);
}

/**
 * Verifies the record signature on a decoded line with `key` (strict Ed25519). Pass the line's
 * UTF-8 bytes as `lineBytes` to avoid re-encoding (same result).
 *
 * @example
 * ```ts
 * import { GENESIS_PREV, signRecord, verifyRecordSignature } from "./record.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const k = generateSigningKey();
 * const r = signRecord({ seq: 0, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV }, k);
 * console.log(verifyRecordSignature(r.line, r.record, k)); // true
 * ```
 */
export function verifyRecordSignature(
  text: string,
  record: LedgerRecord,
  key: VerifyingKey,
  lineBytes?: Uint8Array,
): boolean {
  let sig: Uint8Array;
  try {
    sig = fromBase64Url(record.sig);
  } catch {
    return false;
  }
  if (lineBytes === undefined) {
    return verifyBytes(key, recordSigningInput(payloadOfLine(text, record)), sig);
  }
  // Fast path: everything after the sig member (ts, type, v) is ASCII, so its byte offset
  // from the end equals its UTF-16 offset from the end; splice the payload out of the bytes.
  const member = `,"sig":"${record.sig}"`;
  const at = text.lastIndexOf(member);
  if (at < 0) return false;
  const tail = text.length - at - member.length;
  const cut = lineBytes.length - tail - member.length;
  const payloadLength = lineBytes.length - member.length;
  const head = utf8Bytes(
    `DSSEv1 ${RECORD_PAYLOAD_TYPE.length} ${RECORD_PAYLOAD_TYPE} ${payloadLength} `,
  );
  const input = new Uint8Array(head.length + payloadLength);
  input.set(head);
  input.set(lineBytes.subarray(0, cut), head.length);
  input.set(lineBytes.subarray(cut + member.length), head.length + cut);
  return verifyBytes(key, input, sig);
}

/** Hex leaf hash of a stored line's bytes. */
export function leafHex(lineBytes: Uint8Array): string {
  return toHex(leafHash(lineBytes));
}
