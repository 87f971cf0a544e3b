/**
 * Streaming verification of a ledger directory against a trust file and trusted checkpoints.
 * Memory stays flat: one chunk, the Merkle frontier, and per-key/per-checkpoint summaries; a
 * second pass runs only when corrections need their targets checked.
 *
 * @module
 */

import { toBase64, toHex } from "./encoding.ts";
import { Decimal } from "./decimal.ts";
import { LATEST_CHECKPOINT, LEDGER_JSONL, LEDGER_LOCK } from "./ledger_files.ts";
import { MAX_RECORD_BYTES, readLineBatches } from "./line_stream.ts";
import { LedgerFileError, openLedgerFileSync } from "./ledger_file_check.ts";
import { emptyRoot, leafHash, MerkleAccumulator } from "./merkle.ts";
import {
  decodeRecordLine,
  GENESIS_PREV,
  type LedgerRecord,
  RecordLineError,
  verifyRecordSignature,
} from "./record.ts";
import { checkBody } from "./record_types.ts";
import { checkCorrections, checkGenesis } from "./verify_records.ts";
import type { TrustFile } from "./trust.ts";
// Key rotation and compromise (issue 7): key lookups go through a KeyTimeline.
import { KeyTimeline } from "./rotation.ts";
import { compromiseAnchors } from "./rotation_trust.ts";
import { witnessFindings } from "./witness_check.ts";
import type { CompromisedKey } from "./compromised_keys.ts";
import {
  type CheckpointStatus,
  type IssueClass,
  verdictOf,
  type VerifyIssue,
  type VerifyReport,
} from "./verify_report.ts";
import {
  checkCheckpoints,
  parseCheckpointInputs,
  type ParsedCheckpointInput,
} from "./verify_checkpoints.ts";

const MAX_LISTED_ERRORS = 100;
const TRUST_CODES = new Set([
  "KEY_UNKNOWN",
  "KEY_ROLE",
  "KEY_OUT_OF_RANGE",
  "ORIGIN_MISMATCH",
  "KEY_ROTATED_OUT",
  "KEY_COMPROMISED",
]);

/**
 * A checkpoint to check the ledger against.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * import { writeCheckpoint } from "./checkpoint_writer.ts";
 * import { type CheckpointInput, verifyLedger } from "./verify.ts";
 * const cp: CheckpointInput = { source: "auditor copy", note: (await writeCheckpoint(dir, key)).note };
 * const report = await verifyLedger(dir, { trust, checkpoints: [cp], useLedgerCheckpoint: false });
 * assert.deepEqual(report.checkpoints.map((c) => c.status), ["consistent"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface CheckpointInput {
  /** Where it came from (shown in the report). */
  readonly source: string;
  /** The signed note text. */
  readonly note: string;
}

