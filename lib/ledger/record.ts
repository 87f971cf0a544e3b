/**
 * Ledger record format v1: building and signing a record line, and decoding a stored line back
 * into a record with the specific reason when it is not a valid canonical record.
 *
 * @module
 */

import {
  canonicalize,
  formatString,
  isCanonicalTextOf,
  JsonCanonError,
  type JsonValue,
} from "./canonical_json.ts";
import { parseJsonStrict } from "./strict_json.ts";
import { pae, RECORD_PAYLOAD_TYPE } from "./dsse.ts";
import { fromBase64Url, toBase64Url, toHex, utf8Bytes } from "./encoding.ts";
import { signBytes, type SigningKey, verifyBytes, type VerifyingKey } from "./keys.ts";
import { leafHash } from "./merkle.ts";
import { tryParseRfc3339 } from "../base/rfc3339.ts";

/**
 * A record body: a JSON object. Its rules per record type are in `record_types.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RecordBody } from "./record.ts";
 * import { checkBody } from "./record_types.ts";
 * const body: RecordBody = { text: "hello" };
 * assert.deepEqual(checkBody("note", body), []);
 * ```
 */
export type RecordBody = { [key: string]: JsonValue };

/**
 * `prev` of the genesis record: 64 zeros.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GENESIS_PREV } from "./record.ts";
 * assert.match(GENESIS_PREV, /^0{64}$/);
 * ```
 */
export const GENESIS_PREV: string = "0".repeat(64);

/**
 * One ledger record (format v1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GENESIS_PREV, type LedgerRecord, signRecord } from "./record.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const key = generateSigningKey();
 * const r = signRecord(
 *   { seq: 0, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV },
 *   key,
 * );
 * const record: LedgerRecord = r.record;
 * assert.equal(record.v, 1);
 * assert.equal(record.kid, key.kid);
 * ```
 */
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

/**
 * A signed record with its stored line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GENESIS_PREV, signRecord, type SignedRecord } from "./record.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const key = generateSigningKey();
 * const r = signRecord(
 *   { seq: 0, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV },
 *   key,
 * );
 * const signed: SignedRecord = r;
 * assert.equal(new TextDecoder().decode(signed.lineBytes), signed.line);
 * ```
 */
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
 * import assert from "node:assert/strict";
 * import { recordSigningInput } from "./record.ts";
 * assert.equal(new TextDecoder().decode(recordSigningInput('{"a":1}')).slice(0, 10), "DSSEv1 48 ");
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
 * import assert from "node:assert/strict";
 * import { GENESIS_PREV, signRecord } from "./record.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const key = generateSigningKey();
 * const r = signRecord(
 *   { seq: 0, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV },
 *   key,
 * );
 * assert.ok(r.line.startsWith('{"body":{"text":"x"},"kid":'));
 * assert.equal(r.record.seq, 0);
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
 * import assert from "node:assert/strict";
 * import { GENESIS_PREV, payloadOfLine, signRecord } from "./record.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const key = generateSigningKey();
 * const r = signRecord(
 *   { seq: 0, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV },
 *   key,
 * );
 * const payload = payloadOfLine(r.line, r.record);
 * assert.equal(payload.includes('"sig"'), false);
 * assert.ok(payload.startsWith('{"body":{"text":"x"},"kid":'));
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
 * import assert from "node:assert/strict";
 * import { GENESIS_PREV, signRecord, verifyRecordSignature } from "./record.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const key = generateSigningKey();
 * const r = signRecord(
 *   { seq: 0, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV },
 *   key,
 * );
 * assert.equal(verifyRecordSignature(r.line, r.record, key), true);
 * assert.equal(verifyRecordSignature(r.line, r.record, generateSigningKey()), false);
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
  // The DSSE pre-authentication encoding, built in a reused buffer (verification is synchronous).
  const digits = String(payloadLength);
  const headLength = PAE_TYPE_PREFIX.length + digits.length + 1;
  const length = headLength + payloadLength;
  if (paeScratch.length < length) {
    paeScratch = new Uint8Array(Math.max(length, 2 * paeScratch.length));
  }
  const input = paeScratch.subarray(0, length);
  input.set(PAE_TYPE_PREFIX);
  for (let i = 0; i < digits.length; i++) input[PAE_TYPE_PREFIX.length + i] = digits.charCodeAt(i);
  input[headLength - 1] = 0x20;
  input.set(lineBytes.subarray(0, cut), headLength);
  input.set(lineBytes.subarray(cut + member.length), headLength + cut);
  return verifyBytes(key, input, sig);
}

