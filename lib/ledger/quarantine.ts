/**
 * Moving torn bytes aside before a repair: `quarantine/torn-<offset, 20 digits>-<sha256[:16]>.bin`
 * (mode 0600), synced with its directory. Idempotent when a crashed repair already wrote the file.
 *
 * @module
 */

import { bytesEqual, toHex } from "./encoding.ts";
import { sha256 } from "./sha256.ts";
import { syncDir, writeFileDurable } from "../base/durable_file.ts";
import { LedgerError } from "./ledger_error.ts";
import { QUARANTINE_DIR } from "./ledger_files.ts";

/**
 * Writes `torn` (the bytes after the last newline, found at `offset`) to the quarantine directory
 * of the ledger in `dir`. Throws `LedgerError` HEAD_INVALID when a different file of that name
 * exists; file-system and fsync errors propagate.
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
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function quarantineTorn(
  dir: string,
  offset: number,
  torn: Uint8Array,
): Promise<{ quarantine: string; sha256: string }> {
  const digest = toHex(sha256(torn));
  const qdir = `${dir}/${QUARANTINE_DIR}`;
  const created = await Deno.mkdir(qdir, { mode: 0o700 }).then(() => true, (e) => {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  });
  if (created) await syncDir(dir);
  const name = `${QUARANTINE_DIR}/torn-${String(offset).padStart(20, "0")}-${
    digest.slice(0, 16)
  }.bin`;
  const path = `${dir}/${name}`;
  const existing = await Deno.readFile(path).catch(() => null);
  if (existing === null) {
    await writeFileDurable(path, torn, { mode: 0o600, createNew: true });
    await syncDir(qdir);
  } else if (!bytesEqual(existing, torn)) {
    throw new LedgerError("HEAD_INVALID", `quarantine file ${name} exists with other content`, {
      hint: "inspect it, move it away, and retry",
    });
  }
  return { quarantine: name, sha256: digest };
}