/**
 * Verifies the ledger in `dir`: every line canonical and well-formed, seq = line index, each
 * `prev` the leaf hash of the line before, genesis first, bodies valid, every signature by a key
 * the trust file allows for that seq, corrections pointing at real records, and the Merkle root
 * at each checkpoint's size equal to the checkpoint's root.
 *
 * @param options `trust` (required), `checkpoints` (default none), `useLedgerCheckpoint` (also
 *   check the directory's own `checkpoint` file; default true).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * import { verifyLedger } from "./verify.ts";
 * const report = await verifyLedger(dir, { trust });
 * assert.equal(report.status, "valid");
 * assert.equal(report.exitCode, 0);
 * assert.equal(report.entries, 2);
 * await Deno.writeTextFile(`${dir}/ledger.jsonl`, '{"bo', { append: true });
 * assert.equal((await verifyLedger(dir, { trust })).status, "torn");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function verifyLedger(
  dir: string,
  options: {
    trust: TrustFile;
    checkpoints?: readonly CheckpointInput[];
    useLedgerCheckpoint?: boolean;
    /** More keys marked compromised (the trust file's own `compromised` list always applies). */
    compromised?: readonly CompromisedKey[];
  },
): Promise<VerifyReport> {
  const trust = options.trust;
  const timeline = new KeyTimeline(trust, options.compromised ?? []);
  const inputs: CheckpointInput[] = [...(options.checkpoints ?? [])];
  if (options.useLedgerCheckpoint ?? true) {
    const own = await Deno.readTextFile(`${dir}/${LATEST_CHECKPOINT}`).catch(() => null);
    if (own !== null) inputs.push({ source: `${dir}/${LATEST_CHECKPOINT}`, note: own });
  }
  const parsed: ParsedCheckpointInput[] = parseCheckpointInputs(inputs, trust);
  const wanted = new Set(parsed.flatMap((p) => (p.checkpoint ? [p.checkpoint.size] : [])));
  const rootsAt = new Map<number, Uint8Array>();
  if (wanted.has(0)) rootsAt.set(0, emptyRoot());

  const errors: VerifyIssue[] = [];
  const warnings: VerifyIssue[] = [];
  const classes = new Set<IssueClass>();
  let errorCount = 0;
  const fail = (
    cls: IssueClass,
    code: string,
    message: string,
    at: { seq?: number | null; index?: number; offset?: number } = {},
  ) => {
    classes.add(cls);
    errorCount++;
    if (errors.length < MAX_LISTED_ERRORS) {
      errors.push({
        code,
        message,
        seq: at.seq ?? null,
        line: at.index === undefined ? null : at.index + 1,
        offset: at.offset ?? null,
      });
    }
  };

  const acc = new MerkleAccumulator();
  const keys = new Map<
    string,
    { kid: string; firstSeq: number; lastSeq: number; records: number; trusted: boolean }
  >();
  const byType: Record<string, number> = {};
  const corrections = new Map<number, { by: number; leaf: string }[]>();
  let co2e = Decimal.ZERO;
  let energy = Decimal.ZERO;
  let emissions = 0;
  let origin: string | null = null;
  let prevLeaf: Uint8Array | null = null;
  let lastTs = "";
  let lastRecord: LedgerRecord | null = null;
  const path = `${dir}/${LEDGER_JSONL}`;
  let end: number;
  try {
    // Strict input (issue 12): a FIFO, socket, device or directory is refused before open (a
    // FIFO would block forever), and EACCES names the owner, the mode and what to do.
    openLedgerFileSync(path).close();
    end = await stableSize(dir, path);
  } catch (err) {
    const code = err instanceof LedgerFileError && err.code === "LEDGER_NOT_REGULAR"
      ? "LEDGER_NOT_REGULAR"
      : "LEDGER_UNREADABLE";
    fail(
      "integrity",
      code,
      err instanceof LedgerFileError
        ? err.message
        : `cannot read ${path}: ${(err as Error).message}`,
    );
    end = -1;
  }

  if (end >= 0) {
    const lines = readLineBatches(path, { end, reuse: true, maxLineBytes: MAX_RECORD_BYTES });
    batches: for await (const batch of lines) {
      for (const line of batch) {
        const at = { seq: line.index, index: line.index, offset: line.offset };
        if (!line.terminated) {
          fail(
            "torn",
            "TORN_LAST_LINE",
            `the last ${
              line.oversize?.length ?? line.bytes.length
            } bytes have no newline (an interrupted write); the next append moves them to quarantine`,
            { ...at, seq: null },
          );
          break batches;
        }
        const leaf = line.oversize?.leaf ?? leafHash(line.bytes);
        const expectedPrev = prevLeaf ? toHex(prevLeaf) : GENESIS_PREV;
        prevLeaf = leaf;
        acc.append(leaf);
        if (wanted.has(acc.size)) rootsAt.set(acc.size, acc.root());
        if (line.oversize) {
          // Hashed while streaming, never buffered: the chain and the Merkle root stay checked.
          fail(
            "integrity",
            "RECORD_TOO_LARGE",
            `line ${
              line.index + 1
            } (seq ${line.index}) is ${line.oversize.length} bytes, over the ` +
              `${MAX_RECORD_BYTES}-byte record limit (docs/ledger-format.md); no writer produces ` +
              `such a line: treat it as tampering and restore the ledger from a trusted copy`,
            at,
          );
          continue;
        }
        let record: LedgerRecord;
        let text: string;
        try {
          ({ record, text } = decodeRecordLine(line.bytes));
        } catch (err) {
          if (!(err instanceof RecordLineError)) throw err;
          fail("integrity", err.code, err.message, at);
          continue;
        }
        lastRecord = record;
        if (record.seq !== line.index) {
          fail(
            "integrity",
            "SEQ_MISMATCH",
            `seq ${record.seq} on line ${line.index + 1} (expected ${line.index})`,
            at,
          );
        }
        if (record.prev !== expectedPrev) {
          fail(
            "integrity",
            "PREV_MISMATCH",
            `prev does not equal the leaf hash of the line before (record deleted, inserted, reordered or spliced)`,
            at,
          );
        }
        byType[record.type] = (byType[record.type] ?? 0) + 1;
        if (line.index === 0) {
          if (record.type !== "genesis") {
            fail(
              "integrity",
              "GENESIS_MISSING",
              `the first record is a ${record.type}, not genesis`,
              at,
            );
          } else {origin = checkGenesis(
              record,
              trust,
              (code, message) =>
                fail(TRUST_CODES.has(code) ? "trust" : "integrity", code, message, at),
            );}
        } else if (record.type === "genesis") {
          fail("integrity", "GENESIS_DUPLICATE", "a genesis record after the first line", at);
        }
        const problems = record.type === "genesis" ? [] : checkBody(record.type, record.body);
        if (problems.length) {
          fail(
            "integrity",
            problems[0].startsWith("unknown record type") ? "TYPE_UNKNOWN" : "BODY_INVALID",
            problems.slice(0, 3).join("; "),
            at,
          );
        }
        const lookup = timeline.lookup(record.kid, record.seq);
        const seen = keys.get(record.kid) ??
          {
            kid: record.kid,
            firstSeq: record.seq,
            lastSeq: record.seq,
            records: 0,
            trusted: lookup.ok || lookup.code !== "KEY_UNKNOWN",
          };
        seen.lastSeq = record.seq;
        seen.records++;
        keys.set(record.kid, seen);
        if (!lookup.ok) fail("trust", lookup.code, lookup.message, at);
        else if (!verifyRecordSignature(text, record, lookup.key, line.bytes)) {
          fail(
            "integrity",
            "BAD_SIGNATURE",
            "signature does not verify with the trusted key (record edited or re-signed)",
            at,
          );
        } else {
          const rotation = timeline.observe(record, origin ?? trust.origin);
          if (rotation) fail("integrity", rotation.code, rotation.message, at);
        }
        // Listed warnings are capped like errors: a hostile ledger must not grow memory.
        if (record.ts < lastTs && warnings.length < MAX_LISTED_ERRORS) {
          warnings.push({
            code: "CLOCK_BACKWARDS",
            message: `ts ${record.ts} is earlier than the previous record's ${lastTs}`,
            seq: record.seq,
            line: line.index + 1,
            offset: line.offset,
          });
        }
        lastTs = record.ts > lastTs ? record.ts : lastTs;
        if (record.type === "emission" && problems.length === 0) {
          const result = record.body.result as { co2e_g: string };
          co2e = co2e.add(Decimal.parse(result.co2e_g));
          energy = energy.add(
            Decimal.parse((record.body.activity as { energy_kwh: string }).energy_kwh),
          );
          emissions++;
        }
        if (record.type === "correction" && problems.length === 0) {
          const target = record.body.supersedes as { seq: number; leaf: string };
          if (target.seq >= record.seq) {
            fail(
              "integrity",
              "CORRECTION_TARGET",
              `supersedes seq ${target.seq}, which is not earlier`,
              at,
            );
          } else {corrections.set(target.seq, [...(corrections.get(target.seq) ?? []), {
              by: record.seq,
              leaf: target.leaf,
            }]);}
        }
      }
    }
  }
  if (end === 0) fail("integrity", "LEDGER_EMPTY", "the ledger has no records (not even genesis)");

  let superseded = 0;
  if (corrections.size > 0) {
    const out = await checkCorrections(path, { end, entries: acc.size }, corrections, {
      fail: (code, message, by) => fail("integrity", code, message, { seq: by, index: by }),
      warn: (w) => warnings.push(w),
    });
    superseded = out.superseded;
    co2e = co2e.add(out.co2eDelta);
    energy = energy.add(out.energyDelta);
    emissions += out.emissionsDelta;
  }

  const checkpoints: CheckpointStatus[] = checkCheckpoints(
    parsed,
    rootsAt,
    acc.size,
    (cls, code, message) => fail(cls, code, message),
    trust.origin,
  );
  const compromised = [...(trust.compromised ?? []), ...(options.compromised ?? [])];
  for (const anchor of compromiseAnchors(compromised, checkpoints)) {
    warnings.push({
      code: "COMPROMISE_ANCHORS",
      message: anchor.message,
      seq: null,
      line: null,
      offset: null,
    });
  }
  const ownSource = `${dir}/${LATEST_CHECKPOINT}`;
  const opened = inputs.filter((_, i) => parsed[i].checkpoint !== null)
    .map((c) => ({
      ...c,
      own: c.source === ownSource && !(options.checkpoints ?? []).includes(c),
    }));
  for (const w of witnessFindings(opened, trust)) {
    if (w.level === "error") fail(w.cls, w.code, w.message);
    else warnings.push({ code: w.code, message: w.message, seq: null, line: null, offset: null });
  }
  const verdict = verdictOf(classes);
  return {
    ...verdict,
    origin,
    entries: acc.size,
    head: lastRecord && prevLeaf
      ? { seq: acc.size - 1, leaf: toHex(prevLeaf), root: toBase64(acc.root()) }
      : null,
    checkpoints,
    keys: [...keys.values()],
    errors,
    errorCount,
    warnings,
    totals: { byType, emissions, co2eG: co2e.toString(), energyKwh: energy.toString(), superseded },
  };
}

/**
 * The ledger size to verify up to: read under a shared lock on `ledger.lock` when there is one,
 * so a line a writer is still writing is not mistaken for a torn one. Without a lock file (an
 * auditor's copy) it is the plain size.
 */
async function stableSize(dir: string, path: string): Promise<number> {
  let lock: Deno.FsFile | null = null;
  try {
    lock = await Deno.open(`${dir}/${LEDGER_LOCK}`, { read: true });
  } catch {
    return (await Deno.stat(path)).size;
  }
  try {
    await lock.lock(false);
    return (await Deno.stat(path)).size;
  } finally {
    lock.close();
  }
}
