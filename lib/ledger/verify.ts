/**
 * Streaming verification of a ledger directory against a trust file and trusted checkpoints.
 * Memory stays flat: one chunk, the Merkle frontier, and per-key/per-checkpoint summaries; a
 * second pass runs only when corrections need their targets checked.
 *
 * @module
 */

import { toBase64, toHex } from "./encoding.ts";
import { Decimal } from "./decimal.ts";
import { LATEST_CHECKPOINT, LEDGER_JSONL, ledgerSizeUnderLock } from "./ledger_files.ts";
import { MAX_RECORD_BYTES, type RawLine, readLineBatches } from "./line_stream.ts";
import { LedgerFileError, openLedgerFileSync } from "./ledger_file_check.ts";
import { emptyRoot, HASH_BYTES, MerkleAccumulator } from "./merkle.ts";
import { GENESIS_PREV, verifyRecordSignature } from "./record.ts";
import type { VerifyingKey } from "./keys.ts";
import type { NoteInput } from "./signed_note.ts";
import {
  BatchCursor,
  type BatchFacts,
  checkLines,
  type LineFacts,
  LineKeys,
  type LineKeySpec,
} from "./verify_lines.ts";
import { VerifyPool } from "./verify_parallel.ts";
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
  /** The signed note: its bytes as read (checked as strict UTF-8), or text built in memory. */
  readonly note: NoteInput;
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
    /**
     * Workers for the per-line checks (signatures, canonical form, schemas): 1 (the default)
     * checks in this thread; N > 1 starts a pool of N workers for this call and stops it at
     * the end. Ignored when `pool` is given.
     */
    jobs?: number;
    /** A pool to use (the caller closes it); lets many verifications share workers. */
    pool?: VerifyPool;
    /** Most lines per batch handed to a worker (default 512; tests use tiny batches). */
    batchLines?: number;
    /** Stops verification (rejecting with the signal's reason); workers are stopped too. */
    signal?: AbortSignal;
  },
): Promise<VerifyReport> {
  const trust = options.trust;
  const timeline = new KeyTimeline(trust, options.compromised ?? []);
  const inputs: CheckpointInput[] = [...(options.checkpoints ?? [])];
  if (options.useLedgerCheckpoint ?? true) {
    const own = await Deno.readFile(`${dir}/${LATEST_CHECKPOINT}`).catch(() => null);
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
  /** Latest record ts so far, in milliseconds since the epoch. */
  let lastTsMs = -Infinity;
  let anyRecord = false;
  const path = `${dir}/${LEDGER_JSONL}`;
  let end: number;
  try {
    // Strict input (issue 12): a FIFO, socket, device or directory is refused before open (a
    // FIFO would block forever), and EACCES names the owner, the mode and what to do.
    openLedgerFileSync(path).close();
    end = await ledgerSizeUnderLock(dir, path);
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

  // The per-line checks (verify_lines.ts) run here or on the pool's workers; their facts are
  // folded below strictly in line order, so both give the same report.
  const lineKeys = new LineKeys();
  // This thread checks lines too when the workers are busy, so N jobs = N - 1 workers.
  const ownPool = options.pool === undefined && (options.jobs ?? 1) > 1 && end > 0
    ? new VerifyPool({ workers: options.jobs! - 1 })
    : null;
  const pool = options.pool ?? ownPool;
  const batchLines = options.batchLines ?? 512;
  const signal = options.signal;

  /** Folds the facts of one line, in order. */
  const foldLine = (
    f: LineFacts,
    leaf: Uint8Array,
    line: { index: number; offset: number },
  ) => {
    const at = { seq: line.index, index: line.index, offset: line.offset };
    const linked = f.prevLinked ?? (f.prev === (prevLeaf ? toHex(prevLeaf) : GENESIS_PREV));
    prevLeaf = leaf;
    acc.append(leaf);
    if (wanted.has(acc.size)) rootsAt.set(acc.size, acc.root());
    if (f.error !== null) {
      fail("integrity", f.error.code, f.error.message, at);
      return;
    }
    anyRecord = true;
    if (f.seq !== line.index) {
      fail(
        "integrity",
        "SEQ_MISMATCH",
        `seq ${f.seq} on line ${line.index + 1} (expected ${line.index})`,
        at,
      );
    }
    if (!linked) {
      fail(
        "integrity",
        "PREV_MISMATCH",
        `prev does not equal the leaf hash of the line before (record deleted, inserted, reordered or spliced)`,
        at,
      );
    }
    byType[f.type] = (byType[f.type] ?? 0) + 1;
    if (line.index === 0) {
      if (f.type !== "genesis") {
        fail("integrity", "GENESIS_MISSING", `the first record is a ${f.type}, not genesis`, at);
      } else {
        origin = checkGenesis(
          f.record!,
          trust,
          (code, message) => fail(TRUST_CODES.has(code) ? "trust" : "integrity", code, message, at),
        );
      }
    } else if (f.type === "genesis") {
      fail("integrity", "GENESIS_DUPLICATE", "a genesis record after the first line", at);
    }
    if (f.bodyIssue !== null) fail("integrity", f.bodyIssue.code, f.bodyIssue.message, at);
    const lookup = timeline.lookup(f.kid, f.seq);
    const seen = keys.get(f.kid) ??
      {
        kid: f.kid,
        firstSeq: f.seq,
        lastSeq: f.seq,
        records: 0,
        trusted: lookup.ok || lookup.code !== "KEY_UNKNOWN",
      };
    seen.lastSeq = f.seq;
    seen.records++;
    keys.set(f.kid, seen);
    if (!lookup.ok) fail("trust", lookup.code, lookup.message, at);
    else if (!signatureHolds(f, lookup.key)) {
      fail(
        "integrity",
        "BAD_SIGNATURE",
        "signature does not verify with the trusted key (record edited or re-signed)",
        at,
      );
    } else if (f.type === "key_rotation") {
      const rotation = timeline.observe(f.record!, origin ?? trust.origin);
      if (rotation) fail("integrity", rotation.code, rotation.message, at);
    }
    // Listed warnings are capped like errors: a hostile ledger must not grow memory.
    if (f.tsMs < lastTsMs && warnings.length < MAX_LISTED_ERRORS) {
      // A record ts is YYYY-MM-DDTHH:MM:SS.sssZ, which toISOString writes back exactly.
      const ts = new Date(f.tsMs).toISOString();
      warnings.push({
        code: "CLOCK_BACKWARDS",
        message: `ts ${ts} is earlier than the previous record's ${
          new Date(lastTsMs).toISOString()
        }`,
        seq: f.seq,
        line: line.index + 1,
        offset: line.offset,
      });
    }
    if (f.tsMs > lastTsMs) lastTsMs = f.tsMs;
    if (f.type === "correction" && f.bodyIssue === null) {
      const target = f.record!.body.supersedes as { seq: number; leaf: string };
      if (target.seq >= f.seq) {
        fail(
          "integrity",
          "CORRECTION_TARGET",
          `supersedes seq ${target.seq}, which is not earlier`,
          at,
        );
      } else {
        const claims = corrections.get(target.seq);
        const claim = { by: f.seq, leaf: target.leaf };
        if (claims) claims.push(claim);
        else corrections.set(target.seq, [claim]);
      }
    }
  };

  /**
   * The signature verdict with the key the trust rules picked: the per-line check's when it
   * used that very key, else checked here (keys introduced by a rotation, until the workers
   * have them).
   */
  const signatureHolds = (f: LineFacts, key: VerifyingKey): boolean => {
    if (f.signature !== "unchecked" && lineKeys.answersFor(f.kid, key)) {
      return f.signature === "ok";
    }
    if (f.signature === "unchecked" && key.kid === f.kid) {
      const spec = lineKeys.add(key);
      if (spec && pool) pool.setKeys([spec], false);
    }
    return verifyRecordSignature(f.text!, f.record!, key, f.bytes!);
  };

  const foldBatch = (
    facts: BatchFacts,
    first: number,
    offsets: readonly number[],
  ) => {
    emissions += facts.emissions;
    co2e = co2e.add(new Decimal(facts.co2eG.units, facts.co2eG.scale));
    energy = energy.add(new Decimal(facts.energyKwh.units, facts.energyKwh.scale));
    const cursor = new BatchCursor(facts);
    for (let i = 0; i < facts.count; i++) {
      const leaf = facts.leaves.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
      foldLine(cursor.at(i), leaf, { index: first + i, offset: offsets[i] });
    }
  };

  /** Folds an oversize line; false for a torn last line (verification stops there). */
  const foldSpecial = (line: RawLine): boolean => {
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
      return false;
    }
    const leaf = line.oversize!.leaf;
    prevLeaf = leaf;
    acc.append(leaf);
    if (wanted.has(acc.size)) rootsAt.set(acc.size, acc.root());
    // Hashed while streaming, never buffered: the chain and the Merkle root stay checked.
    fail(
      "integrity",
      "RECORD_TOO_LARGE",
      `line ${line.index + 1} (seq ${line.index}) is ${line.oversize!.length} bytes, over the ` +
        `${MAX_RECORD_BYTES}-byte record limit (docs/ledger-format.md); no writer produces ` +
        `such a line: treat it as tampering and restore the ledger from a trusted copy`,
      at,
    );
    return true;
  };

  type Step =
    | {
      kind: "lines";
      facts: Promise<BatchFacts> | BatchFacts;
      ready: boolean;
      first: number;
      offsets: number[];
    }
    | { kind: "special"; line: RawLine; ready: true };
  const queue: Step[] = [];
  let stopped = false;
  const turn = pool ? new EventLoopTurn() : null;
  /** Folds the oldest queued step. */
  const foldNext = async () => {
    const step = queue.shift()!;
    if (stopped) return;
    if (step.kind === "special") stopped = !foldSpecial(step.line);
    else foldBatch(await step.facts, step.first, step.offsets);
  };

  try {
    if (end >= 0) {
      const initial: LineKeySpec[] = [];
      for (const t of trust.keys) {
        const spec = lineKeys.add(t.key);
        if (spec) initial.push(spec);
      }
      pool?.setKeys(initial, true);
      // Batches pending per worker before this thread checks one itself: enough that a worker
      // stays busy while this thread checks the rest of a read chunk (it learns that a worker
      // finished only when it waits for the next chunk).
      const depth = 4;
      // Steps queued at most: enough to keep every worker busy while this thread checks too.
      const queued = pool ? (depth + 2) * (pool.size + 1) : 0;
      const lines = readLineBatches(path, {
        end,
        reuse: true,
        maxLineBytes: MAX_RECORD_BYTES,
        chunkBytes: 256 * 1024,
      });
      batches: for await (const batch of lines) {
        signal?.throwIfAborted();
        let from = 0;
        while (from < batch.length) {
          let to = from;
          while (to < batch.length && to - from < batchLines && isPlain(batch[to])) to++;
          if (to === from) {
            const line = batch[from++];
            if (!pool) {
              if (!foldSpecial(line)) break batches;
              continue;
            }
            // Bytes of a torn line may be views of the read buffer: keep a copy while queued.
            queue.push({
              kind: "special",
              line: { ...line, bytes: line.bytes.slice() },
              ready: true,
            });
            continue;
          }
          const segment = batch.slice(from, to);
          const bytes = segment.map((l) => l.bytes);
          const offsets = segment.map((l) => l.offset);
          // This thread learns that a worker finished only in a turn of the event loop: take
          // one before checking a batch here, so no worker waits idle for work meanwhile.
          if (pool && !pool.hasRoom(depth)) await turn?.next();
          if (pool && pool.hasRoom(depth)) {
            const facts = pool.check(bytes);
            const step: Step = {
              kind: "lines",
              facts,
              ready: false,
              first: segment[0].index,
              offsets,
            };
            // A rejection is handled when the step is folded; until then it must not surface.
            facts.then(() => step.ready = true, () => step.ready = true);
            queue.push(step);
          } else if (pool) {
            const facts = checkLines(bytes, lineKeys);
            queue.push({ kind: "lines", facts, ready: true, first: segment[0].index, offsets });
          } else {
            foldBatch(checkLines(bytes, lineKeys), segment[0].index, offsets);
          }
          from = to;
          while (queue.length > 0 && (queue[0].ready || queue.length > queued)) await foldNext();
        }
        if (stopped) break batches;
      }
      while (queue.length > 0) {
        signal?.throwIfAborted();
        await foldNext();
      }
    }
  } finally {
    turn?.close();
    ownPool?.close();
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
    head: anyRecord && prevLeaf
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
 * Waits for one turn of the event loop (a task, not a microtask: messages from workers that
 * arrived meanwhile are delivered first), through a message channel (timers may be clamped).
 */
class EventLoopTurn {
  readonly #channel = new MessageChannel();
  #waiting: (() => void)[] = [];

  constructor() {
    this.#channel.port1.onmessage = () => this.#waiting.shift()?.();
  }

  next(): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiting.push(resolve);
    this.#channel.port2.postMessage(null);
    return promise;
  }

  close(): void {
    this.#channel.port1.close();
    this.#channel.port2.close();
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}

/** A complete line within the record limit (one the per-line checks take). */
function isPlain(line: RawLine): boolean {
  return line.terminated && line.oversize === undefined;
}
