/**
 * Writer-side guard for key rotation: `DIR/retired-keys.json` lists keys that a `key_rotation`
 * record retired (`{"v":1,"retired":[{"kid":"…","after_seq":3,"new_kid":"…"}]}`). The writer
 * records each rotation it appends here and refuses to append with a retired key, so an
 * operator who forgets to switch keys gets an error instead of records the verifier will
 * reject (`KEY_ROTATED_OUT`). The file is a convenience derived from the ledger: the verifier
 * never reads it and enforces rotations from the records themselves.
 *
 * @module
 */

import { replaceFileAtomic } from "../base/durable_file.ts";
import { LedgerError } from "./ledger_error.ts";

/**
 * File name inside the ledger directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noteRetiredKey, RETIRED_KEYS_FILE } from "./retired_keys.ts";
 * const dir = await Deno.makeTempDir();
 * await noteRetiredKey(dir, { kid: "a".repeat(64), afterSeq: 3, newKid: "b".repeat(64) });
 * assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/${RETIRED_KEYS_FILE}`)).v, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export const RETIRED_KEYS_FILE = "retired-keys.json";

/**
 * A key retired by a `key_rotation` record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RetiredKey } from "./retired_keys.ts";
 * const retired: RetiredKey = { kid: "a".repeat(64), afterSeq: 3, newKid: "b".repeat(64) };
 * assert.equal(retired.afterSeq, 3);
 * ```
 */
export interface RetiredKey {
  /** The retired key's kid. */
  readonly kid: string;
  /** Seq of the rotation record (the last record the key signed). */
  readonly afterSeq: number;
  /** The key that replaced it. */
  readonly newKid: string;
}

/**
 * The retired keys noted in `dir` (none when the file is missing or unreadable).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRetiredKeys } from "./retired_keys.ts";
 * const dir = await Deno.makeTempDir();
 * assert.deepEqual(readRetiredKeys(dir), []);
 * await Deno.remove(dir);
 * ```
 */
export function readRetiredKeys(dir: string): RetiredKey[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(`${dir}/${RETIRED_KEYS_FILE}`);
  } catch {
    return [];
  }
  try {
    const raw = JSON.parse(text) as {
      retired?: { kid?: unknown; after_seq?: unknown; new_kid?: unknown }[];
    };
    return (raw.retired ?? []).filter((r) =>
      typeof r.kid === "string" && Number.isSafeInteger(r.after_seq)
    )
      .map((r) => ({
        kid: r.kid as string,
        afterSeq: r.after_seq as number,
        newKid: String(r.new_kid),
      }));
  } catch {
    return [];
  }
}

/**
 * Notes that `key.kid` was retired by the rotation record at `key.afterSeq` (durable atomic
 * replace, mode 0644).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noteRetiredKey, readRetiredKeys } from "./retired_keys.ts";
 * const dir = await Deno.makeTempDir();
 * await noteRetiredKey(dir, { kid: "a".repeat(64), afterSeq: 3, newKid: "b".repeat(64) });
 * assert.deepEqual(readRetiredKeys(dir), [{ kid: "a".repeat(64), afterSeq: 3, newKid: "b".repeat(64) }]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function noteRetiredKey(dir: string, key: RetiredKey): Promise<void> {
  const known = readRetiredKeys(dir).filter((k) => k.kid !== key.kid);
  const retired = [...known, key].map((k) => ({
    kid: k.kid,
    after_seq: k.afterSeq,
    new_kid: k.newKid,
  }));
  await replaceFileAtomic(
    `${dir}/${RETIRED_KEYS_FILE}`,
    JSON.stringify({ v: 1, retired }, null, 2) + "\n",
  );
}

/**
 * Throws `LedgerError` (`KEY_RETIRED`) when `kid` was retired by a rotation in `dir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LedgerError } from "./ledger_error.ts";
 * import { assertKeyNotRetired, noteRetiredKey } from "./retired_keys.ts";
 * const dir = await Deno.makeTempDir();
 * assertKeyNotRetired(dir, "a".repeat(64));
 * await noteRetiredKey(dir, { kid: "a".repeat(64), afterSeq: 3, newKid: "b".repeat(64) });
 * assert.throws(
 *   () => assertKeyNotRetired(dir, "a".repeat(64)),
 *   (e) => e instanceof LedgerError && e.code === "KEY_RETIRED",
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function assertKeyNotRetired(dir: string, kid: string): void {
  const hit = readRetiredKeys(dir).find((k) => k.kid === kid);
  if (hit) {
    throw new LedgerError(
      "KEY_RETIRED",
      `key ${
        kid.slice(0, 16)
      }… was rotated out at seq ${hit.afterSeq}; records signed with it would be rejected`,
      { hint: `sign with the new key (kid ${hit.newKid.slice(0, 16)}…)` },
    );
  }
}

/**
 * Notes the key retired by a `key_rotation` record just written at `seq` (its body names
 * `old_kid` and `new_key.kid`). Best effort: the record is already durable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noteRotation, readRetiredKeys } from "./retired_keys.ts";
 * const dir = await Deno.makeTempDir();
 * await noteRotation(dir, { old_kid: "a".repeat(64), new_key: { kid: "b".repeat(64) } }, 5);
 * assert.equal(readRetiredKeys(dir)[0].afterSeq, 5);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function noteRotation(
  dir: string,
  body: { [k: string]: unknown },
  seq: number,
): Promise<void> {
  const newKid = (body.new_key as { kid?: unknown } | undefined)?.kid;
  if (typeof body.old_kid !== "string" || typeof newKid !== "string") return;
  try {
    await noteRetiredKey(dir, { kid: body.old_kid, afterSeq: seq, newKid });
  } catch {
    // Best effort: the verifier enforces the rotation from the record itself.
  }
}
