/**
 * Reading ledger lines at the parse floor, for the aggregating readers (`ledger totals`,
 * `ledger export`) that do not verify: a line is decoded with one fatal UTF-8 decode and one
 * `JSON.parse`, and only the record members those readers use are checked (an object with a
 * string `type`, an integer `seq` and an object `body`). The full line checks (RFC 8785
 * canonical form, every record member, signatures, chain) are `ledger verify`'s; when the fast
 * decode refuses a line, the strict decoder is run on it so the error names the exact reason.
 * Corrections are found in a first pass by the canonical tail of their line, so the leaf hash
 * is computed only for the records a correction names.
 *
 * @module
 */

import { LedgerError } from "./ledger_error.ts";
import type { RawLine } from "./line_stream.ts";
import { decodeRecordLine, leafHex, RecordLineError } from "./record.ts";

/**
 * What the aggregating readers use of a record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ScannedRecord } from "./record_scan.ts";
 * const r: ScannedRecord = { seq: 1, ts: "2026-01-01T00:00:00.000Z", type: "note", body: {} };
 * assert.equal(r.type, "note");
 * ```
 */
export interface ScannedRecord {
  /** Sequence number (a non-negative integer). */
  readonly seq: number;
  /** Append time as written (not checked). */
  readonly ts: unknown;
  /** Record type. */
  readonly type: string;
  /** Body (a JSON object). */
  readonly body: Record<string, unknown>;
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The `LedgerError` CHAIN_INVALID for a line that is not a valid record, with the strict
 * decoder's reason code and message (the same text `ledger show` gives).
 *
 * @param line The line.
 * @param err What the decoder threw.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { invalidRecordLine } from "./record_scan.ts";
 * import { RecordLineError } from "./record.ts";
 * const line = { bytes: new Uint8Array(), index: 4, offset: 99, terminated: true };
 * const e = invalidRecordLine(line, new RecordLineError("LINE_EMPTY", "empty line"));
 * assert.equal(e.code, "CHAIN_INVALID");
 * assert.match(e.message, /^line 5 \(offset 99\) is not a valid record: LINE_EMPTY: empty line/);
 * ```
 */
export function invalidRecordLine(line: RawLine, err: unknown): LedgerError {
  const detail = err instanceof RecordLineError ? `${err.code}: ${err.message}` : String(err);
  return new LedgerError(
    "CHAIN_INVALID",
    `line ${line.index + 1} (offset ${line.offset}) is not a valid record: ${detail}`,
    { hint: "run 'carbon-ops ledger verify' for a full report", cause: err },
  );
}

/** Throws the strict decoder's error for a line the fast decode refused (`why` if it passes). */
function refuse(line: RawLine, why: string): never {
  try {
    decodeRecordLine(line.bytes);
  } catch (err) {
    if (!(err instanceof RecordLineError)) throw err;
    throw invalidRecordLine(line, err);
  }
  throw invalidRecordLine(line, new RecordLineError("RECORD_INVALID", why));
}

/**
 * Decodes a line at the parse floor: fatal UTF-8, `JSON.parse`, and a JSON object whose `seq`
 * is a non-negative safe integer, `type` a string and `body` an object. Does not check the
 * canonical form or the other members (`ledger verify` does). Throws `LedgerError`
 * CHAIN_INVALID, with the strict decoder's reason, for a line it cannot use.
 *
 * @param line A terminated line.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LedgerError } from "./ledger_error.ts";
 * import { scanRecordLine } from "./record_scan.ts";
 * const bytes = new TextEncoder().encode('{"body":{"text":"x"},"seq":3,"ts":"t","type":"note"}');
 * const r = scanRecordLine({ bytes, index: 3, offset: 0, terminated: true });
 * assert.deepEqual([r.seq, r.type, r.body.text], [3, "note", "x"]);
 * assert.throws(
 *   () => scanRecordLine({ bytes: bytes.subarray(1), index: 3, offset: 0, terminated: true }),
 *   (e) => e instanceof LedgerError && /LINE_NOT_JSON/.test(e.message),
 * );
 * ```
 */
export function scanRecordLine(line: RawLine): ScannedRecord {
  let value: unknown;
  try {
    // A lenient decode is faster; it turns invalid UTF-8 into U+FFFD, so a line holding U+FFFD
    // is decoded again, fatally (refused when it is invalid).
    let text = utf8.decode(line.bytes);
    if (text.includes("\uFFFD")) text = utf8Fatal.decode(line.bytes);
    value = JSON.parse(text);
  } catch {
    return refuse(line, "line is not UTF-8 JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return refuse(line, "record is not a JSON object");
  }
  const r = value as { seq?: unknown; type?: unknown; body?: unknown };
  const body = r.body;
  if (
    typeof r.type !== "string" || !Number.isSafeInteger(r.seq) || (r.seq as number) < 0 ||
    body === null || typeof body !== "object" || Array.isArray(body)
  ) {
    return refuse(line, "record lacks an integer seq, a string type or an object body");
  }
  return value as ScannedRecord;
}

/** `,"type":"correction","v":1}`: how every canonical correction line ends. */
const CORRECTION_TAIL = new TextEncoder().encode(',"type":"correction","v":1}');

function endsWith(bytes: Uint8Array, tail: Uint8Array): boolean {
  const at = bytes.length - tail.length;
  if (at < 0) return false;
  for (let i = tail.length - 1; i >= 0; i--) if (bytes[at + i] !== tail[i]) return false;
  return true;
}

/**
 * The records corrections supersede, collected in a first pass without decoding every line:
 * only lines ending as a canonical correction record does are decoded (strictly). The second
 * pass calls {@link CorrectionTargets.confirm} on every correction it decodes, which fails closed
 * on a correction the first pass did not see (a line not in canonical form), and hashes a line
 * only when {@link CorrectionTargets.named} says a correction names its seq.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { readLines } from "./line_stream.ts";
 * import { showRecords } from "./query.ts";
 * import { CorrectionTargets } from "./record_scan.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "typo" });
 * }
 * const [note] = await showRecords(dir, { seq: 1 });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("correction", { supersedes: { seq: 1, leaf: note.leaf }, reason: "typo" });
 * }
 * const targets = new CorrectionTargets();
 * for await (const line of readLines(`${dir}/ledger.jsonl`)) targets.scan(line);
 * assert.equal(targets.count, 1);
 * assert.ok(targets.named(1) && !targets.named(0));
 * assert.equal(targets.supersededBy(1, note.leaf), 2);
 * assert.equal(targets.supersededBy(1, "0".repeat(64)), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class CorrectionTargets {
  /** Superseded seq → its leaf as named → seq of the first correction naming it. */
  readonly #bySeq = new Map<number, Map<string, number>>();
  /** Line indexes of the corrections seen in the first pass. */
  readonly #seen = new Set<number>();
  /** Correction records seen in the first pass. */
  count = 0;

  /**
   * First pass: call with every terminated line, in order. Decodes (strictly) only a line that
   * ends as a canonical correction does; throws `LedgerError` CHAIN_INVALID when it is invalid.
   *
   * @param line A terminated line.
   */
  scan(line: RawLine): void {
    if (!endsWith(line.bytes, CORRECTION_TAIL)) return;
    let record;
    try {
      record = decodeRecordLine(line.bytes).record;
    } catch (err) {
      if (!(err instanceof RecordLineError)) throw err;
      throw invalidRecordLine(line, err);
    }
    if (record.type !== "correction") return;
    this.count++;
    this.#seen.add(line.index);
    const s = record.body.supersedes as { seq?: unknown; leaf?: unknown } | undefined;
    if (typeof s?.seq !== "number" || typeof s.leaf !== "string") return;
    const byLeaf = this.#bySeq.get(s.seq) ?? new Map<string, number>();
    if (!byLeaf.has(s.leaf)) byLeaf.set(s.leaf, record.seq);
    this.#bySeq.set(s.seq, byLeaf);
  }

  /**
   * Second pass: call for every line whose record is a correction. Throws `LedgerError`
   * CHAIN_INVALID (the strict decoder's reason) when the first pass did not see it.
   *
   * @param line The correction's line.
   */
  confirm(line: RawLine): void {
    if (!this.#seen.has(line.index)) refuse(line, "correction line not in canonical form");
  }

  /**
   * True when a correction names `seq` (only then is its leaf hash needed).
   *
   * @param seq A record's seq.
   */
  named(seq: number): boolean {
    return this.#bySeq.has(seq);
  }

  /**
   * The seq of the first correction that names `seq` with `leaf`, else undefined.
   *
   * @param seq A record's seq.
   * @param leaf Its hex leaf hash.
   */
  supersededBy(seq: number, leaf: string): number | undefined {
    return this.#bySeq.get(seq)?.get(leaf);
  }

  /**
   * {@link supersededBy} for a line, hashing it only when a correction names `seq`.
   *
   * @param seq The record's seq.
   * @param line Its line.
   */
  lineSupersededBy(seq: number, line: RawLine): number | undefined {
    const byLeaf = this.#bySeq.get(seq);
    return byLeaf === undefined ? undefined : byLeaf.get(leafHex(line.bytes));
  }
}
