/**
 * Durable, concurrent appends. Each append takes an exclusive flock on `ledger.lock`, establishes
 * the chain head (repairing a torn last line into quarantine with a `note` record), writes the
 * whole line with one write to `ledger.jsonl` opened O_APPEND, `fdatasync`s, and only then
 * resolves. An fsync error poisons the writer: it refuses every later append.
 *
 * The hot path uses synchronous file calls (each async call costs a thread hand-off, which was
 * most of an append's overhead); the `fdatasync` therefore blocks the event loop for the time the
 * disk takes to flush. Waiting for a lock held by another writer does not block the event loop.
 *
 * @module
 */

import { type Clock, rfc3339, systemClock } from "../base/clock.ts";
import { openExplained } from "../base/permission_denied.ts";
import { canonicalize, JsonCanonError, type JsonValue } from "./canonical_json.ts";
import { bytesEqual, toHex } from "./encoding.ts";
import type { SigningKey } from "./keys.ts";
import { LedgerError } from "./ledger_error.ts";
import { checkLedgerFile, LedgerFileError } from "./ledger_file_check.ts";
import { MAX_RECORD_BYTES } from "./line_stream.ts";
import { LEDGER_JSONL, LEDGER_LOCK, readAtSync } from "./ledger_files.ts";
import { type RecordBody, signRecord } from "./record.ts";
import { checkBody } from "./record_types.ts";
import { type Head, readHead } from "./head.ts";
import { assertKeyNotRetired, noteRotation } from "./retired_keys.ts";

/**
 * What an append wrote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { type AppendResult, LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   const r: AppendResult = await ledger.append("note", { text: "hello" });
 *   assert.equal(r.seq, 1);
 *   assert.equal(r.repair, undefined);
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface AppendResult {
  /** Sequence number of the record. */
  readonly seq: number;
  /** Hex RFC 6962 leaf hash of its line. */
  readonly leaf: string;
  /** Byte offset of the line. */
  readonly offset: number;
  /** The stored line (without `\n`). */
  readonly line: string;
  /** Present when a torn last line was repaired first. */
  readonly repair?: RepairInfo;
}

/**
 * A torn-line repair done before an append.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter, type RepairInfo } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * await initLedger(dir, { origin: "example.org/host-01", key });
 * await Deno.writeTextFile(`${dir}/ledger.jsonl`, '{"bo', { append: true });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   const repair: RepairInfo | undefined = (await ledger.append("note", { text: "hello" })).repair;
 *   assert.equal(repair?.length, 4);
 *   assert.equal(await Deno.readTextFile(`${dir}/${repair?.quarantine}`), '{"bo');
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface RepairInfo {
  /** Offset of the torn bytes (= new end of the complete lines). */
  readonly offset: number;
  /** Number of bytes moved aside. */
  readonly length: number;
  /** Hex SHA-256 of those bytes. */
  readonly sha256: string;
  /** Quarantine file, relative to the ledger directory. */
  readonly quarantine: string;
  /** Seq of the `note` record describing the repair. */
  readonly noteSeq: number;
}

