/**
 * Writing checkpoints of a ledger directory incrementally. The Merkle frontier of the last
 * checkpointed size is cached in `checkpoints/frontier.json` (`{"v":1,"size":N,"bytes":B,
 * "last_leaf":"<hex>","frontier":[...]}`), a cache rebuilt from `ledger.jsonl` when missing or
 * stale. Because every record links to the leaf hash of the line before it, checking the cached
 * last leaf against the line that ends at byte B pins the whole prefix, so a checkpoint after k
 * appends reads k lines and costs O(k + log n).
 *
 * Every file is written whole and fsynced under a temporary name, then renamed into place
 * (`replaceFileAtomic`), so a full disk or a crash leaves the old state or the new one. An empty
 * or partial archive note left by older versions (which wrote it in place) is rewritten when it is
 * a prefix of the note being signed; temporary files left by a crash are removed under the lock.
 *
 * @module
 */

import { type Checkpoint, checkpointText, openCheckpoint, signCheckpoint } from "./checkpoint.ts";
import { bytesEqual, fromBase64, toHex } from "./encoding.ts";
import { replaceFileAtomic, syncDir } from "../base/durable_file.ts";
import { isDiskFull, writeFailed } from "./disk_full.ts";
import type { SigningKey } from "./keys.ts";
import { LedgerError } from "./ledger_error.ts";
import {
  checkpointArchivePath,
  CHECKPOINTS_DIR,
  FRONTIER_FILE,
  LATEST_CHECKPOINT,
  LEDGER_JSONL,
  LEDGER_LOCK,
  readTail,
} from "./ledger_files.ts";
import { readLineBatches, readLines } from "./line_stream.ts";
import { type AccumulatorState, leafHash, MerkleAccumulator } from "./merkle.ts";
import { decodeRecordLine, RecordLineError } from "./record.ts";
import { noteVerifier } from "./signed_note.ts";

/**
 * What `writeCheckpoint` produced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type WrittenCheckpoint, writeCheckpoint } from "./checkpoint_writer.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * await initLedger(dir, { origin: "example.org/host-01", key });
 * const cp: WrittenCheckpoint = await writeCheckpoint(dir, key);
 * assert.equal(cp.linesRead, 0);
 * assert.equal(cp.archivePath, `${dir}/checkpoints/00000000000000000001.note`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface WrittenCheckpoint extends Checkpoint {
  /** The signed note text. */
  readonly note: string;
  /** Path of the archived copy. */
  readonly archivePath: string;
  /** Lines hashed for this checkpoint (k), 0 when nothing changed. */
  readonly linesRead: number;
}

interface Frontier {
  size: number;
  bytes: number;
  lastLeaf: Uint8Array;
  acc: MerkleAccumulator;
}

// In a canonical record the members after `body` (kid, prev, seq, sig, ts, type, v) are plain
// scalars, so the last `,"seq":` is the top-level one and `"prev":"<64 hex>"` sits right before it.
const SEQ_MARK = [0x2c, 0x22, 0x73, 0x65, 0x71, 0x22, 0x3a]; // ,"seq":
const PREV_MARK = [0x22, 0x70, 0x72, 0x65, 0x76, 0x22, 0x3a, 0x22]; // "prev":"
const END_MARK = [0x22, 0x76, 0x22, 0x3a, 0x31, 0x7d]; // "v":1}
const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");

function matchesAt(bytes: Uint8Array, at: number, mark: readonly number[]): boolean {
  if (at < 0 || at + mark.length > bytes.length) return false;
  for (let i = 0; i < mark.length; i++) if (bytes[at + i] !== mark[i]) return false;
  return true;
}

