/**
 * Moving torn bytes aside before a repair: `quarantine/torn-<offset, 20 digits>-<sha256[:16]>.bin`
 * (mode 0600). The file is written in full and fsynced under a temporary name, then renamed into
 * place with the durable atomic replace (`replaceFileAtomic`), so it is visible complete or not at
 * all. Idempotent when a crashed repair already wrote the file; an empty or partial file of that
 * name (left by older versions, which wrote it in place) is a leftover and is rewritten, as
 * are temporary files left by a crash (removed: the caller holds the ledger lock).
 *
 * @module
 */

import { bytesEqual, toHex } from "./encoding.ts";
import { sha256 } from "./sha256.ts";
import { replaceFileAtomic, syncDir } from "../base/durable_file.ts";
import { writeFailed } from "./disk_full.ts";
import { LedgerError } from "./ledger_error.ts";
import { QUARANTINE_DIR } from "./ledger_files.ts";

const TEMP_LEFTOVER = /^torn-\d{20}-[0-9a-f]{16}\.bin\.tmp-\d+-[0-9a-f]{8}$/;

/**
 * Writes `torn` (the bytes after the last newline, found at `offset`) to the quarantine directory
 * of the ledger in `dir`; call it with the ledger lock held. Throws `LedgerError` HEAD_INVALID
 * when a file of that name holds other bytes (not a prefix of `torn`), and WRITE_FAILED ("disk
 * full while moving ... to quarantine" for ENOSPC) when the file cannot be written: then no file
 * of the final name was created and the ledger is untouched, so the same repair can run again.
 *
 * @returns The path relative to `dir` and the hex SHA-256 of the bytes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quarantineTorn } from "./quarantine.ts";
 * const dir = await Deno.makeTempDir();
 * const q = await quarantineTorn(dir, 120, new TextEncoder().encode('{"body":'));
 * assert.match(q.quarantine, /^quarantine\/torn-00000000000000000120-[0-9a-f]+\.bin$/);
 * assert.equal(await Deno.readTextFile(`${dir}/${q.quarantine}`), '{"body":');
 * // An empty leftover of that name (an older version ran out of space) is rewritten.
 * await Deno.writeFile(`${dir}/${q.quarantine}`, new Uint8Array());
 * await quarantineTorn(dir, 120, new TextEncoder().encode('{"body":'));
 * assert.equal(await Deno.readTextFile(`${dir}/${q.quarantine}`), '{"body":');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function quarantineTorn(
  dir: string,
  offset: number,
  torn: Uint8Array,
): Promise<{ quarantine: string; sha256: string }> {
  const digest = toHex(sha256(torn));
  const name = `${QUARANTINE_DIR}/torn-${String(offset).padStart(20, "0")}-${
    digest.slice(0, 16)
  }.bin`;
  const step = `moving ${torn.length} torn bytes at offset ${offset} to ${dir}/${name}`;
  const hint =
    "nothing was appended and the ledger is unchanged; free space (or fix the disk), then append again: the repair is redone";
  const qdir = `${dir}/${QUARANTINE_DIR}`;
  const path = `${dir}/${name}`;
  try {
    const created = await Deno.mkdir(qdir, { mode: 0o700 }).then(() => true, (e) => {
      if (e instanceof Deno.errors.AlreadyExists) return false;
      throw e;
    });
    if (created) await syncDir(dir);
    else await removeTempLeftovers(qdir);
  } catch (err) {
    throw writeFailed(step, err, hint);
  }
  const existing = await Deno.readFile(path).catch((err) => {
    if (err instanceof Deno.errors.NotFound) return null;
    throw writeFailed(step, err, hint);
  });
  if (existing !== null && bytesEqual(existing, torn)) return { quarantine: name, sha256: digest };
  if (existing !== null && !bytesEqual(existing, torn.subarray(0, existing.length))) {
    throw new LedgerError("HEAD_INVALID", `quarantine file ${name} exists with other content`, {
      hint: "inspect it, move it away, and retry",
    });
  }
  // Absent, or an empty/partial leftover (a prefix of `torn`): write it whole, then rename.
  try {
    await replaceFileAtomic(path, torn, { mode: 0o600 });
  } catch (err) {
    throw writeFailed(step, err, hint);
  }
  return { quarantine: name, sha256: digest };
}

/** Removes `<name>.tmp-<pid>-<random>` files a crashed repair left (the ledger lock is held). */
async function removeTempLeftovers(qdir: string): Promise<void> {
  for await (const entry of Deno.readDir(qdir)) {
    if (entry.isFile && TEMP_LEFTOVER.test(entry.name)) {
      await Deno.remove(`${qdir}/${entry.name}`).catch((err) => {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      });
    }
  }
}