/** `DSSEv1 <type length> <type> ` of the record payload type (ASCII, so length in bytes). */
const PAE_TYPE_PREFIX = utf8Bytes(`DSSEv1 ${RECORD_PAYLOAD_TYPE.length} ${RECORD_PAYLOAD_TYPE} `);
let paeScratch = new Uint8Array(4096);

/**
 * Hex leaf hash of a stored line's bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHex } from "./record.ts";
 * assert.equal(
 *   leafHex(new Uint8Array()),
 *   "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
 * );
 * ```
 */
export function leafHex(lineBytes: Uint8Array): string {
  return toHex(leafHash(lineBytes));
}

/**
 * The members of a record, in canonical (sorted) order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RECORD_FIELDS } from "./record.ts";
 * assert.deepEqual([...RECORD_FIELDS].sort(), RECORD_FIELDS);
 * assert.equal(RECORD_FIELDS.length, 8);
 * ```
 */
export const RECORD_FIELDS: readonly string[] = [
  "body",
  "kid",
  "prev",
  "seq",
  "sig",
  "ts",
  "type",
  "v",
];

/**
 * Why a line is not a valid record. Codes are stable and documented in docs/ledger-format.md.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRecordLine, type LineErrorCode, RecordLineError } from "./record.ts";
 * const expected: LineErrorCode = "LINE_EMPTY";
 * assert.throws(
 *   () => decodeRecordLine(new Uint8Array()),
 *   (e) => e instanceof RecordLineError && e.code === expected,
 * );
 * ```
 */
export type LineErrorCode =
  | "LINE_EMPTY"
  | "LINE_BOM"
  | "LINE_CRLF"
  | "LINE_NOT_UTF8"
  | "LINE_NOT_JSON"
  | "LINE_NOT_CANONICAL"
  | "DUPLICATE_KEY"
  | "LONE_SURROGATE"
  | "BIG_INTEGER"
  | "NEGATIVE_ZERO"
  | "NON_FINITE"
  | "RECORD_INVALID"
  | "VERSION_UNSUPPORTED";

/**
 * A stored line is not a valid canonical record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRecordLine, RecordLineError } from "./record.ts";
 * assert.throws(
 *   () => decodeRecordLine(new TextEncoder().encode("{}")),
 *   (e) => e instanceof RecordLineError && e.code === "RECORD_INVALID",
 * );
 * ```
 */
export class RecordLineError extends Error {
  /** Stable reason code. */
  readonly code: LineErrorCode;
  /**
   * Creates the error.
   *
   * @param code Reason.
   * @param message Details.
   */
  constructor(code: LineErrorCode, message: string) {
    super(message);
    this.name = "RecordLineError";
    this.code = code;
  }
}

const FIELDS_JOINED = RECORD_FIELDS.join(",");
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const TS_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;

/**
 * True when `ts` is RFC 3339 UTC with exactly milliseconds and `Z`, and a real instant.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRecordTimestamp } from "./record.ts";
 * assert.equal(isRecordTimestamp("2026-01-01T00:00:00.000Z"), true);
 * assert.equal(isRecordTimestamp("2026-02-30T00:00:00.000Z"), false);
 * assert.equal(isRecordTimestamp("2026-01-01T00:00:00Z"), false);
 * assert.equal(isRecordTimestamp("2026-01-01T24:00:00.000Z"), false);
 * ```
 */
export function isRecordTimestamp(ts: string): boolean {
  // The shape pins the profile (UTC, milliseconds); the one strict parser checks the calendar.
  if (!TS_RE.test(ts)) return false;
  // Records come in time order: a date the parser accepted for the record before needs only
  // its time of day checked (verification checks millions of these).
  if (ts.startsWith(lastValidDate)) {
    const hour = (ts.charCodeAt(11) - 48) * 10 + ts.charCodeAt(12) - 48;
    const minute = (ts.charCodeAt(14) - 48) * 10 + ts.charCodeAt(15) - 48;
    const second = (ts.charCodeAt(17) - 48) * 10 + ts.charCodeAt(18) - 48;
    return hour <= 23 && minute <= 59 && second <= 59;
  }
  if (tryParseRfc3339(ts) === null) return false;
  lastValidDate = ts.slice(0, 11);
  return true;
}

/** `YYYY-MM-DDT` of the last timestamp `isRecordTimestamp` accepted (a real date). */
let lastValidDate = "\0never";