/** Seq and the offset of the 64 hex digits of `prev` in a record line, or null if not found. */
function linkOf(bytes: Uint8Array): { seq: number; prevAt: number } | null {
  if (!matchesAt(bytes, bytes.length - END_MARK.length, END_MARK)) return null;
  const floor = Math.max(0, bytes.length - 400);
  for (let at = bytes.length - SEQ_MARK.length; at >= floor; at--) {
    if (bytes[at] !== 0x2c || !matchesAt(bytes, at, SEQ_MARK)) continue;
    const prevAt = at - 65;
    if (!matchesAt(bytes, prevAt - PREV_MARK.length, PREV_MARK) || bytes[at - 1] !== 0x22) {
      return null;
    }
    let seq = 0;
    let i = at + SEQ_MARK.length;
    const first = i;
    for (; i < bytes.length && bytes[i] >= 0x30 && bytes[i] <= 0x39; i++) {
      seq = seq * 10 + bytes[i] - 0x30;
    }
    if (i === first || bytes[i] !== 0x2c || (bytes[first] === 0x30 && i - first > 1)) return null;
    return { seq, prevAt };
  }
  return null;
}

/** True when `bytes[at..at+64)` is the lowercase hex of `hash` (or 64 zeros when `hash` is null). */
function hexAt(bytes: Uint8Array, at: number, hash: Uint8Array | null): boolean {
  for (let k = 0; k < 32; k++) {
    const b = hash ? hash[k] : 0;
    if (bytes[at + 2 * k] !== HEX_DIGITS[b >> 4] || bytes[at + 2 * k + 1] !== HEX_DIGITS[b & 15]) {
      return false;
    }
  }
  return true;
}

async function loadFrontier(dir: string, input: Deno.FsFile): Promise<Frontier | null> {
  try {
    const raw = JSON.parse(await Deno.readTextFile(`${dir}/${FRONTIER_FILE}`));
    if (raw?.v !== 1 || !Number.isSafeInteger(raw.bytes) || raw.bytes <= 0 || raw.size <= 0) {
      return null;
    }
    const acc = MerkleAccumulator.fromState(
      { size: raw.size, frontier: raw.frontier } as AccumulatorState,
    );
    const tail = await readTail(input, raw.bytes);
    if (!tail.lastLine || tail.torn) return null;
    const lastLeaf = leafHash(tail.lastLine);
    if (toHex(lastLeaf) !== raw.last_leaf || linkOf(tail.lastLine)?.seq !== raw.size - 1) {
      return null;
    }
    return { size: raw.size, bytes: raw.bytes, lastLeaf, acc };
  } catch {
    return null;
  }
}

