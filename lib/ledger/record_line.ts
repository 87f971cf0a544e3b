/**
 * Decoding a stored ledger line (format v1) back into a record, with the specific reason when it
 * is not a valid canonical record: fatal UTF-8, exact RFC 8785 form, record members.
 *
 * @module
 */

import { canonicalize, JsonCanonError, parseJsonStrict } from "./canonical_json.ts";
import type { LedgerRecord } from "./record.ts";

/** The members of a record, in canonical (sorted) order. */
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

/** Why a line is not a valid record. Codes are stable and documented in docs/ledger-format.md. */
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
 * import { decodeRecordLine, RecordLineError } from "./record.ts";
 * try { decodeRecordLine(new TextEncoder().encode("{}")); } catch (e) { console.log((e as RecordLineError).code); }
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

/** True when `ts` is RFC 3339 UTC with exactly milliseconds and `Z`, and a real instant. */
export function isRecordTimestamp(ts: string): boolean {
  return TS_RE.test(ts) && !Number.isNaN(Date.parse(ts)) &&
    new Date(Date.parse(ts)).toISOString() === ts;
}

/**
 * Decodes one stored line (bytes without `\n`): fatal UTF-8, exact RFC 8785 form, record shape.
 * Throws `RecordLineError` with the specific code.
 *
 * @example
 * ```ts
 * import { decodeRecordLine, GENESIS_PREV, signRecord } from "./record.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const r = signRecord({ seq: 0, ts: "2026-01-01T00:00:00.000Z", type: "note", body: { text: "x" }, prev: GENESIS_PREV }, generateSigningKey());
 * console.log(decodeRecordLine(r.lineBytes).record.seq); // 0
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