/**
 * Decodes one stored line (bytes without `\n`): fatal UTF-8, exact RFC 8785 form, record shape.
 * Throws `RecordLineError` with the specific code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRecordLine, GENESIS_PREV, signRecord } from "./record.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const key = generateSigningKey();
 * const r = signRecord(
 *   { seq: 0, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV },
 *   key,
 * );
 * const decoded = decodeRecordLine(r.lineBytes);
 * assert.equal(decoded.record.seq, 0);
 * assert.equal(decoded.text, r.line);
 * ```
 */
export function decodeRecordLine(bytes: Uint8Array): { record: LedgerRecord; text: string } {
  if (bytes.length === 0) throw new RecordLineError("LINE_EMPTY", "empty line");
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new RecordLineError("LINE_BOM", "line starts with a UTF-8 byte order mark");
  }
  if (bytes[bytes.length - 1] === 0x0d) {
    throw new RecordLineError("LINE_CRLF", "line ends in CR (CRLF line ending)");
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new RecordLineError("LINE_NOT_UTF8", "line is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RecordLineError("LINE_NOT_JSON", `line is not JSON (${(err as Error).message})`);
  }
  // The quick check answers for lines as writers produce them; anything else is decided (and
  // diagnosed) by the full canonical serialisation.
  if (isCanonicalTextOf(parsed, text)) return { record: checkShape(parsed), text };
  let canonical: string | undefined;
  let canonError: JsonCanonError | undefined;
  try {
    canonical = canonicalize(parsed);
  } catch (err) {
    if (!(err instanceof JsonCanonError)) throw err;
    canonError = err;
  }
  if (canonical !== text) {
    // Diagnose precisely: duplicate keys, big integers, -0, lone surrogates, else plain form.
    try {
      parseJsonStrict(text);
    } catch (err) {
      if (
        err instanceof JsonCanonError && err.code !== "SYNTAX" && err.code !== "TOO_DEEP" &&
        err.code !== "NOT_JSON"
      ) {
        throw new RecordLineError(err.code, err.message);
      }
    }
    if (
      canonError && canonError.code !== "NOT_JSON" && canonError.code !== "TOO_DEEP" &&
      canonError.code !== "SYNTAX"
    ) {
      throw new RecordLineError(canonError.code, canonError.message);
    }
    throw new RecordLineError(
      "LINE_NOT_CANONICAL",
      "line is not in RFC 8785 canonical form (whitespace, key order, escapes or number format)",
    );
  }
  return { record: checkShape(parsed), text };
}

function checkShape(value: unknown): LedgerRecord {
  const bad = (what: string): never => {
    throw new RecordLineError("RECORD_INVALID", what);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return bad("record is not a JSON object");
  }
  const r = value as Record<string, unknown>;
  if ("v" in r && r.v !== 1) {
    throw new RecordLineError(
      "VERSION_UNSUPPORTED",
      `record version ${JSON.stringify(r.v)} is not supported (expected 1)`,
    );
  }
  const keys = Object.keys(r);
  if (keys.join(",") !== FIELDS_JOINED) {
    const unknown = keys.filter((k) => !RECORD_FIELDS.includes(k));
    if (unknown.length > 0) bad(`unknown record field(s): ${unknown.join(", ")}`);
    const missing = RECORD_FIELDS.filter((k) => !(k in r));
    if (missing.length > 0) bad(`missing record field(s): ${missing.join(", ")}`);
  }
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 0) {
    bad("seq must be a non-negative integer");
  }
  if (typeof r.ts !== "string" || !isRecordTimestamp(r.ts)) {
    bad("ts must be RFC 3339 UTC with milliseconds and Z");
  }
  if (typeof r.type !== "string" || !/^[a-z][a-z0-9_]{0,31}$/.test(r.type)) {
    bad("type must be a lowercase name");
  }
  if (r.body === null || typeof r.body !== "object" || Array.isArray(r.body)) {
    bad("body must be an object");
  }
  for (const k of ["prev", "kid"]) {
    if (typeof r[k] !== "string" || !/^[0-9a-f]{64}$/.test(r[k] as string)) {
      bad(`${k} must be 64 lowercase hex digits`);
    }
  }
  if (typeof r.sig !== "string" || !/^[A-Za-z0-9_-]{86}$/.test(r.sig)) {
    bad("sig must be 86 base64url characters (64 bytes)");
  }
  return r as unknown as LedgerRecord;
}