/**
 * Signs and stores a checkpoint of the complete lines of the ledger in `dir`: `checkpoint`
 * (latest, replaced atomically) and `checkpoints/<size>.note`. Runs under the ledger lock.
 * Refuses (LedgerError CHAIN_INVALID / CHECKPOINT_CONFLICT) when a new line does not link to the
 * one before it, or when the new checkpoint would be inconsistent with the latest one or with an
 * archived checkpoint of the same size: a log never signs two inconsistent checkpoints.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeCheckpoint } from "./checkpoint_writer.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * const cp = await writeCheckpoint(dir, key);
 * assert.equal(cp.size, 2);
 * assert.equal(await Deno.readTextFile(`${dir}/checkpoint`), cp.note);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeCheckpoint(dir: string, key: SigningKey): Promise<WrittenCheckpoint> {
  using lock = await Deno.open(`${dir}/${LEDGER_LOCK}`, {
    read: true,
    write: true,
    create: true,
    mode: 0o644,
  });
  using input = await Deno.open(`${dir}/${LEDGER_JSONL}`, { read: true }).catch((err) => {
    throw new LedgerError("NOT_A_LEDGER", `${dir} has no ${LEDGER_JSONL}`, {
      hint: "create it with 'carbon-ops ledger init'",
      cause: err,
    });
  });
  await lock.lock(true);
  try {
    await removeTempLeftovers(`${dir}/${CHECKPOINTS_DIR}`);
    const size = (await input.stat()).size;
    const end = (await readTail(input, size)).completeSize;
    const latest = await readLatest(dir);
    const origin = await originOf(dir);
    const cached = await loadFrontier(dir, input);
    const start = cached && cached.bytes <= end && (!latest || latest.size >= cached.size)
      ? cached
      : null;
    const acc = start ? start.acc : new MerkleAccumulator();
    let prevLeaf = start ? start.lastLeaf : null;
    let rootAtLatest: Uint8Array | null = latest && start && latest.size === start.size
      ? acc.root()
      : null;
    let linesRead = 0;
    const batches = readLineBatches(`${dir}/${LEDGER_JSONL}`, {
      start: start?.bytes ?? 0,
      end,
      startIndex: acc.size,
      reuse: true,
    });
    for await (const batch of batches) {
      for (const line of batch) {
        const link = linkOf(line.bytes);
        if (!link || link.seq !== line.index || !hexAt(line.bytes, link.prevAt, prevLeaf)) {
          let why = "its seq or prev does not link to the line before";
          try {
            decodeRecordLine(line.bytes);
          } catch (err) {
            if (err instanceof RecordLineError) why = `${err.code}: ${err.message}`;
          }
          throw new LedgerError(
            "CHAIN_INVALID",
            `line ${line.index + 1} (offset ${line.offset}) is not a valid link: ${why}`,
            {
              hint: "run 'carbon-ops ledger verify'; no checkpoint was signed",
            },
          );
        }
        prevLeaf = leafHash(line.bytes);
        acc.append(prevLeaf);
        linesRead++;
        if (latest && acc.size === latest.size) rootAtLatest = acc.root();
      }
    }
    const cp: Checkpoint = { origin, size: acc.size, root: acc.root() };
    if (latest) {
      if (latest.size > cp.size) {
        throw new LedgerError(
          "CHECKPOINT_CONFLICT",
          `the latest checkpoint has size ${latest.size} but the ledger has only ${cp.size} records`,
          {
            hint: "the ledger was truncated or rolled back; investigate before signing anything",
          },
        );
      }
      if (latest.size > 0 && (!rootAtLatest || !bytesEqual(rootAtLatest, latest.root))) {
        throw new LedgerError(
          "CHECKPOINT_CONFLICT",
          `the ledger's first ${latest.size} records no longer match the latest checkpoint`,
          {
            hint: "the ledger was rewritten; investigate before signing anything",
          },
        );
      }
    }
    const note = signCheckpoint(cp, key);
    const archivePath = checkpointArchivePath(dir, cp.size);
    const hint = `free space, then run 'carbon-ops ledger checkpoint ${dir}' again`;
    await storeArchive(dir, archivePath, note, cp, key, hint);
    try {
      await replaceFileAtomic(`${dir}/${LATEST_CHECKPOINT}`, note);
    } catch (err) {
      throw writeFailed(`writing ${dir}/${LATEST_CHECKPOINT} (size ${cp.size})`, err, hint);
    }
    if (prevLeaf) {
      const state = {
        v: 1,
        size: acc.size,
        bytes: end,
        "last_leaf": toHex(prevLeaf),
        frontier: acc.toState().frontier,
      };
      try {
        await replaceFileAtomic(`${dir}/${FRONTIER_FILE}`, JSON.stringify(state) + "\n");
      } catch (err) {
        // The frontier is a cache, checked against the ledger before use: with the disk full the
        // checkpoint above stands and the next one rebuilds (or reuses the older) frontier.
        if (!isDiskFull(err)) {
          throw writeFailed(`writing ${dir}/${FRONTIER_FILE}`, err, hint);
        }
      }
    }
    return { ...cp, note, archivePath, linesRead };
  } finally {
    await lock.unlock();
  }
}

const TEMP_LEFTOVER = /\.tmp-\d+-[0-9a-f]{8}$/;

/** Removes `<file>.tmp-<pid>-<random>` files that a crash left in `checkpoints/` (lock held). */
async function removeTempLeftovers(checkpointsDir: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(checkpointsDir)) {
      if (entry.isFile && TEMP_LEFTOVER.test(entry.name)) {
        await Deno.remove(`${checkpointsDir}/${entry.name}`);
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

async function storeArchive(
  dir: string,
  path: string,
  note: string,
  cp: Checkpoint,
  key: SigningKey,
  hint: string,
): Promise<void> {
  const step = `writing ${path}`;
  try {
    const created = await Deno.mkdir(`${dir}/${CHECKPOINTS_DIR}`).then(() => true, (e) => {
      if (e instanceof Deno.errors.AlreadyExists) return false;
      throw e;
    });
    if (created) await syncDir(dir);
  } catch (err) {
    throw writeFailed(step, err, hint);
  }
  const existing = await Deno.readTextFile(path).catch((err) => {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  });
  if (existing === note) return;
  // Empty or partial (a prefix of this very note: Ed25519 signatures are deterministic), or the
  // same checkpoint text with a partial signature: a leftover of an interrupted write, redone.
  const body = checkpointText(cp) + "\n";
  const leftover = existing !== null &&
    (note.startsWith(existing) || (existing.startsWith(body) && !verifies(existing, cp, key)));
  if (existing !== null && !leftover) {
    let old: Checkpoint;
    try {
      old = openCheckpoint(existing, [noteVerifier(cp.origin, key)]);
    } catch (err) {
      throw new LedgerError(
        "CHECKPOINT_CONFLICT",
        `${path} holds an unreadable or differently signed note for size ${cp.size}`,
        {
          hint: "inspect it (it may record a different root); move it away only if it is not a " +
            "checkpoint anyone received, then retry",
          cause: err,
        },
      );
    }
    if (!bytesEqual(old.root, cp.root)) {
      throw new LedgerError(
        "CHECKPOINT_CONFLICT",
        `${path} already holds a different root for size ${cp.size}`,
        {
          hint: "the ledger was rewritten; investigate before signing anything",
        },
      );
    }
    return;
  }
  try {
    await replaceFileAtomic(path, note);
  } catch (err) {
    throw writeFailed(step, err, hint);
  }
}

function verifies(note: string, cp: Checkpoint, key: SigningKey): boolean {
  try {
    openCheckpoint(note, [noteVerifier(cp.origin, key)]);
    return true;
  } catch {
    return false;
  }
}

async function readLatest(dir: string): Promise<{ size: number; root: Uint8Array } | null> {
  const text = await Deno.readTextFile(`${dir}/${LATEST_CHECKPOINT}`).catch(() => null);
  if (text === null) return null;
  const lines = text.split("\n");
  try {
    return { size: Number(lines[1]), root: fromBase64(lines[2]) };
  } catch {
    throw new LedgerError("CHECKPOINT_CONFLICT", `${dir}/${LATEST_CHECKPOINT} is unreadable`, {
      hint: "restore it from checkpoints/ or move it away",
    });
  }
}

/**
 * The origin named by the genesis record of the ledger in `dir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { originOf } from "./checkpoint_writer.ts";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const dir = await Deno.makeTempDir();
 * await initLedger(dir, { origin: "example.org/host-01", key: generateSigningKey() });
 * assert.equal(await originOf(dir), "example.org/host-01");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function originOf(dir: string): Promise<string> {
  for await (const line of readLines(`${dir}/${LEDGER_JSONL}`, { chunkBytes: 8192 })) {
    try {
      const { record } = decodeRecordLine(line.bytes);
      if (record.type === "genesis" && typeof record.body.origin === "string") {
        return record.body.origin;
      }
    } catch (err) {
      throw new LedgerError(
        "NOT_A_LEDGER",
        `the first line of ${dir}/${LEDGER_JSONL} is not a record`,
        { cause: err },
      );
    }
    break;
  }
  throw new LedgerError(
    "NOT_A_LEDGER",
    `${dir}/${LEDGER_JSONL} does not start with a genesis record`,
    { hint: "create ledgers with 'carbon-ops ledger init'" },
  );
}