/**
 * An open ledger for appending. One instance serialises its own appends; separate processes
 * serialise through the lock file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const init = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   const { seq, line } = await ledger.append("note", { text: "hello" });
 *   assert.equal(seq, 1);
 *   assert.match(line, new RegExp(`"prev":"${init.genesisLeaf}"`));
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class LedgerWriter implements AsyncDisposable {
  readonly #dir: string;
  readonly #key: SigningKey;
  readonly #clock: Clock;
  readonly #lock: Deno.FsFile;
  readonly #out: Deno.FsFile;
  readonly #in: Deno.FsFile;
  #head: Head | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #failed: Error | null = null;
  #recheckRetired = true;

  private constructor(
    dir: string,
    key: SigningKey,
    clock: Clock,
    files: { lock: Deno.FsFile; out: Deno.FsFile; input: Deno.FsFile },
  ) {
    this.#dir = dir;
    this.#key = key;
    this.#clock = clock;
    this.#lock = files.lock;
    this.#out = files.out;
    this.#in = files.input;
  }

  /**
   * Opens the ledger in `dir` (which `initLedger` created).
   *
   * @param options `key` signing key (required), `clock` (default the system clock).
   */
  static async open(
    dir: string,
    options: { key: SigningKey; clock?: Clock },
  ): Promise<LedgerWriter> {
    const path = `${dir}/${LEDGER_JSONL}`;
    try {
      checkLedgerFile(path); // a FIFO would block the open below forever
    } catch (err) {
      if (err instanceof LedgerFileError && err.code !== "LEDGER_MISSING") {
        throw new LedgerError("NOT_A_LEDGER", err.message, { cause: err });
      }
      throw new LedgerError("NOT_A_LEDGER", `${dir} has no ${LEDGER_JSONL}`, {
        hint: "create it with 'carbon-ops ledger init'",
        cause: err,
      });
    }
    // Permission denied names the owner, the mode and the next step (permission_denied.ts).
    const lockPath = `${dir}/${LEDGER_LOCK}`;
    const lock = await openExplained(lockPath, {
      read: true,
      write: true,
      create: true,
      mode: 0o644,
    }, "open the ledger lock");
    const out = await openExplained(path, { append: true }, "append to the ledger").catch((e) => {
      lock.close();
      throw e;
    });
    const input = await openExplained(path, { read: true }, "read the ledger").catch((e) => {
      lock.close();
      out.close();
      throw e;
    });
    return new LedgerWriter(dir, options.key, options.clock ?? systemClock, { lock, out, input });
  }

  /**
   * Validates `body` for `type` (emission, note, correction), then appends a signed record.
   * Throws `LedgerError` (BODY_INVALID, HEAD_INVALID, CORRECTION_TARGET, FSYNC_FAILED, ...).
   */
  append(type: string, body: JsonValue): Promise<AppendResult> {
    const run = this.#queue.then(() => this.#appendNow(type, body));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #appendNow(type: string, body: JsonValue): Promise<AppendResult> {
    if (this.#failed) {
      throw new LedgerError("WRITER_FAILED", "this writer stopped after an earlier fsync failure", {
        cause: this.#failed,
      });
    }
    if (type === "genesis") {
      throw new LedgerError("BODY_INVALID", "genesis records are written only by 'ledger init'");
    }
    const problems = checkBody(type, body);
    if (problems.length > 0) {
      throw new LedgerError(
        "BODY_INVALID",
        `${type} body is invalid: ${problems.slice(0, 5).join("; ")}`,
        { problems },
      );
    }
    try {
      canonicalize(body);
    } catch (err) {
      if (err instanceof JsonCanonError) {
        throw new LedgerError("BODY_INVALID", `${type} body: ${err.message}`, {
          problems: [err.message],
          cause: err,
        });
      }
      throw err;
    }
    // Uncontended: take the lock without a thread hand-off; contended: wait without blocking.
    if (!this.#lock.tryLockSync(true)) await this.#lock.lock(true);
    try {
      const cached = this.#cachedHead();
      // Rotation guard (retired_keys.ts). Rotations are ledger records appended under this lock,
      // so while the file still ends with this writer's last record, and that record was not a
      // rotation, nothing can have been retired since the last check (which costs ~20 us).
      if (!cached || this.#recheckRetired) assertKeyNotRetired(this.#dir, this.#key.kid);
      this.#recheckRetired = type === "key_rotation";
      let head = cached ?? await this.#establishHead();
      let repair: RepairInfo | undefined;
      if (head.torn) {
        const repaired = await this.#repair(head.head, head.torn);
        head = { head: repaired.head, torn: null };
        repair = repaired.info;
      }
      if (type === "correction") {
        const target = (body as RecordBody).supersedes as { seq: number; leaf: string };
        // Loaded here: only corrections need it, and every cron append pays for what loads.
        const { checkSupersedesTarget } = await import("./query.ts");
        await checkSupersedesTarget(`${this.#dir}/${LEDGER_JSONL}`, target, head.head);
      }
      const result = this.#write(head.head, type, body as RecordBody);
      if (type === "key_rotation") await noteRotation(this.#dir, body as RecordBody, result.seq);
      return repair ? { ...result, repair } : result;
    } finally {
      this.#lock.unlockSync();
    }
  }

  /** The head this writer last wrote, if the file still ends with it (same size, same last line). */
  #cachedHead(): { head: Head; torn: null } | null {
    const cached = this.#head;
    if (!cached || this.#out.statSync().size !== cached.size) return null;
    const again = readAtSync(
      this.#in,
      cached.size - cached.lastLine.length - 1,
      cached.lastLine.length + 1,
    );
    if (again[again.length - 1] === 0x0a && bytesEqual(again.subarray(0, -1), cached.lastLine)) {
      return { head: cached, torn: null };
    }
    return null;
  }

  async #establishHead(): Promise<{ head: Head; torn: Uint8Array | null }> {
    this.#head = null;
    return await readHead(this.#dir, this.#in, this.#out.statSync().size, this.#key);
  }

  async #repair(head: Head, torn: Uint8Array): Promise<{ head: Head; info: RepairInfo }> {
    // Throws LedgerError HEAD_INVALID (conflicting quarantine file) or WRITE_FAILED (e.g. disk
    // full); either way nothing was appended and ledger.jsonl is untouched, so the writer stays
    // usable and the next append redoes the repair (no poisoning: no ledger fsync failed).
    // Loaded here: only a torn tail needs it (start-up of every append stays small).
    const { quarantineTorn } = await import("./quarantine.ts");
    const moved = await quarantineTorn(this.#dir, head.size, torn);
    await this.#out.truncate(head.size);
    await this.#fatalSync(() => this.#out.sync());
    const repair = {
      offset: head.size,
      length: torn.length,
      sha256: moved.sha256,
      quarantine: moved.quarantine,
    };
    const note = {
      text:
        `repaired a torn last line: moved ${torn.length} bytes at offset ${head.size} to ${repair.quarantine}`,
      kind: "repair",
      repair,
    };
    const written = this.#write(head, "note", note);
    return { head: this.#head!, info: { ...repair, noteSeq: written.seq } };
  }

  #write(head: Head, type: string, body: RecordBody): AppendResult {
    const signed = signRecord(
      { seq: head.seq + 1, ts: rfc3339(this.#clock.nowMs()), type, body, prev: toHex(head.leaf) },
      this.#key,
    );
    if (signed.lineBytes.length > MAX_RECORD_BYTES) {
      // Checked before any byte is written: verify reports such a line as RECORD_TOO_LARGE.
      throw new LedgerError(
        "BODY_INVALID",
        `the ${type} record would be ${signed.lineBytes.length} bytes, over the ` +
          `${MAX_RECORD_BYTES}-byte record limit; nothing was written`,
        { hint: "shorten the body (e.g. the note text or labels); see docs/ledger-format.md" },
      );
    }
    const bytes = new Uint8Array(signed.lineBytes.length + 1);
    bytes.set(signed.lineBytes);
    bytes[bytes.length - 1] = 0x0a;
    let done = 0;
    try {
      while (done < bytes.length) done += this.#out.writeSync(bytes.subarray(done));
    } catch (err) {
      // E.g. ENOSPC after a short write: the partial line is torn and the next append repairs it.
      throw new LedgerError(
        "WRITE_FAILED",
        `writing seq ${signed.record.seq} to ${this.#dir}/${LEDGER_JSONL} failed after ${done} of ${bytes.length} bytes: ${
          (err as Error).message
        }`,
        {
          hint: "free space or fix the disk; the next append moves any partial line to quarantine",
          cause: err,
        },
      );
    }
    this.#fatalSyncNow(() => this.#out.syncDataSync());
    this.#head = {
      size: head.size + bytes.length,
      seq: signed.record.seq,
      lastLine: signed.lineBytes,
      leaf: signed.leaf,
      ts: signed.record.ts,
    };
    return {
      seq: signed.record.seq,
      leaf: toHex(signed.leaf),
      offset: head.size,
      line: signed.line,
    };
  }

  async #fatalSync(sync: () => Promise<void>): Promise<void> {
    try {
      await sync();
    } catch (err) {
      this.#poison(err);
    }
  }

  #fatalSyncNow(sync: () => void): void {
    try {
      sync();
    } catch (err) {
      this.#poison(err);
    }
  }

  #poison(err: unknown): never {
    this.#failed = err instanceof Error ? err : new Error(String(err));
    throw new LedgerError(
      "FSYNC_FAILED",
      `fsync failed in ${this.#dir}: ${(err as Error).message}`,
      {
        hint:
          "the last append may not be durable; check the disk, then run 'carbon-ops ledger verify'",
        cause: err,
      },
    );
  }

  /** Closes the files (waits for queued appends). */
  async close(): Promise<void> {
    await this.#queue;
    for (const f of [this.#out, this.#in, this.#lock]) {
      try {
        f.close();
      } catch { /* already closed */ }
    }
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
