/**
 * File names inside a ledger directory (format v1) and positioned-read helpers.
 *
 * @module
 */

/**
 * The record lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LEDGER_JSONL } from "./ledger_files.ts";
 * assert.equal(`/var/lib/ledger/${LEDGER_JSONL}`, "/var/lib/ledger/ledger.jsonl");
 * ```
 */
export const LEDGER_JSONL = "ledger.jsonl";
/**
 * The lock file every writer takes an exclusive flock on (never renamed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LEDGER_LOCK } from "./ledger_files.ts";
 * assert.equal(LEDGER_LOCK, "ledger.lock");
 * ```
 */
export const LEDGER_LOCK = "ledger.lock";
/**
 * The latest checkpoint (signed note).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LATEST_CHECKPOINT } from "./ledger_files.ts";
 * assert.equal(LATEST_CHECKPOINT, "checkpoint");
 * ```
 */
export const LATEST_CHECKPOINT = "checkpoint";
/**
 * Every checkpoint ever written: `checkpoints/<size, 20 digits>.note`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkpointArchivePath, CHECKPOINTS_DIR } from "./ledger_files.ts";
 * assert.ok(checkpointArchivePath("/l", 1).startsWith(`/l/${CHECKPOINTS_DIR}/`));
 * ```
 */
export const CHECKPOINTS_DIR = "checkpoints";
/**
 * Cached Merkle frontier for incremental checkpoints (rebuildable from the ledger).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CHECKPOINTS_DIR, FRONTIER_FILE } from "./ledger_files.ts";
 * assert.ok(FRONTIER_FILE.startsWith(`${CHECKPOINTS_DIR}/`));
 * ```
 */
export const FRONTIER_FILE = "checkpoints/frontier.json";
/**
 * Torn bytes moved aside by repairs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { QUARANTINE_DIR } from "./ledger_files.ts";
 * assert.equal(QUARANTINE_DIR, "quarantine");
 * ```
 */
export const QUARANTINE_DIR = "quarantine";

/**
 * Path of the archived checkpoint of tree size `size`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkpointArchivePath } from "./ledger_files.ts";
 * assert.equal(checkpointArchivePath("/l", 12), "/l/checkpoints/00000000000000000012.note");
 * ```
 */
export function checkpointArchivePath(dir: string, size: number): string {
  return `${dir}/${CHECKPOINTS_DIR}/${String(size).padStart(20, "0")}.note`;
}

/**
 * Reads exactly `length` bytes at `offset` (fewer only at end of file).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAt } from "./ledger_files.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello");
 * {
 *   using f = await Deno.open(path);
 *   assert.equal(new TextDecoder().decode(await readAt(f, 1, 3)), "ell");
 * }
 * await Deno.remove(path);
 * ```
 */
export async function readAt(
  file: Deno.FsFile,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await file.seek(offset, Deno.SeekMode.Start);
  let done = 0;
  while (done < length) {
    const n = await file.read(out.subarray(done));
    if (n === null) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

/**
 * Synchronous `readAt`, for short reads on the append hot path (page-cache hits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAtSync } from "./ledger_files.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello");
 * {
 *   using f = await Deno.open(path);
 *   assert.equal(new TextDecoder().decode(readAtSync(f, 1, 3)), "ell");
 * }
 * await Deno.remove(path);
 * ```
 */
export function readAtSync(file: Deno.FsFile, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  file.seekSync(offset, Deno.SeekMode.Start);
  let done = 0;
  while (done < length) {
    const n = file.readSync(out.subarray(done));
    if (n === null) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

/**
 * Offset of the last `\n` before `end`, or -1; scans backwards in 64 KiB chunks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lastNewlineBefore } from "./ledger_files.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "a\nbc");
 * {
 *   using f = await Deno.open(path);
 *   assert.equal(await lastNewlineBefore(f, 4), 1);
 *   assert.equal(await lastNewlineBefore(f, 1), -1);
 * }
 * await Deno.remove(path);
 * ```
 */
export async function lastNewlineBefore(file: Deno.FsFile, end: number): Promise<number> {
  const chunk = 65536;
  let hi = end;
  while (hi > 0) {
    const lo = Math.max(0, hi - chunk);
    const bytes = await readAt(file, lo, hi - lo);
    const i = bytes.lastIndexOf(0x0a);
    if (i >= 0) return lo + i;
    hi = lo;
  }
  return -1;
}

/**
 * The end of a ledger file: its last complete line and any torn bytes after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LedgerTail } from "./ledger_files.ts";
 * const tail: LedgerTail = { size: 3, completeSize: 2, lastLine: new Uint8Array([97]), lastLineOffset: 0, torn: new Uint8Array([98]) };
 * assert.equal(tail.size - tail.completeSize, tail.torn!.length);
 * ```
 */
export interface LedgerTail {
  /** File size in bytes. */
  readonly size: number;
  /** Bytes up to and including the last `\n` (where complete lines end). */
  readonly completeSize: number;
  /** The last complete line without `\n`, or null when there is none. */
  readonly lastLine: Uint8Array | null;
  /** Offset of `lastLine`. */
  readonly lastLineOffset: number;
  /** Bytes after the last `\n` (a torn write), or null. */
  readonly torn: Uint8Array | null;
}

/**
 * Reads the tail of a ledger file of `size` bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readTail } from "./ledger_files.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "a\nbb\ncc");
 * {
 *   using f = await Deno.open(path);
 *   const t = await readTail(f, 7);
 *   assert.equal(new TextDecoder().decode(t.lastLine!), "bb");
 *   assert.equal(new TextDecoder().decode(t.torn!), "cc");
 *   assert.equal(t.completeSize, 5);
 * }
 * await Deno.remove(path);
 * ```
 */
export async function readTail(file: Deno.FsFile, size: number): Promise<LedgerTail> {
  const lastNl = await lastNewlineBefore(file, size);
  const completeSize = lastNl + 1;
  const torn = completeSize < size ? await readAt(file, completeSize, size - completeSize) : null;
  if (lastNl < 0) return { size, completeSize: 0, lastLine: null, lastLineOffset: 0, torn };
  const prevNl = await lastNewlineBefore(file, lastNl);
  const lastLineOffset = prevNl + 1;
  const lastLine = await readAt(file, lastLineOffset, lastNl - lastLineOffset);
  return { size, completeSize, lastLine, lastLineOffset, torn };
}

/**
 * The size of a ledger's lines file read under a shared lock on `ledger.lock` when there is one
 * (a writer holds it exclusively while it appends, so a line still being written is not counted
 * as a torn one); the plain size when there is no lock file (an auditor's copy). What
 * `verifyLedger` and the report's pass read up to.
 *
 * @param dir The ledger directory.
 * @param path The lines file (default `DIR/ledger.jsonl`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ledgerSizeUnderLock } from "./ledger_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/ledger.jsonl`, "{}\n");
 * assert.equal(await ledgerSizeUnderLock(dir), 3); // no lock file: the plain size
 * await Deno.writeTextFile(`${dir}/ledger.lock`, "");
 * assert.equal(await ledgerSizeUnderLock(dir), 3);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ledgerSizeUnderLock(
  dir: string,
  path = `${dir}/${LEDGER_JSONL}`,
): Promise<number> {
  let lock: Deno.FsFile;
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
