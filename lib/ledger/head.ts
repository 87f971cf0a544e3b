/**
 * Establishing the chain head of a ledger file: its last complete record (which must decode,
 * and verify when signed with the writer's own key) and any torn bytes after it.
 *
 * @module
 */

import type { SigningKey } from "./keys.ts";
import { LedgerError } from "./ledger_error.ts";
import { LEDGER_JSONL, readTail } from "./ledger_files.ts";
import { leafHash } from "./merkle.ts";
import {
  decodeRecordLine,
  type LedgerRecord,
  RecordLineError,
  verifyRecordSignature,
} from "./record.ts";

/**
 * The last complete record of a ledger file, as a writer needs it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Head } from "./head.ts";
 * const head: Head = { size: 120, seq: 0, lastLine: new Uint8Array(), leaf: new Uint8Array(32), ts: "2026-01-01T00:00:00.000Z" };
 * assert.equal(head.seq + 1, 1);
 * ```
 */
export interface Head {
  /** Bytes up to and including the record's newline. */
  size: number;
  /** Its seq. */
  seq: number;
  /** Its line, without the newline. */
  lastLine: Uint8Array;
  /** Its RFC 6962 leaf hash (the next record's `prev`). */
  leaf: Uint8Array;
  /** Its timestamp. */
  ts: string;
}

/**
 * Reads the head of the ledger file open as `input` (of `size` bytes). Throws `LedgerError`
 * HEAD_INVALID when there is no complete record or the last one is invalid: a writer must then
 * refuse to append rather than write an unlinked record.
 *
 * @returns The head and the torn bytes after it (null when the file ends with a newline).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readHead } from "./head.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * await initLedger(dir, { origin: "example.org/host-01", key });
 * await Deno.writeTextFile(`${dir}/ledger.jsonl`, '{"bod', { append: true });
 * {
 *   using input = await Deno.open(`${dir}/ledger.jsonl`);
 *   const { head, torn } = await readHead(dir, input, (await input.stat()).size, key);
 *   assert.equal(head.seq, 0);
 *   assert.equal(new TextDecoder().decode(torn!), '{"bod');
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readHead(
  dir: string,
  input: Deno.FsFile,
  size: number,
  key: SigningKey,
): Promise<{ head: Head; torn: Uint8Array | null }> {
  const tail = await readTail(input, size);
  if (!tail.lastLine) {
    throw new LedgerError(
      "HEAD_INVALID",
      `${dir}/${LEDGER_JSONL} has no complete record (${size} bytes)`,
      {
        hint:
          "an empty ledger cannot be appended to; initialise a new one with 'carbon-ops ledger init'",
      },
    );
  }
  let record: LedgerRecord;
  try {
    const decoded = decodeRecordLine(tail.lastLine);
    record = decoded.record;
    if (record.kid === key.kid && !verifyRecordSignature(decoded.text, record, key)) {
      throw new RecordLineError(
        "RECORD_INVALID",
        "its signature by this writer's key does not verify",
      );
    }
  } catch (err) {
    const why = err instanceof RecordLineError ? `${err.code}: ${err.message}` : String(err);
    throw new LedgerError(
      "HEAD_INVALID",
      `cannot establish the chain head: the last record (offset ${tail.lastLineOffset}) is invalid (${why})`,
      {
        hint:
          "run 'carbon-ops ledger verify' and restore the ledger from a verified copy; nothing was written",
        cause: err,
      },
    );
  }
  const head: Head = {
    size: tail.completeSize,
    seq: record.seq,
    lastLine: tail.lastLine,
    leaf: leafHash(tail.lastLine),
    ts: record.ts,
  };
  return { head, torn: tail.torn };
}
